// Package loadapp is `janus bench load`'s application around the load
// engine (bench/load): it raises the process's file limit, sets a soft
// memory limit, boots the embedded reference target, serves live metrics,
// profiles, keeps traces, scores with the evaluators, measures the
// harness and writes the report files. The engine only sends the steps
// to a base URL and yields one record per request.
//
// The embedded target and the timing selftest both link the reference
// sim (baseline, and through it the stores and code runners), so the
// program that mounts bench load brings them (Mount): janus passes its
// own, the lean janus-load passes neither and its process holds none of
// that code.
package loadapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// Mount is what the program mounting bench load brings that this package
// does not link. A nil field is a capability the program lacks.
type Mount struct {
	// StartTarget boots the embedded reference target, for a run without
	// a target; nil: such a run is refused, naming --target.
	StartTarget StartTargetFunc
	// Selftest measures the harness's timing error after the steps; nil:
	// the report cites the last selftest of this binary saved on this
	// machine, or says it was not measured.
	Selftest SelftestFunc
	// Metrics serves the live counters for --prometheus; nil: TextMetrics,
	// the same exposition without client_golang.
	Metrics MetricsFunc
}

// EmbeddedTarget is what the embedded reference target is started with.
type EmbeddedTarget struct {
	// Pace is the target's answer schedule; zero is the target's default.
	Pace app.Pace
	// Suite is the workload, whose tasks the target answers.
	Suite          *suites.Suite
	Logger         *slog.Logger
	MaxConcurrency int // answer at most this many at once (0: no bound)
}

// StartTargetFunc boots the embedded reference target on loopback and
// returns its base URL (ending in /v1) and how to stop it.
type StartTargetFunc func(ctx context.Context, t EmbeddedTarget) (url string, stop func(context.Context) error, err error)

// SelftestFunc measures the harness's timing error at concurrency conc
// over at least minStreams streams, with the sim started by sim (nil: in
// this process), as `janus bench selftest` does.
type SelftestFunc func(ctx context.Context, conc, minStreams int, sim []string) (*bench.SelftestResult, error)

// errNoEmbeddedTarget is a run without a target in a program that mounted
// no embedded one.
var errNoEmbeddedTarget = errors.New("this program has no embedded reference target (janus-load links none): give --target, the target's base URL ending in /v1, or run janus bench load")

// runEnv is what Run sets up before the steps and tears down after them.
type runEnv struct {
	client   *trace.Client
	model    string
	embedded bool
	live     *load.Live
	traces   *traceWriter // nil without KeepTraces
	// restoreLimit puts back the memory limit the run replaced (once).
	restoreLimit func()
	// stops undo the set-up, in the order it was done.
	stops []func()
}

// tearDown undoes the set-up in reverse order.
func (env *runEnv) tearDown() {
	for i := len(env.stops) - 1; i >= 0; i-- {
		env.stops[i]()
	}
}

// setUp prepares the process and the target for the steps. The env it
// returns is never nil: tear it down even when err is set.
func (o *options) setUp(ctx context.Context, m Mount, steps []load.Step, suite *suites.Suite) (*runEnv, error) {
	env := &runEnv{embedded: o.Target == "", restoreLimit: func() {}}
	maxConc, err := o.raiseFileLimits(steps, env.embedded)
	if err != nil {
		return env, err
	}
	env.client = load.NewClient(&o.Options, maxConc)
	env.stops = append(env.stops, env.client.HTTP.CloseIdleConnections)
	if env.embedded {
		if err := o.startEmbedded(ctx, m.StartTarget, env, suite); err != nil {
			return env, err
		}
	}
	// One warm-up drawn from the load's own prompts: a load run opens
	// like any client, and a refused key or model stops it early.
	warm, err := bench.DrawWarmup(suite.Tasks, 1)
	if err != nil {
		return env, err
	}
	if env.model, err = bench.PrepareTarget(ctx, env.client, o.Model, !o.NoStream, env.embedded, warm); err != nil {
		return env, err
	}
	// After the warm-up: the suite, the target and the tokenizer are in
	// the heap the limit is sized to.
	o.softMemoryLimit(env, maxConc)
	if o.Out == "" {
		o.Out = filepath.Join(o.OutDir, time.Now().UTC().Format("20060102T150405Z")+"-load-"+safeName(env.model)+".json")
	}
	return env, o.startObservers(ctx, env, m.Metrics)
}

