package load

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/janus-bench/janus/bench/trace"
)

// stallServer answers every request with a short SSE stream, except that
// during the first stall of every period it holds each request until the
// stall is over (as a server with a GC pause or a full batch would). It
// tags each response with an X-Request-Id and records how long it held
// that request: the truth the client's latency must show.
type stallServer struct {
	*httptest.Server
	t0   time.Time
	mu   sync.Mutex
	held map[string]time.Duration
}

func newStallServer(t *testing.T, period, stall time.Duration) *stallServer {
	s := &stallServer{t0: time.Now(), held: map[string]time.Duration{}}
	var n atomic.Int64
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			io.WriteString(w, `{"object":"list","data":[{"id":"stall","object":"model"}]}`)
			return
		}
		io.Copy(io.Discard, r.Body)
		id := fmt.Sprint(n.Add(1))
		var wait time.Duration
		if phase := time.Since(s.t0) % period; phase < stall {
			wait = stall - phase
		}
		s.mu.Lock()
		s.held[id] = wait
		s.mu.Unlock()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","model":"stall","choices":[{"index":0,"delta":{"role":"assistant","content":"tick"}}]}`+"\n\n")
		fmt.Fprint(w, `data: {"id":"x","object":"chat.completion.chunk","model":"stall","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`+"\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(s.Close)
	return s
}

// ks returns the Kolmogorov–Smirnov statistic of xs against cdf.
func ks(xs []float64, cdf func(float64) float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := float64(len(xs))
	d := 0.0
	for i, x := range xs {
		f := cdf(x)
		d = max(d, math.Abs(float64(i+1)/n-f), math.Abs(f-float64(i)/n))
	}
	return d
}

