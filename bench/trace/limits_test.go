package trace

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// readLimited parses body as a stream with the given caps and a clock that
// moves 1 ms per read, reading 1 KiB at a time.
func readLimited(body string, l Limits) *Trace {
	c := &Client{Limits: l, StreamBufferBytes: 1024}
	var tick time.Duration
	base := time.Unix(0, 0)
	clock := func() time.Time { tick += time.Millisecond; return base.Add(tick) }
	t := newTrace()
	t.Status, t.ContentType, t.Stream, t.Start = 200, "text/event-stream", true, base
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	return c.readBody(context.Background(), ctx, cancel, t, true, &chunkReader{r: strings.NewReader(body), n: 1024}, clock, timer)
}

type chunkReader struct {
	r *strings.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// TestTruncationKeepsCounts: past the event and text caps, events are
// counted (keepalives, events, gaps) though not kept, and the text kept
// stops at its cap.
func TestTruncationKeepsCounts(t *testing.T) {
	var b bytes.Buffer
	for range 100 {
		b.WriteString(`data: {"choices":[{"index":0,"delta":{"content":"0123456789"}}]}` + "\n\n")
	}
	for range 300 {
		b.WriteString(": ping\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	tr := readLimited(b.String(), Limits{Events: 50, TextBytes: 200})
	m := ComputeMetrics(tr)
	if tr.Err != nil || len(tr.Events) != 50 || tr.Truncated == nil {
		t.Fatalf("err %v, %d events kept, truncated %+v", tr.Err, len(tr.Events), tr.Truncated)
	}
	if m.Keepalives != 300 || m.Events != 101 {
		t.Errorf("keepalives %d (want 300), events %d (want 101)", m.Keepalives, m.Events)
	}
	if len(tr.Content) != 200 || tr.Truncated.TextBytes != 800 {
		t.Errorf("content %d bytes (want 200), text not kept %d (want 800)", len(tr.Content), tr.Truncated.TextBytes)
	}
	if tr.Truncated.Kinds[KindContent] != 50 || tr.Truncated.Kinds[KindKeepAlive] != 300 || tr.Truncated.Kinds[KindDone] != 1 {
		t.Errorf("kinds not kept %v", tr.Truncated.Kinds)
	}
	if tr.DoneNs < 0 || m.E2EMs == nil {
		t.Errorf("[DONE] past the cap must still end the stream: done %d", tr.DoneNs)
	}
	v := Violations(tr, m, DefaultBudgets())
	if len(v) != 1 || v[0].Code != VStreamTooLarge {
		t.Errorf("violations %+v, want stream_too_large alone", v)
	}
}

// TestHugeMultiLineEvent: an event of 1 MiB data: lines that never ends
// is event_too_large at the cap, not a first-token timeout.
func TestHugeMultiLineEvent(t *testing.T) {
	line := "data: " + strings.Repeat("x", 1<<20) + "\n"
	tr := readLimited(strings.Repeat(line, 12), Limits{})
	if tr.Err == nil || tr.Err.Class != ErrEventTooLarge {
		t.Fatalf("err %v, want event_too_large", tr.Err)
	}
}