// raiseFileLimits raises the open-file limit for the closed-loop steps:
// one socket per in-flight request (two with the target in this process),
// plus headroom for the process itself. Open-loop steps get what the
// system allows, and the in-flight bound is lowered to fit it. It returns
// the most requests the run may hold in flight.
func (o *options) raiseFileLimits(steps []load.Step, embedded bool) (int, error) {
	perReq := uint64(1)
	if embedded {
		perReq = 2
	}
	maxConc := 1
	for _, s := range steps {
		if !s.Open() {
			maxConc = max(maxConc, s.Concurrency)
			if err := app.RaiseFileLimit(perReq*uint64(s.Concurrency) + 64); err != nil {
				return 0, inputErr("step "+s.Label(), err)
			}
		}
	}
	if slices.ContainsFunc(steps, load.Step.Open) {
		_ = app.RaiseFileLimit(0)
		var lim syscall.Rlimit
		if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur > 64 {
			if allow := int((lim.Cur - 64) / perReq); allow < o.MaxInflight {
				o.Logger.Warn("open-loop in-flight bound lowered to the open-file limit", "max_inflight", allow, "ulimit_n", lim.Cur)
				o.MaxInflight = allow
			}
		}
		maxConc = max(maxConc, o.MaxInflight)
	}
	return maxConc, nil
}

// softMemoryLimit sets a soft memory limit sized to the live heap and the
// streams: past it the GC works harder (and shrinks idle stacks sooner)
// rather than let the heap grow to GOGC's multiple of the live set.
// KeepMemoryLimit (the caller saw GOMEMLIMIT set) leaves the process's
// limit alone.
func (o *options) softMemoryLimit(env *runEnv, maxConc int) {
	if o.KeepMemoryLimit {
		return
	}
	prev := debug.SetMemoryLimit(memoryLimit(liveHeap(), maxConc, env.embedded))
	var once sync.Once
	env.restoreLimit = func() { once.Do(func() { debug.SetMemoryLimit(prev) }) }
	env.stops = append(env.stops, env.restoreLimit)
}

// startEmbedded boots the reference target on loopback with start (Run
// checked it is there) and points the client at it.
func (o *options) startEmbedded(ctx context.Context, start StartTargetFunc, env *runEnv, suite *suites.Suite) error {
	url, stop, err := start(ctx, EmbeddedTarget{Pace: o.Pace, Suite: suite, Logger: o.Logger, MaxConcurrency: o.SimMaxConcurrency})
	if err != nil {
		return fmt.Errorf("start embedded reference target: %w", err)
	}
	env.stops = append(env.stops, func() {
		env.client.HTTP.CloseIdleConnections()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = stop(sctx)
	})
	env.client.BaseURL = url
	return nil
}

// startObservers starts what watches the steps: the live counters and
// their Prometheus endpoint (served by metrics, nil: TextMetrics), the
// trace file, the CPU profile.
func (o *options) startObservers(ctx context.Context, env *runEnv, metrics MetricsFunc) error {
	env.live = o.Live
	if env.live == nil {
		env.live = load.NewLive()
	}
	if o.Prometheus != "" {
		if metrics == nil {
			metrics = TextMetrics
		}
		stop, err := serveMetrics(ctx, o.Prometheus, metrics(env.live))
		if err != nil {
			return inputErr("serve live metrics on "+o.Prometheus, err)
		}
		env.stops = append(env.stops, stop)
		o.Logger.Info("live metrics", "url", "http://"+o.Prometheus+"/metrics")
	}
	if o.KeepTraces {
		tw, err := newTraceWriter(o.Out + ".traces.jsonl")
		if err != nil {
			return err
		}
		env.traces = tw
		env.stops = append(env.stops, func() { tw.Close() })
	}
	if o.CPUProfile != "" {
		stop, err := startCPUProfile(o.CPUProfile)
		if err != nil {
			return inputErr("profile the steps", err)
		}
		env.stops = append(env.stops, stop)
	}
	return nil
}

