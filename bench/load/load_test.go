package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// TestSweepFindsKnownKnee sweeps the embedded sim limited to 8 concurrent
// answers: up to c=8 the first token comes after the sim's 100 ms; beyond
// it half the requests queue for a whole answer (~280 ms) first, so the
// p99 TTFT passes the 300 ms budget and the knee is c=8 (±1 step).
func TestSweepFindsKnownKnee(t *testing.T) {
	dir := t.TempDir()
	steps := []int{2, 4, 8, 16, 32}
	var prof []string
	for i, c := range steps {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			prof = append(prof, fmt.Sprint(c))
		})
	}
	rep, err := Run(context.Background(), Options{
		Profile: "closed:c=" + strings.Join(prof, ","), Duration: 1500 * time.Millisecond,
		PromptTokens: 20, OutputTokens: 10,
		Pace:              baseline.Pace{TTFT: 100 * time.Millisecond, PerToken: 20 * time.Millisecond},
		SimMaxConcurrency: 8,
		Budgets:           trace.Budgets{TTFTMs: 300, GapMs: 1000},
		Out:               filepath.Join(dir, "load.json"), Outputs: []string{"md=" + filepath.Join(dir, "load.md")},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(rep.Steps) != len(steps) {
		t.Fatalf("%d steps, want %d", len(rep.Steps), len(steps))
	}
	for _, s := range rep.Steps {
		t.Logf("%s: %d reqs, ttft p99 %.1f ms, within %.3f, goodput %.1f/s, meets %v", s.Label, s.Requests, s.TTFT.P99, s.TTFTWithinBudget, s.Goodput, s.MeetsBudgets)
		// Every answer is scored: the sim's synthetic answer is correct.
		if s.Errors != 0 || s.Passed != s.Requests {
			t.Errorf("%s: %d errors, %d of %d passed", s.Label, s.Errors, s.Passed, s.Requests)
		}
	}
	if rep.Knee == nil {
		t.Fatal("no knee found")
	}
	want := slices.Index(steps, 8)
	if d := rep.Knee.Index - want; d < -1 || d > 1 {
		t.Errorf("knee at %s, want c=8 ±1 step", rep.Knee.Label)
	}
	// Queueing beyond the limit shows in TTFT: the biggest step's p99 is
	// at least one queued answer's worth above the sim's 100 ms.
	if last := rep.Steps[len(rep.Steps)-1]; last.TTFT.P99 < 300 || last.MeetsBudgets {
		t.Errorf("c=32: ttft p99 %.1f ms, meets %v; want queueing over the budget", last.TTFT.P99, last.MeetsBudgets)
	}
	md, err := os.ReadFile(filepath.Join(dir, "load.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Capacity (knee): " + rep.Knee.Label, "<svg", "Harness overhead", "scheduling lag"} {
		t.Run(s, func(t *testing.T) {
			if !strings.Contains(string(md), s) {
				t.Errorf("markdown report lacks %q", s)
			}
		})
	}
}

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

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(ents)
}

// TestRunLeaksNothing runs a closed and an open step (with live metrics
// served) against the embedded target and checks that afterwards the
// goroutines and open files are back to what they were.
func TestRunLeaksNothing(t *testing.T) {
	// Settle lazily started runtime and tokenizer state first.
	if _, err := Run(context.Background(), Options{Profile: "closed:c=2", Duration: 100 * time.Millisecond, Out: filepath.Join(t.TempDir(), "w.json"),
		Pace: baseline.Unpaced()}); err != nil {
		t.Fatal(err)
	}
	g0, f0 := runtime.NumGoroutine(), openFDs(t)
	for _, prof := range []string{"closed:c=50", "poisson:rate=200"} {
		t.Run(prof, func(t *testing.T) {
			rep, err := Run(context.Background(), Options{Profile: prof, Duration: 500 * time.Millisecond, Prometheus: "127.0.0.1:0",
				Out: filepath.Join(t.TempDir(), "r.json"), Pace: baseline.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}})
			if err != nil {
				t.Fatalf("%s: %v", prof, err)
			}
			if s := rep.Steps[0]; s.Requests == 0 || s.Errors != 0 {
				t.Fatalf("%s: %d requests, %d errors", prof, s.Requests, s.Errors)
			}
		})
	}
	var g, f int
	for range 100 {
		g, f = runtime.NumGoroutine(), openFDs(t)
		if g <= g0 && f <= f0 {
			return
		}
		// Polled (bounded): goroutines and sockets of real loopback
		// connections wind down in real time; nothing to block on, and a
		// synctest bubble cannot host them.
		time.Sleep(50 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	t.Errorf("leak: goroutines %d → %d, open files %d → %d\n%s", g0, g, f0, f, buf[:n])
}

// TestLiveMetrics checks the Prometheus exposition against what a step
// did.
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
	ms := httptest.NewServer(live)
	defer ms.Close()
	resp, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"janus_load_step 3\n", "janus_load_inflight 0\n",
		fmt.Sprintf("janus_load_requests_total %d\n", n), fmt.Sprintf("janus_load_passed_total %d\n", n),
		fmt.Sprintf("janus_load_ttft_seconds_bucket{le=\"+Inf\"} %d\n", n), "# TYPE janus_load_ttft_seconds histogram",
	} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(string(b), want) {
				t.Errorf("metrics lack %q:\n%s", want, b)
			}
		})
	}
	if n != 12 {
		t.Errorf("%d requests, --max-requests 12", n)
	}
}

