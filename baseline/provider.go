package baseline

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// Provider produces answers. The HTTP handlers own everything about the
// protocol (decoding, the role chunk, finish and usage chunks, [DONE],
// keep-alives, errors), so a provider only decides what the assistant says
// and when each piece is due. That split is what lets an upstream relay or
// an agent loop replace the sim without touching the wire handling.
type Provider interface {
	// Name identifies the provider in GET /health ("sim").
	Name() string
	// Features lists what the provider supports, for GET /health.
	Features() []string
	// Open checks req and prepares its answer. An error here, preferably a
	// *RequestError, becomes an HTTP error response; nothing has been sent to
	// the client yet. On success the handler calls Run exactly once.
	Open(ctx context.Context, req *Request) (Generation, error)
}

// Generation is one prepared answer.
type Generation interface {
	// Run delivers the answer to sink in order and returns how it ended. It
	// must return promptly once ctx is done or sink.Emit fails, and release
	// whatever Open acquired before returning.
	Run(ctx context.Context, sink Sink) (Outcome, error)
}

// Request is what a provider gets for one chat completion.
type Request struct {
	// ID is the request id, echoed in X-Request-Id and in chunk ids.
	ID string
	// Start is when the handler began; the sim's deadlines count from it.
	Start time.Time
	// Chat is the decoded, validated request body.
	Chat *wire.ChatRequest
	// BaseURL is scheme://host as the client reached the server, for
	// absolute artifact URLs.
	BaseURL string
	// FileModel is the model a Jan model.json named for this request (the
	// data dir's model, assistant or thread settings), "" for none; the
	// openai provider sends it upstream.
	FileModel string
	// Routing is set by a provider that classified the request; the
	// handler reports it in the first chunk's metadata and in headers.
	Routing *RoutingDecision
}

// Event is one piece of output: a delta for choice 0 and the time it is due.
type Event struct {
	// Kind is KindReasoning, KindContent or KindToolCall.
	Kind string
	// Delta is sent as choice 0's delta (without role or finish reason).
	Delta wire.Delta
	// At is when the event is due. A streaming sink holds it until then, so
	// providers pace by absolute deadlines; the zero time means now.
	At time.Time
}

// Sink receives a provider's output.
type Sink interface {
	// Emit delivers ev no earlier than ev.At. When streaming it returns once
	// the frame is flushed; it fails when the client has gone away or ctx is
	// done, and the provider must then stop.
	Emit(ctx context.Context, ev Event) error
}

// Outcome is how a generation ended.
type Outcome struct {
	// FinishReason is "stop", "length" or "tool_calls".
	FinishReason string
	// Usage is reported in the usage chunk and the completion body.
	Usage wire.Usage
}

// RequestError is a request the provider refuses, reported to the client
// as an OpenAI error envelope with the given HTTP status.
type RequestError struct {
	Status  int
	Type    string
	Param   string
	Message string
	// Code is the error's machine-readable code ("model_not_found"), or
	// empty for none.
	Code string
}

// Error implements error.
func (e *RequestError) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (param %s)", e.Message, e.Param)
	}
	return e.Message
}

// badRequest is a 400 invalid_request_error naming param.
func badRequest(param, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Type: "invalid_request_error",
		Param: param, Message: fmt.Sprintf(format, args...)}
}