// measureHarness states the harness's timing error in the report: a
// selftest at the run's peak concurrency after the steps (when asked for
// and the run finished), else the last saved selftest, else that it was
// not measured. A program with no selftest (Mount.Selftest nil) cites
// the saved one as --no-selftest does.
func (o *options) measureHarness(ctx context.Context, selftest SelftestFunc, rep *load.Report, peak int, finished bool, restoreLimit func()) {
	if o.Selftest && finished && selftest != nil {
		// Measure as `janus bench selftest` would, without the run's
		// memory limit.
		restoreLimit()
		st, err := selftest(ctx, max(peak, 1), max(peak, 10), o.SelftestSim)
		if err != nil {
			o.Logger.Warn("selftest failed", "err", err)
			rep.Harness.SelftestSource = "selftest failed: " + err.Error()
		} else if len(st.Levels) == 1 {
			l := st.Levels[0]
			rep.Harness.SelftestStreams = l.Streams
			rep.Harness.TimingErrP50Ms = max(l.TTFTErrP50Ms, l.GapErrP50Ms)
			rep.Harness.TimingErrP99Ms = max(l.TTFTErrP99Ms, l.GapErrP99Ms)
			rep.Harness.SelftestSource = "measured after the steps"
			if len(o.SelftestSim) > 0 {
				rep.Harness.SelftestSource = "measured after the steps, sim in its own process"
			}
			rep.Harness.TimingMeasured = true
		}
	} else if h := bench.LoadHarness(app.SelftestPath(), peak); h != nil {
		rep.Harness.SelftestConcurrency = h.Concurrency
		rep.Harness.TimingErrP50Ms = max(h.TTFTErrP50Ms, h.GapErrP50Ms)
		rep.Harness.TimingErrP99Ms = max(h.TTFTErrP99Ms, h.GapErrP99Ms)
		rep.Harness.SelftestSource = "saved " + h.Provenance()
		rep.Harness.TimingMeasured = true
	} else if o.Selftest && selftest == nil {
		rep.Harness.SelftestSource = "not measured (this binary runs no selftest and none of it is saved on this machine: janus bench load measures one)"
	} else {
		rep.Harness.SelftestSource = "not measured (no selftest of this binary on this machine: run janus bench selftest, or drop --no-selftest)"
	}
}

// writeReports writes the JSON report to o.Out, the extra outputs, and
// the report in o.Format to o.Stdout.
func (o *options) writeReports(rep *load.Report, outputs [][2]string) error {
	if err := record.WriteAtomic(o.Out, load.JSON(rep)); err != nil {
		return err
	}
	rep.Path = o.Out
	o.Logger.Info("report written", "path", o.Out)
	for _, out := range outputs {
		if err := record.WriteAtomic(out[1], load.Writer(out[0], rep)); err != nil {
			return err
		}
		o.Logger.Info("report written", "path", out[1], "format", out[0])
	}
	if o.Stdout != nil {
		if err := load.Writer(o.Format, rep)(o.Stdout); err != nil {
			return err
		}
		if o.Format == "text" {
			fmt.Fprintf(o.Stdout, "\nreport: %s\n", o.Out)
		}
	}
	return nil
}

// scoreWith judges each response with ev, as bench run does
// (bench.ScoreWith), in the form the engine reads.
func scoreWith(ev *scorer.Evaluator) load.ScoreFunc {
	return func(t *suites.Task, tr *trace.Trace, defaults trace.Budgets) load.Result {
		return score(t, tr, defaults, ev)
	}
}

// score judges one response with ev.
func score(t *suites.Task, tr *trace.Trace, defaults trace.Budgets, ev *scorer.Evaluator) load.Result {
	r := bench.ScoreWith(t, tr, defaults, ev)
	// One request, no detail: a load run keeps thousands of results.
	r.TurnMetrics, r.Detail = nil, nil
	return load.Result{TaskResult: r, OK: r.Status == record.StatusOK, Passed: scorer.Passed(r)}
}
