package scorer

import (
	"strings"
	"unicode/utf8"

	"github.com/janus-bench/janus/bench/trace"
)

// The bounds of a TaskDetail. Everything in it came from the endpoint or
// from a (possibly generated) task, so each part is cut to a fixed size:
// a run of thousands of tasks keeps at most ~60 KB per task in memory and
// in the store, whatever the endpoint sent.
const (
	// MaxRequestExcerpt bounds the request's last user message (bytes).
	MaxRequestExcerpt = 2 << 10
	// MaxAnswerExcerpt bounds the answer (bytes).
	MaxAnswerExcerpt = 8 << 10
	// MaxReferenceExcerpt bounds the reference answer (bytes).
	MaxReferenceExcerpt = 2 << 10
	// MaxDetailEvents bounds the stream events kept for the timeline; the
	// rest are counted in EventsDropped.
	MaxDetailEvents = 2000
)

// TaskDetail is what a person needs to look at one task after the run:
// excerpts of the request, the answer and the reference, and the stream's
// events on a time axis. It is optional (reports from before it, and
// results built outside a run, have none) and bounded (the Max* consts).
// It is never an input to a score.
type TaskDetail struct {
	// Request is the last user message of the first request (its text
	// parts joined), at most MaxRequestExcerpt bytes.
	Request          string `json:"request,omitempty"`
	RequestTruncated bool   `json:"request_truncated,omitempty"`
	// Answer is the final answer's content, followed by one
	// "name(arguments)" line per tool call, at most MaxAnswerExcerpt
	// bytes; AnswerTruncated is set when it was cut here or the trace
	// itself stopped keeping text (its size caps).
	Answer          string `json:"answer,omitempty"`
	AnswerTruncated bool   `json:"answer_truncated,omitempty"`
	// Reference is the task's text reference (its content and tool calls
	// in the answer's form, or a judge check's reference answer), at most
	// MaxReferenceExcerpt bytes.
	Reference          string `json:"reference,omitempty"`
	ReferenceTruncated bool   `json:"reference_truncated,omitempty"`
	// Events are the first request's stream events in order (at most
	// MaxDetailEvents); EventsDropped counts the later ones and those
	// the trace itself did not keep.
	Events        []StreamEvent `json:"events,omitempty"`
	EventsDropped int           `json:"events_dropped,omitempty"`
}

// StreamEvent is one stream event of a TaskDetail: its kind (one of
// content, reasoning, tool_call, keepalive, usage, done, other) and when
// it was read, in ms from the request (µs resolution).
type StreamEvent struct {
	Kind trace.Kind `json:"k"`
	AtMs float64    `json:"ms"`
}

// TimelineKind maps a trace event kind onto the kinds a StreamEvent
// names: janus, error, unparsable and after-[DONE] items become other.
func TimelineKind(k trace.Kind) trace.Kind {
	switch k {
	case trace.KindContent, trace.KindReasoning, trace.KindToolCall, trace.KindKeepAlive, trace.KindUsage, trace.KindDone:
		return k
	}
	return trace.KindOther
}

// Excerpt returns at most max bytes of s, cut on a rune boundary, as valid
// UTF-8 (runs of bad bytes become U+FFFD), and whether anything was cut or
// replaced away. The result never shares s's memory, so an excerpt of a
// 16 MiB answer does not keep the answer alive.
func Excerpt(s string, max int) (string, bool) {
	if max <= 0 {
		return "", s != ""
	}
	cut := false
	if len(s) > max {
		s, cut = s[:runeCut(s, max)], true
	}
	if utf8.ValidString(s) {
		return strings.Clone(s), cut
	}
	s = strings.ToValidUTF8(s, "\uFFFD") // a new string; it may have grown
	if len(s) > max {
		s, cut = s[:runeCut(s, max)], true
	}
	return s, cut
}

// runeCut is the largest n' ≤ n at which s can be cut without splitting
// a rune (n < len(s)).
func runeCut(s string, n int) int {
	for i := n; i > n-utf8.UTFMax; i-- {
		if i <= 0 || utf8.RuneStart(s[i]) {
			return max(i, 0)
		}
	}
	return n // not UTF-8 there: ToValidUTF8 repairs the cut
}
