package loadapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/app"
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
	rep, err := simMount.Run(context.Background(), app.LoadOptions{
		Options: load.Options{Profile: "closed:c=" + strings.Join(prof, ","), Duration: 1500 * time.Millisecond,
			PromptTokens: 20, OutputTokens: 10, Budgets: trace.Budgets{TTFTMs: 300, GapMs: 1000}},
		Pace:              app.Pace{TTFT: 100 * time.Millisecond, PerToken: 20 * time.Millisecond},
		SimMaxConcurrency: 8,
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
	if _, err := simMount.Run(context.Background(), app.LoadOptions{Options: load.Options{Profile: "closed:c=2", Duration: 100 * time.Millisecond}, Out: filepath.Join(t.TempDir(), "w.json"),
		Pace: app.Pace(baseline.Unpaced())}); err != nil {
		t.Fatal(err)
	}
	g0, f0 := runtime.NumGoroutine(), openFDs(t)
	for _, prof := range []string{"closed:c=50", "poisson:rate=200"} {
		t.Run(prof, func(t *testing.T) {
			rep, err := simMount.Run(context.Background(), app.LoadOptions{Options: load.Options{Profile: prof, Duration: 500 * time.Millisecond}, Prometheus: "127.0.0.1:0",
				Out: filepath.Join(t.TempDir(), "r.json"), Pace: app.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}})
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

// TestWarmupKeepTracesAndInterrupt: warmup records are sent but not
// counted, --keep-traces writes every record and keeps exact values, and a
// cancelled run returns its report so far with bench.ErrInterrupted.
func TestWarmupKeepTracesAndInterrupt(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	rep, err := simMount.Run(context.Background(), app.LoadOptions{Options: load.Options{Profile: "closed:c=2", Duration: 300 * time.Millisecond, Warmup: 200 * time.Millisecond,
		KeepTraces: true}, Out: out, Pace: app.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}})
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
	var rec load.Record
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil || rec.Trace == nil || rec.Result.ID == "" {
		t.Errorf("trace line does not decode to a scored record: %v", err)
	}

	// Interrupt once the first step has finished requests, an event rather
	// than a fixed 500 ms: on a loaded machine (make test-stress) the run had
	// not reached its target by then and was cancelled before any step.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live := load.NewLive()
	go func() {
		for ctx.Err() == nil && live.Snapshot().Requests < 3 {
			// Polls a counter bumped by requests over real loopback
			// sockets, which a synctest bubble cannot host.
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	rep, err = simMount.Run(ctx, app.LoadOptions{Options: load.Options{Profile: "closed:c=2,4", Duration: time.Minute}, Out: filepath.Join(dir, "i.json"),
		Pace: app.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}, Live: live})
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
	o := options{app.LoadOptions{Options: load.Options{Suite: "smoke", Loader: suites.DefaultLoader{}}}}
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
	live := load.NewLive()
	var events []string
	var atStart []load.LiveSnapshot
	var sums []load.StepSummary
	rep, err := simMount.Run(context.Background(), app.LoadOptions{OutDir: dir, Live: live,
		Pace: app.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond},
		Options: load.Options{Profile: "closed:c=1,2", Duration: 200 * time.Millisecond,
			OnStepStart: func(i int, s load.Step) {
				events = append(events, fmt.Sprintf("start %d %s", i, s.Label()))
				atStart = append(atStart, live.Snapshot())
			},
			OnStep: func(s load.StepSummary) { events = append(events, "done "+s.Label); sums = append(sums, s) }}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"start 0 c=1", "done c=1", "start 1 c=2", "done c=2"}; !slices.Equal(events, want) {
		t.Errorf("hooks %q, want %q", events, want)
	}
	if filepath.Dir(rep.Path) != dir || !strings.HasSuffix(rep.Path, ".json") {
		t.Errorf("report path %q, want one under %s", rep.Path, dir)
	}
	back, err := load.ReadReport(rep.Path)
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
	live := load.NewLive()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var prev load.LiveSnapshot
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
	_, err := simMount.Run(context.Background(), app.LoadOptions{Options: load.Options{Profile: "closed:c=8", Duration: 200 * time.Millisecond}, Live: live,
		Out: filepath.Join(t.TempDir(), "r.json"), Pace: app.Pace(baseline.Unpaced())})
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
