package baseline

import (
	"io"

	"github.com/janus-bench/janus/internal/validate"
	"github.com/janus-bench/janus/internal/wire"
)

// maxBodyBytes bounds a request body; suites with inline images stay far
// below it.
const maxBodyBytes = 32 << 20

// decodeChat reads, decodes and validates a chat completion request body
// with the validation the gateway uses too (internal/validate), so both
// reference targets reject the same requests with the same JSON paths.
func decodeChat(body io.Reader) (*wire.ChatRequest, *RequestError) {
	data, verr := validate.ReadBody(body)
	if verr == nil {
		var req *wire.ChatRequest
		if req, verr = validate.DecodeChat(data); verr == nil {
			return req, nil
		}
	}
	return nil, &RequestError{Status: verr.Status, Type: verr.Type, Param: verr.Param, Message: verr.Message}
}
