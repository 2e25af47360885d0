package trace

import (
	"errors"
	"fmt"
	"io"
)

// Limits bound what one response may make the client hold: everything an
// endpoint sends is hostile, and a stream of 1 MiB data: lines that never
// ends its event, a flood of tiny events or comments, or a multi-gigabyte
// body must cost a bounded amount of memory. A zero field takes its
// default (DefaultLimits); the defaults are far above any real answer, so
// a normal run never meets them and keeps its memory figures.
type Limits struct {
	// EventBytes caps one SSE event (all its lines): past it the stream
	// stops with event_too_large. It also caps one line.
	EventBytes int `json:"event_bytes"`
	// Events caps the events kept in a trace; later ones are counted
	// (per kind, with their bytes and timing) but not kept:
	// stream_too_large.
	Events int `json:"events"`
	// TextBytes caps the content, reasoning and tool-call text kept;
	// later text is counted but not kept: stream_too_large.
	TextBytes int `json:"text_bytes"`
	// StreamBytes caps the bytes read from one stream: past it the stream
	// is cut with stream_too_large.
	StreamBytes int64 `json:"stream_bytes"`
	// BodyBytes caps a non-stream body: past it the read stops with
	// body_too_large.
	BodyBytes int64 `json:"body_bytes"`
}

// DefaultLimits are the caps a zero Limits field takes: an 8 MiB event,
// 65,536 events and 16 MiB of text kept, 256 MiB read per stream, a
// 32 MiB non-stream body. At these caps one hostile stream holds about
// 40 MB at most.
func DefaultLimits() Limits {
	return Limits{EventBytes: 8 << 20, Events: 1 << 16, TextBytes: 16 << 20, StreamBytes: 256 << 20, BodyBytes: 32 << 20}
}

// withDefaults fills zero fields.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.EventBytes <= 0 {
		l.EventBytes = d.EventBytes
	}
	if l.Events <= 0 {
		l.Events = d.Events
	}
	if l.TextBytes <= 0 {
		l.TextBytes = d.TextBytes
	}
	if l.StreamBytes <= 0 {
		l.StreamBytes = d.StreamBytes
	}
	if l.BodyBytes <= 0 {
		l.BodyBytes = d.BodyBytes
	}
	return l
}

// maxListItems caps the tool calls, artifacts and janus events a trace
// keeps: a stream can open a new tool call in every chunk.
const maxListItems = 1024

// Truncation says what a trace did not keep once a stream passed the
// Limits. Counts and timings of the events not kept still enter the
// metrics (events, keepalives, max_gap_ms); their text does not.
type Truncation struct {
	// Events is how many events were not kept, Kinds how many of each
	// kind, Bytes their size on the wire.
	Events int          `json:"events"`
	Kinds  map[Kind]int `json:"kinds"`
	Bytes  int64        `json:"bytes"`
	// TextBytes is the text (content, reasoning, tool calls) not kept.
	TextBytes int64 `json:"text_bytes"`
	// ListItems is how many tool calls, artifacts and janus events were
	// not kept.
	ListItems int `json:"list_items,omitempty"`
	// LastAtNs is when the last event not kept arrived; MaxGapNs the
	// largest gap among them (from the last kept event on).
	LastAtNs int64 `json:"last_at_ns"`
	MaxGapNs int64 `json:"max_gap_ns"`
	// EventCap and TextCap are the caps that applied.
	EventCap int `json:"event_cap"`
	TextCap  int `json:"text_cap"`
}

// Reason says in one line what was dropped.
func (tr *Truncation) Reason() string {
	return fmt.Sprintf("%d events (%d bytes), %d bytes of text and %d tool calls/artifacts past the caps (%d events, %d bytes of text) were counted but not kept",
		tr.Events, tr.Bytes, tr.TextBytes, tr.ListItems, tr.EventCap, tr.TextCap)
}

// dropEvent counts an event that is not kept.
func (t *Trace) dropEvent(e Event, prevAt int64) {
	tr := t.truncation()
	tr.Events++
	tr.Kinds[e.Kind]++
	tr.Bytes += int64(e.Bytes)
	if prevAt >= 0 && e.AtNs-prevAt > tr.MaxGapNs {
		tr.MaxGapNs = e.AtNs - prevAt
	}
	tr.LastAtNs = e.AtNs
}

func (t *Trace) truncation() *Truncation {
	if t.Truncated == nil {
		t.Truncated = &Truncation{Kinds: map[Kind]int{}, LastAtNs: -1}
	}
	return t.Truncated
}

var (
	errStreamTooLarge = errors.New("stream exceeds the byte cap")
	errBodyTooLarge   = errors.New("body exceeds the byte cap")
)

// capReader fails with err once more than n bytes were read.
type capReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, c.err
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}
