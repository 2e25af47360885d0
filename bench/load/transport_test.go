package load

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/trace"
)

// countingServer serves a short SSE answer (or, for /slow, one that
// never ends until the client goes) and counts the connections it
// accepted.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"choices":[{"index":0,"delta":{"content":"tick"}}]}`+"\n\n")
		if strings.HasPrefix(r.URL.Path, "/slow") {
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestLeanTransport(t *testing.T) {
	srv, conns := countingServer(t)
	lt := newLeanTransport(8)
	defer lt.CloseIdleConnections()
	client := &trace.Client{BaseURL: srv.URL + "/v1", HTTP: &http.Client{Transport: lt}}
	w := &Workload{Tasks: Synthetic(10, 1).Tasks, Model: "m", Stream: true}

	// Connections are reused: 40 requests, 4 at a time, need 4 of them.
	e := New(client, WithMaxRequests(40))
	n := 0
	for r := range e.Run(context.Background(), 0, Step{Kind: KindClosed, Concurrency: 4}, time.Minute, w) {
		n++
		if r.Trace.Err != nil || r.Trace.Content != "tick" {
			t.Fatalf("request %d: err %v, content %q", r.Seq, r.Trace.Err, r.Trace.Content)
		}
	}
	if n != 40 || conns.Load() > 4 {
		t.Errorf("%d requests over %d connections; want 40 over at most 4", n, conns.Load())
	}

	// A kept connection the server closed meanwhile: the request is sent
	// again on a new one, and succeeds.
	srv.CloseClientConnections()
	before := conns.Load()
	if tr := client.Do(context.Background(), w.Tasks[0].ChatRequest("m", true), nil); tr.Err != nil {
		t.Errorf("after the server dropped idle connections: %v", tr.Err)
	}
	if conns.Load() != before+1 {
		t.Errorf("%d new connections after the drop, want 1", conns.Load()-before)
	}

	// A context ended mid-stream interrupts the read at once and the
	// connection is not kept.
	slow := &trace.Client{BaseURL: srv.URL + "/slow/v1", HTTP: &http.Client{Transport: lt}}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	tr := slow.Do(ctx, w.Tasks[0].ChatRequest("m", true), nil)
	if tr.Err == nil || tr.Err.Class != trace.ErrCancelled || tr.Content != "tick" {
		t.Errorf("cancelled mid-stream: err %v, content %q", tr.Err, tr.Content)
	}
	if kept := lt.Idle(); kept > 4 {
		t.Errorf("%d idle connections kept, more than were ever reusable", kept)
	}

	// Only plain http.
	req, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1:1/", nil)
	if _, err := lt.RoundTrip(req); err == nil {
		t.Error("https accepted")
	}
	// A refused dial is a dial error the client classifies as connect.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	dead := &trace.Client{BaseURL: "http://" + addr + "/v1", HTTP: &http.Client{Transport: lt}}
	if tr := dead.Do(context.Background(), w.Tasks[0].ChatRequest("m", true), nil); tr.Err == nil || tr.Err.Class != trace.ErrConnect {
		t.Errorf("refused dial: %v", tr.Err)
	}
	var oe *net.OpError
	req, _ = http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	if _, err := lt.RoundTrip(req); !errors.As(err, &oe) || oe.Op != "dial" {
		t.Errorf("refused dial error %v, want a *net.OpError with Op dial", err)
	}
}

// TestOpenLoopPrestart: an open-loop step probes the target when nothing
// has been answered yet, then starts workers and dials connections for
// rate × (latency + headroom) requests before its first arrival; the
// probes are not records, and the next step sizes itself from the
// previous step's answers without probing.
func TestOpenLoopPrestart(t *testing.T) {
	srv, conns := countingServer(t)
	client := &trace.Client{BaseURL: srv.URL + "/v1", HTTP: &http.Client{Transport: newLeanTransport(256)}}
	defer client.HTTP.CloseIdleConnections()
	w := &Workload{Tasks: Synthetic(10, 1).Tasks, Model: "m", Stream: true}
	// What was set up when the step's clock started: all of it, or the
	// step's wall time and CPU share would count the setup.
	var e *Engine
	var atStart Prestart
	e = New(client, WithPrestart(50*time.Millisecond), WithMaxInflight(100), WithMaxRequests(80),
		WithStepStarted(func(int) { atStart = e.Prestarted() }))
	step := Step{Kind: KindConstant, Rate: 1000}
	for i := range 2 {
		n := 0
		for r := range e.Run(context.Background(), i, step, time.Second, w) {
			if r.Trace.Err != nil {
				t.Fatalf("step %d: request %d: %v", i, r.Seq, r.Trace.Err)
			}
			n++
		}
		p := e.Prestarted()
		t.Logf("step %d: %+v, %d connections accepted so far", i, p, conns.Load())
		if n != 80 {
			t.Errorf("step %d: %d records, want 80 (probes are not records)", i, n)
		}
		// 1,000/s × (latency + 50 ms) is at least 50, bounded by the
		// step's 80 requests.
		if p.Workers < 50 || p.Workers > 80 || p.LatencyMs <= 0 {
			t.Errorf("step %d: prestart %+v, want 50–80 workers from a positive latency", i, p)
		}
		if wantProbes := []int{3, 0}[i]; p.Probes != wantProbes {
			t.Errorf("step %d: %d probes, want %d", i, p.Probes, wantProbes)
		}
		if atStart != p {
			t.Errorf("step %d: at the clock's start the prestart was %+v, want all of it (%+v)", i, atStart, p)
		}
	}
	// The first step dialled its connections ahead; the second found
	// them idle and needed (almost) none.
	if c := conns.Load(); c < 50 {
		t.Errorf("%d connections accepted, want the prestart's ≥ 50", c)
	}
}
