package trace

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Recording is one response as it came off the wire: the head, every Read
// of the body with its bytes and the time it returned, and how the request
// ended. It is what a Recorder saw, and all a replay needs to rebuild the
// trace without the target.
type Recording struct {
	// Stream and WantUsage say what the request asked for; the contract
	// checks (missing [DONE], missing usage) depend on them.
	Stream    bool
	WantUsage bool
	// SentNs is when the request was fully written, HeadersNs when the
	// response head arrived (offsets from the request start; -1: never).
	SentNs    int64
	HeadersNs int64
	// Status is the HTTP status; 0 means no response arrived.
	Status int
	Header http.Header
	Reads  []Read
	// Ended says the recording has its end: EndNs and Err are how the
	// original request finished. A recording without it (made before ends
	// were recorded, or cut by a crash) ends at its last read.
	Ended bool
	EndNs int64
	Err   *Error
	// PromptTokens is janus's count of the request's prompt
	// (Trace.PromptTokens), which the response bytes cannot tell.
	PromptTokens int
}

// Read is one Read of the response body.
type Read struct {
	AtNs int64
	Data []byte
}

// replayEpoch is the start of every replayed trace. Only offsets from it
// matter; a fixed value keeps replays identical to each other.
var replayEpoch = time.Unix(0, 0).UTC()

// FromRecording rebuilds the trace of a recorded response with a default
// Client (default line cap and [DONE] grace). See Client.Replay.
func FromRecording(rec *Recording) *Trace {
	return (&Client{}).Replay(rec)
}

// Replay rebuilds the trace of a recorded response by feeding the recorded
// bytes, in the recorded Read sizes, through the same parser a live
// response goes through, with a clock that returns each Read's recorded
// time. Every timestamp therefore equals the original's to the nanosecond,
// and a change to the parser or the metrics shows up in a replay of an old
// run. What bytes cannot tell, the transport's own failures (timeouts,
// resets, a cancelled run), comes from the recorded end.
func (c *Client) Replay(rec *Recording) *Trace {
	t := newTrace()
	t.Stream, t.WantUsage = rec.Stream, rec.WantUsage
	t.PromptTokens = rec.PromptTokens
	t.Start = replayEpoch
	t.SentNs = rec.SentNs
	if rec.Status == 0 {
		t.EndNs = rec.EndNs
		if !rec.Ended {
			t.EndNs = -1
		}
		t.Err = &Error{Class: ErrConnect, Message: "the recording holds no response"}
		if rec.Err != nil {
			e := *rec.Err
			t.Err = &e
		}
		return t
	}
	t.HeadersNs = rec.HeadersNs
	if t.SentNs < 0 {
		t.SentNs = t.HeadersNs
	}
	t.Status = rec.Status
	t.ContentType = rec.Header.Get("Content-Type")
	t.RequestID = rec.Header.Get("X-Request-Id")

	rr := &replayReader{reads: rec.Reads, last: t.Start.Add(time.Duration(rec.HeadersNs))}
	rr.end = rr.last
	if n := len(rec.Reads); n > 0 {
		rr.end = t.Start.Add(time.Duration(rec.Reads[n-1].AtNs))
	}
	if rec.Ended && rec.EndNs >= 0 {
		rr.end = t.Start.Add(time.Duration(rec.EndNs))
	}
	ctx := context.Background()
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ttft := time.NewTimer(time.Hour)
	ttft.Stop()
	t = c.readBody(ctx, rctx, cancel, t, rec.Stream, rr, rr.clock, ttft)
	if rec.Ended && rec.Err != nil && (t.Err == nil || !t.Err.Class.fromBytes()) {
		e := *rec.Err
		t.Err = &e
	}
	return t
}

// fromBytes says whether an error of class c is read from the response
// bytes (and so re-derived by a replay) rather than from the transport.
func (c ErrorClass) fromBytes() bool {
	return c == ErrBadJSON || c == ErrMidstream || c == ErrHTTPStatus
}

// replayReader returns the recorded reads in order, each at its recorded
// time, then io.EOF at the recorded end.
type replayReader struct {
	reads []Read
	off   int // bytes of reads[0] already returned
	last  time.Time
	end   time.Time
}

func (r *replayReader) Read(p []byte) (int, error) {
	if len(r.reads) == 0 {
		r.last = r.end
		return 0, io.EOF
	}
	rd := r.reads[0]
	n := copy(p, rd.Data[r.off:])
	r.last = replayEpoch.Add(time.Duration(rd.AtNs))
	r.off += n
	if r.off >= len(rd.Data) {
		r.reads, r.off = r.reads[1:], 0
	}
	return n, nil
}

func (r *replayReader) clock() time.Time { return r.last }
