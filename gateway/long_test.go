//go:build long

package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/trace"
)

// TestFourMinuteStream is the contract's long-stream test (make
// test-long): a competitor that thinks for four minutes, emitting a token
// every 30 s, is relayed with keep-alives and no gap over 2 s, well within
// the default 5-minute stream timeout.
func TestFourMinuteStream(t *testing.T) {
	const (
		total = 4 * time.Minute
		every = 30 * time.Second
	)
	up := newUpstream(t, nil, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for i := 0; i < int(total/every); i++ {
			select {
			case <-time.After(every):
			case <-r.Context().Done():
				return
			}
			send(w, chunk("tick "))
		}
		send(w, "data: [DONE]\n\n")
	})
	gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"}})
	c := traceClient(gw.URL)
	c.Timeout, c.TTFTTimeout = total+time.Minute, total
	tr := c.Do(context.Background(), streamReq(false), nil)
	m := trace.ComputeMetrics(tr)
	if tr.Err != nil || tr.DoneNs < 0 || tr.Content != strings.Repeat("tick ", int(total/every)) {
		t.Fatalf("err %v done %d content %q", tr.Err, tr.DoneNs, tr.Content)
	}
	if *m.MaxGapMs > 2000 {
		t.Errorf("max gap %.0f ms, the contract allows 2000", *m.MaxGapMs)
	}
	if want := int(total/time.Second) - int(total/every) - 5; m.Keepalives < want {
		t.Errorf("%d keep-alives over %s, want >= %d", m.Keepalives, total, want)
	}
	t.Logf("%s stream: %d keep-alives, max gap %.1f ms", time.Duration(tr.EndNs), m.Keepalives, *m.MaxGapMs)
}