// TestOpenLoopKeepsScheduleThroughStalls runs a Poisson schedule against a
// server that stalls 200 ms of every second (the 2 s in 10 s of the
// acceptance, scaled down 10×). The intended send times pass a KS test
// against the exponential inter-arrival law; every scheduled arrival is
// sent and answered; every request the server held shows at least that
// hold in its TTFT; and the arrivals due during a stall were not held back
// (a closed-loop sender would have sent them only after it).
func TestOpenLoopKeepsScheduleThroughStalls(t *testing.T) {
	const rate = 50.0
	period, stall := time.Second, 200*time.Millisecond
	srv := newStallServer(t, period, stall)
	client := &trace.Client{BaseURL: srv.URL + "/v1", HTTP: &http.Client{Transport: newLeanTransport(64)}}
	defer client.HTTP.CloseIdleConnections()
	w := &Workload{Tasks: Synthetic(10, 1).Tasks, Model: "stall", Stream: true}
	const seed = 42
	b := trace.Budgets{TTFTMs: 100, GapMs: 1000}
	e := New(client, WithSeed(seed), WithBudgets(b))
	dur := 4 * time.Second
	s := Step{Kind: KindPoisson, Rate: rate}
	var recs []Record
	for r := range e.Run(context.Background(), 0, s, dur, w) {
		recs = append(recs, r)
	}
	// Every arrival the schedule has inside the step was sent.
	p := NewPoissonPacer(rate, seed)
	planned := 0
	for p.Pace(uint64(planned)) < dur {
		planned++
	}
	if len(recs) != planned {
		t.Fatalf("%d records, the schedule has %d arrivals", len(recs), planned)
	}
	slices.SortFunc(recs, func(a, b Record) int { return int(a.Seq) - int(b.Seq) })
	var gaps, stallLags []float64
	held := 0
	acc := NewStepAccumulator(0, s, b, false)
	for i, r := range recs {
		if r.Trace.Err != nil {
			t.Fatalf("request %d failed: %v", r.Seq, r.Trace.Err)
		}
		acc.Add(&recs[i])
		if i > 0 {
			gaps = append(gaps, float64(r.IntendedNs-recs[i-1].IntendedNs)/1e9)
		}
		srv.mu.Lock()
		wait, ok := srv.held[r.Trace.RequestID]
		srv.mu.Unlock()
		if !ok {
			t.Fatalf("request %d: the server has no record of id %q", r.Seq, r.Trace.RequestID)
		}
		if wait > 0 {
			held++
			// The first token cannot come before the server let it go.
			// Timed from the trace's start (before the request was
			// written), not from ttft_ms's "sent" stamp: under a CPU hog
			// that stamp is taken late, after the server already began
			// holding, and a causal bound must not depend on it.
			if at := r.Trace.FirstTokenNs; at < 0 || time.Duration(at) < wait {
				t.Errorf("request %d held %v by the server, first token %v after the trace began", r.Seq, wait, time.Duration(at))
			}
		}
		intended := r.Trace.Start.Add(-time.Duration(r.LagNs))
		if intended.Sub(srv.t0)%period < stall {
			stallLags = append(stallLags, float64(r.LagNs)/1e6)
		}
	}
	exp := distuv.Exponential{Rate: rate}
	if d, crit := ks(gaps, exp.CDF), 1.63/math.Sqrt(float64(len(gaps))); d > crit {
		t.Errorf("intended inter-arrivals: KS D %.3f > %.3f (α 0.01)", d, crit)
	}
	if held == 0 || len(stallLags) == 0 {
		t.Fatalf("no request met a stall (%d held, %d due in one)", held, len(stallLags))
	}
	// Arrivals due in a stall went out on time: their median lag is far
	// below the stall (a median, so one CPU hiccup on a busy machine does
	// not decide it).
	slices.Sort(stallLags)
	if med := stallLags[len(stallLags)/2]; med >= float64(stall/2)/1e6 {
		t.Errorf("median scheduling lag of arrivals due during a stall %.1f ms: sends waited on the stalled server", med)
	}
	sum := acc.Close()
	if sum.Requests != planned || sum.Errors != 0 || sum.TTFT.Max < float64(stall/2)/1e6 {
		t.Errorf("summary: %d requests, %d errors, ttft max %.1f ms", sum.Requests, sum.Errors, sum.TTFT.Max)
	}
	t.Logf("%d requests, %d held by the server, %d due in a stall; ttft p50 %.1f p99 %.1f max %.1f ms, lag p99 %.3f ms",
		sum.Requests, held, len(stallLags), sum.TTFT.P50, sum.TTFT.P99, sum.TTFT.Max, sum.Lag.P99)
}

// TestLiveMetrics checks the live counters (what --prometheus exposes)
// against what a step did.
func TestLiveMetrics(t *testing.T) {
	srv := newStallServer(t, time.Hour, 0)
	client := &trace.Client{BaseURL: srv.URL + "/v1", HTTP: &http.Client{Transport: trace.NewTransport(4)}}
	defer client.HTTP.CloseIdleConnections()
	live := NewLive()
	e := New(client, WithLive(live), WithMaxRequests(12))
	w := &Workload{Tasks: Synthetic(10, 1).Tasks, Model: "stall", Stream: true}
	n := 0
	for range e.Run(context.Background(), 3, Step{Kind: KindClosed, Concurrency: 4}, time.Minute, w) {
		n++
	}
	s := live.Snapshot()
	bounds, cum, count, sum := live.TTFTHistogram()
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"step", int64(s.Step), 3}, {"inflight", s.Inflight, 0}, {"requests", s.Requests, int64(n)},
		{"passed", s.Passed, int64(n)}, {"ttft count", int64(count), int64(n)}, {"snapshot ttft count", s.TTFTCount, int64(n)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("%s %d, want %d", c.name, c.got, c.want)
			}
		})
	}
	if len(bounds) != len(cum) || !slices.IsSorted(bounds) || !slices.IsSorted(cum) || cum[len(cum)-1] > count || !(sum > 0) {
		t.Errorf("ttft histogram bounds %v cumulative %v sum %v", bounds, cum, sum)
	}
	if n != 12 {
		t.Errorf("%d requests, --max-requests 12", n)
	}
}
