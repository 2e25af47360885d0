package baseline

import (
	"net/http"

	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/httpguard"
	"github.com/janus-bench/janus/internal/wire"
)

// maxBodyBytes bounds a request body; suites with inline images stay far
// below it.
const maxBodyBytes = 32 << 20

// readChat reads a chat completion request body within maxBodyBytes and
// the body read timeout (the gateway's guard, internal/httpguard: 413,
// 408), then decodes and validates it with the validation the gateway
// uses too (internal/chatreq), so both reference targets reject the same
// requests with the same JSON paths.
func (s *Server) readChat(w http.ResponseWriter, r *http.Request) (*wire.ChatRequest, *RequestError) {
	data, _, verr := httpguard.ReadBody(w, r, maxBodyBytes, s.cfg.BodyReadTimeout)
	if verr == nil {
		var req *wire.ChatRequest
		if req, verr = chatreq.DecodeChat(data); verr == nil {
			return req, nil
		}
	}
	return nil, &RequestError{Status: verr.Status, Type: verr.Type, Param: verr.Param, Message: verr.Message}
}