// TestWarmupKeepTracesAndInterrupt: warmup records are sent but not
// counted, --keep-traces writes every record and keeps exact values, and a
// cancelled run returns its report so far with bench.ErrInterrupted.
func TestWarmupKeepTracesAndInterrupt(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	rep, err := Run(context.Background(), Options{Profile: "closed:c=2", Duration: 300 * time.Millisecond, Warmup: 200 * time.Millisecond,
		KeepTraces: true, Out: out, Pace: baseline.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Steps[0]
	b, err := os.ReadFile(out + ".traces.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	warm := strings.Count(string(b), `"warmup":true`)
	if warm == 0 || len(lines) != s.Requests+warm || len(s.Exact) != s.Requests {
		t.Errorf("%d trace lines (%d warmup), %d counted requests, %d exact values", len(lines), warm, s.Requests, len(s.Exact))
	}
	var rec Record
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil || rec.Trace == nil || rec.Result.ID == "" {
		t.Errorf("trace line does not decode to a scored record: %v", err)
	}

	// Interrupt once the first step has finished requests, an event rather
	// than a fixed 500 ms: on a loaded machine (make test-stress) the run had
	// not reached its target by then and was cancelled before any step.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live := NewLive()
	go func() {
		for ctx.Err() == nil && live.Snapshot().Requests < 3 {
			// Polls a counter bumped by requests over real loopback
			// sockets, which a synctest bubble cannot host.
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	rep, err = Run(ctx, Options{Profile: "closed:c=2,4", Duration: time.Minute, Out: filepath.Join(dir, "i.json"),
		Pace: baseline.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}, Live: live})
	if !errors.Is(err, bench.ErrInterrupted) || rep == nil || rep.Run.Status != "interrupted" || len(rep.Steps) != 1 || rep.Steps[0].Requests == 0 {
		t.Fatalf("interrupted run: err %v, report %+v", err, rep)
	}
	if _, err := os.Stat(filepath.Join(dir, "i.json")); err != nil {
		t.Errorf("interrupted run wrote no report: %v", err)
	}
}

// TestWorkloadLeavesOutMultiTurn: the smoke suite's multi-turn task (janus
// plays the tool) is not scheduled by a load run; every other task is.
func TestWorkloadLeavesOutMultiTurn(t *testing.T) {
	o := Options{Suite: "smoke", Loader: suites.DefaultLoader{}}
	s, err := o.workload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, _ := suites.Load(context.Background(), "smoke")
	multi := 0
	for _, tk := range all.Tasks {
		if len(tk.ToolResults) > 0 {
			multi++
		}
	}
	if multi == 0 || len(s.Tasks) != len(all.Tasks)-multi {
		t.Fatalf("%d tasks scheduled of %d (%d multi-turn)", len(s.Tasks), len(all.Tasks), multi)
	}
	for _, tk := range s.Tasks {
		if len(tk.ToolResults) > 0 {
			t.Errorf("multi-turn task %s scheduled", tk.ID)
		}
	}
}

// TestCallerLiveAndStepHooks: a caller-provided Live is the one the run
// updates; OnStepStart comes before each step with the counters of the
// steps before it, OnStep after it; the report goes under OutDir and its
// path is on the report.
func TestCallerLiveAndStepHooks(t *testing.T) {
	dir := t.TempDir()
	live := NewLive()
	var events []string
	var atStart []LiveSnapshot
	var sums []StepSummary
	rep, err := Run(context.Background(), Options{Profile: "closed:c=1,2", Duration: 200 * time.Millisecond, OutDir: dir, Live: live,
		Pace: baseline.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond},
		OnStepStart: func(i int, s Step) {
			events = append(events, fmt.Sprintf("start %d %s", i, s.Label()))
			atStart = append(atStart, live.Snapshot())
		},
		OnStep: func(s StepSummary) { events = append(events, "done "+s.Label); sums = append(sums, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"start 0 c=1", "done c=1", "start 1 c=2", "done c=2"}; !slices.Equal(events, want) {
		t.Errorf("hooks %q, want %q", events, want)
	}
	if filepath.Dir(rep.Path) != dir || !strings.HasSuffix(rep.Path, ".json") {
		t.Errorf("report path %q, want one under %s", rep.Path, dir)
	}
	back, err := ReadReport(rep.Path)
	if err != nil || len(back.Steps) != 2 || back.Path != rep.Path {
		t.Fatalf("read back: %v %+v", err, back)
	}
	end := live.Snapshot()
	if len(atStart) != 2 || atStart[0].Requests != 0 {
		t.Fatalf("snapshots at step starts: %+v", atStart)
	}
	// No warmup, and a closed step waits for its requests: the live
	// counters are the steps' own, step by step.
	for i, s := range sums {
		next := end
		if i+1 < len(atStart) {
			next = atStart[i+1]
		}
		d := next.Since(atStart[i])
		if d.Requests != int64(s.Requests) || d.Passed != int64(s.Passed) || d.Good != int64(s.Good) || d.Requests == 0 {
			t.Errorf("step %d: live %+v, summary requests %d passed %d good %d", i, d, s.Requests, s.Passed, s.Good)
		}
	}
	if end.Step != 1 || end.Inflight != 0 || end.Good > end.Passed || end.Passed > end.Requests || end.TTFTCount == 0 || !(end.TTFTSumMs > 0) {
		t.Errorf("final snapshot %+v", end)
	}
}

// TestLiveSnapshotConcurrent reads snapshots while requests finish (run
// with -race): the counters never tear or run backwards, and goodput's
// numerator never leads the correct answers.
func TestLiveSnapshotConcurrent(t *testing.T) {
	live := NewLive()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var prev LiveSnapshot
	var bad []string
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			s := live.Snapshot()
			if s.Good > s.Passed || s.Passed > s.Requests || s.Errors > s.Requests || s.Requests < prev.Requests {
				bad = append(bad, fmt.Sprintf("%+v after %+v", s, prev))
			}
			prev = s
			runtime.Gosched()
		}
	}()
	_, err := Run(context.Background(), Options{Profile: "closed:c=8", Duration: 200 * time.Millisecond, Live: live,
		Out: filepath.Join(t.TempDir(), "r.json"), Pace: baseline.Unpaced()})
	cancel()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%d inconsistent snapshots, first %s", len(bad), bad[0])
	}
	if live.Snapshot().Requests == 0 {
		t.Error("no requests counted")
	}
}
