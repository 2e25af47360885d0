// Package trace turns one chat completion request into a Trace: every
// timestamp, every SSE event with its kind, the assembled answer, usage,
// and the classified error if any. The Trace is the one serialisable
// per-request record that every consumer (evaluators, report writers, the
// store, the TUI, replay) reads; it is complete even when the stream fails.
// ExampleClient_Do traces one request and checks it against the contract.
package trace

import (
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// Kind is what one SSE item in a stream was.
type Kind string

// The kinds of stream items. A chunk can carry several things at once
// (content and usage); it is recorded under the most significant one in
// this order: error, tool_call, content, reasoning, janus, usage, other.
const (
	KindContent    Kind = "content"
	KindReasoning  Kind = "reasoning"
	KindToolCall   Kind = "tool_call"
	KindJanus      Kind = "janus"
	KindUsage      Kind = "usage"
	KindKeepAlive  Kind = "keepalive"
	KindDone       Kind = "done"
	KindError      Kind = "error"
	KindUnparsable Kind = "unparsable"
	// KindOther is a well-formed chunk carrying nothing countable (a role
	// chunk, an empty delta, a finish reason alone).
	KindOther Kind = "other"
	// KindAfterDone is anything that arrived after data: [DONE].
	KindAfterDone Kind = "after_done"
)

// TokenBearing reports whether events of kind k carry output tokens.
func (k Kind) TokenBearing() bool {
	return k == KindContent || k == KindReasoning || k == KindToolCall
}

// The framings of a response body.
const (
	FramingSSE  = "sse"
	FramingJSON = "json"
)

// ErrorClass classifies why a request failed.
type ErrorClass string

// Error classes.
const (
	ErrConnect           ErrorClass = "connect"
	ErrTLS               ErrorClass = "tls"
	ErrHTTPStatus        ErrorClass = "http_status"
	ErrTimeoutHeaders    ErrorClass = "timeout_headers"
	ErrTimeoutFirstToken ErrorClass = "timeout_first_token"
	ErrTimeoutTotal      ErrorClass = "timeout_total"
	ErrStreamAborted     ErrorClass = "stream_aborted"
	ErrBadJSON           ErrorClass = "bad_json"
	ErrMidstream         ErrorClass = "midstream_error"
	ErrCancelled         ErrorClass = "cancelled"
	ErrRequest           ErrorClass = "request"
	// The size caps (Limits): reading stopped there.
	ErrEventTooLarge  ErrorClass = "event_too_large"
	ErrStreamTooLarge ErrorClass = "stream_too_large"
	ErrBodyTooLarge   ErrorClass = "body_too_large"
	ErrRedirect       ErrorClass = "redirect"
)

// SizeCap reports whether the class is one of the size caps.
func (c ErrorClass) SizeCap() bool {
	return c == ErrEventTooLarge || c == ErrStreamTooLarge || c == ErrBodyTooLarge
}

// Timeout reports whether the class is one of the timeouts.
func (c ErrorClass) Timeout() bool {
	return c == ErrTimeoutHeaders || c == ErrTimeoutFirstToken || c == ErrTimeoutTotal
}

// Error is a classified failure.
type Error struct {
	Class   ErrorClass `json:"class"`
	Code    int        `json:"code,omitempty"`
	Message string     `json:"message"`
}

func (e *Error) Error() string { return string(e.Class) + ": " + e.Message }

// Event is one SSE item. Times are offsets in nanoseconds from the moment
// the request was sent, so a trace serialises without wall-clock noise.
type Event struct {
	Kind Kind `json:"kind"`
	// AtNs is when the event was dispatched (its last byte read).
	AtNs int64 `json:"at_ns"`
	// FirstByteNs is when the event's first byte was read.
	FirstByteNs int64 `json:"first_byte_ns"`
	// Bytes is the event's size on the wire.
	Bytes int `json:"bytes"`
	// Text is the content, reasoning or tool-call argument delta it carried.
	Text string `json:"text,omitempty"`
}

// ToolCall is an assembled tool call.
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Trace is everything observed about one request.
type Trace struct {
	TaskID    string    `json:"task_id,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Stream    bool      `json:"stream"`
	WantUsage bool      `json:"want_usage"`
	Start     time.Time `json:"start"`

	// Offsets from Start in nanoseconds; -1 means "never happened".
	SentNs           int64 `json:"sent_ns"`
	HeadersNs        int64 `json:"headers_ns"`
	FirstByteNs      int64 `json:"first_byte_ns"`
	FirstEventNs     int64 `json:"first_event_ns"`
	FirstReasoningNs int64 `json:"first_reasoning_ns"`
	FirstContentNs   int64 `json:"first_content_ns"`
	FirstTokenNs     int64 `json:"first_token_ns"`
	DoneNs           int64 `json:"done_ns"`
	EndNs            int64 `json:"end_ns"`

	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	// Framing is how the body was read: "sse" (an event stream) or
	// "json" (one completion), decided by the Content-Type and, when that
	// is not what was asked for, by the body itself.
	Framing string `json:"framing,omitempty"`
	Model   string `json:"model,omitempty"`

	Events []Event `json:"events,omitempty"`

	Content      string          `json:"content"`
	Reasoning    string          `json:"reasoning,omitempty"`
	ToolCalls    []ToolCall      `json:"tool_calls,omitempty"`
	Artifacts    []wire.Artifact `json:"artifacts,omitempty"`
	JanusEvents  []string        `json:"janus_events,omitempty"`
	Usage        *wire.Usage     `json:"usage,omitempty"`
	UsageCount   int             `json:"usage_chunks,omitempty"`
	FinishReason string          `json:"finish_reason,omitempty"`
	// PromptTokens is janus's own count of the request's prompt (cl100k
	// over every message's text): the cost dimension prices it, so a
	// usage.prompt_tokens that under-reports cannot make an answer cheap.
	PromptTokens int `json:"prompt_tokens_counted,omitempty"`

	// Shape notes how the stream departs from OpenAI's own shape without
	// breaking a client (usage merged into a chunk with choices, usage
	// nobody asked for, a usage chunk with created 0 or model "", headers
	// held until the first event). Real providers do some of these by
	// design, so they are notes, not violations; conform holds a
	// competitor to the strict shape.
	Shape []string `json:"shape,omitempty"`

	// Truncated says what was counted but not kept once the stream
	// passed the client's Limits (nil: everything was kept).
	Truncated *Truncation `json:"truncated,omitempty"`

	// UnparsableSample keeps the first bad data payload (truncated) so a
	// violation can say what was wrong.
	UnparsableSample string `json:"unparsable_sample,omitempty"`
	// ErrorBody is the error message a server put in the stream or body.
	ErrorBody string `json:"error_body,omitempty"`
	// Redirect is the Location of a redirect janus did not follow.
	Redirect string `json:"redirect,omitempty"`
	Err      *Error `json:"error,omitempty"`

	// Turns are the follow-up requests of a multi-turn task (janus played
	// the tool and sent the conversation on), in order; this trace is the
	// first turn. Final merges them into the answer the checks judge.
	Turns []*Trace `json:"turns,omitempty"`
	// Decoy is a memory task's decoy user's answer to the same question
	// (suites.MemoryDecoy); the task's score needs it too. Final leaves it
	// out: it is another user's conversation, not a turn of this one.
	Decoy *Trace `json:"decoy,omitempty"`
}

// Final is the whole answer of a multi-turn exchange: the last turn's
// content and finish reason, every turn's reasoning, tool calls, artifacts
// and janus events, usage summed over the turns that reported it, and the
// first error. Timing fields stay the first turn's. A single-turn trace is
// returned as is.
func (t *Trace) Final() *Trace {
	if len(t.Turns) == 0 {
		return t
	}
	f := *t
	f.Turns, f.Decoy = nil, nil
	f.ToolCalls = append([]ToolCall(nil), t.ToolCalls...)
	f.Artifacts = append([]wire.Artifact(nil), t.Artifacts...)
	f.JanusEvents = append([]string(nil), t.JanusEvents...)
	usage := t.Usage
	for _, n := range t.Turns {
		f.Content, f.FinishReason = n.Content, n.FinishReason
		f.Reasoning += n.Reasoning
		f.ToolCalls = append(f.ToolCalls, n.ToolCalls...)
		f.Artifacts = append(f.Artifacts, n.Artifacts...)
		f.JanusEvents = append(f.JanusEvents, n.JanusEvents...)
		if f.Err == nil && n.Err != nil {
			f.Err, f.ErrorBody = n.Err, n.ErrorBody
		}
		usage = sumUsage(usage, n.Usage)
	}
	f.Usage = usage
	return &f
}

// sumUsage adds two turns' usage. A turn without usage leaves the sum
// unknown (nil): a partial count would understate the cost. Cost and
// sandbox seconds are summed only when both turns report them.
func sumUsage(a, b *wire.Usage) *wire.Usage {
	if a == nil || b == nil {
		return nil
	}
	u := wire.Usage{PromptTokens: a.PromptTokens + b.PromptTokens, CompletionTokens: a.CompletionTokens + b.CompletionTokens,
		TotalTokens: a.TotalTokens + b.TotalTokens, ReasoningTokens: a.ReasoningTokens + b.ReasoningTokens}
	if a.CostUSD != nil && b.CostUSD != nil {
		c := *a.CostUSD + *b.CostUSD
		u.CostUSD = &c
	}
	if a.SandboxSeconds != nil && b.SandboxSeconds != nil {
		s := *a.SandboxSeconds + *b.SandboxSeconds
		u.SandboxSeconds = &s
	}
	return &u
}

// newTrace returns a trace with every timestamp unset.
func newTrace() *Trace {
	return &Trace{SentNs: -1, HeadersNs: -1, FirstByteNs: -1, FirstEventNs: -1,
		FirstReasoningNs: -1, FirstContentNs: -1, FirstTokenNs: -1, DoneNs: -1, EndNs: -1}
}

// Output returns everything the target generated as text (content,
// reasoning and tool-call arguments), which is what output tokens count.
func (t *Trace) Output() string {
	s := t.Reasoning + t.Content
	for _, c := range t.ToolCalls {
		s += c.Name + c.Arguments
	}
	return s
}
