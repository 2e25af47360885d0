package baseline

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimitConcurrency: with a limit of 2, six concurrent completions run
// two at a time (the rest queue, none is refused), and other routes are
// not held.
func TestLimitConcurrency(t *testing.T) {
	var running, peak atomic.Int64
	release := make(chan struct{})
	entered := make(chan struct{}, 6)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			io.WriteString(w, "ok")
			return
		}
		n := running.Add(1)
		entered <- struct{}{}
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		running.Add(-1)
		io.WriteString(w, "done")
	})
	srv := httptest.NewServer(limitConcurrency(inner, 2))
	defer srv.Close()
	var wg sync.WaitGroup
	codes := make(chan int, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", nil)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	// Wait (bounded) until two are running; the others must be queued.
	for range 2 {
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d completions running after 10 s, want 2", running.Load())
		}
	}
	// Health is not held behind the queue.
	resp, err := http.Get(srv.URL + "/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/health while completions queue: %v", err)
	}
	resp.Body.Close()
	close(release)
	wg.Wait()
	close(codes)
	n := 0
	for c := range codes {
		n++
		if c != http.StatusOK {
			t.Errorf("status %d", c)
		}
	}
	if n != 6 || peak.Load() != 2 {
		t.Errorf("%d answered, peak concurrency %d; want 6 and 2", n, peak.Load())
	}
}
