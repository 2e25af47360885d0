package load

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// This file holds what a load run does around the engine for the process
// it runs in: file and memory limits, the embedded target, live metrics,
// profiling, kept traces, the harness's selftest and the report files.

// runEnv is what Run sets up before the steps and tears down after them.
type runEnv struct {
	client   *trace.Client
	model    string
	embedded bool
	live     *Live
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
func (o *Options) setUp(ctx context.Context, steps []Step, suite *suites.Suite) (*runEnv, error) {
	env := &runEnv{embedded: o.Target == "", restoreLimit: func() {}}
	maxConc, err := o.raiseFileLimits(steps, env.embedded)
	if err != nil {
		return env, err
	}
	o.softMemoryLimit(env, maxConc)
	env.client = o.newClient(maxConc)
	env.stops = append(env.stops, env.client.HTTP.CloseIdleConnections)
	if env.embedded {
		if err := o.startEmbedded(ctx, env, suite); err != nil {
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
	if o.Out == "" {
		o.Out = filepath.Join(o.OutDir, time.Now().UTC().Format("20060102T150405Z")+"-load-"+safeName(env.model)+".json")
	}
	return env, o.startObservers(ctx, env)
}

// raiseFileLimits raises the open-file limit for the closed-loop steps:
// one socket per in-flight request (two with the target in this process),
// plus headroom for the process itself. Open-loop steps get what the
// system allows, and the in-flight bound is lowered to fit it. It returns
// the most requests the run may hold in flight.
func (o *Options) raiseFileLimits(steps []Step, embedded bool) (int, error) {
	perReq := uint64(1)
	if embedded {
		perReq = 2
	}
	maxConc := 1
	for _, s := range steps {
		if !s.Open() {
			maxConc = max(maxConc, s.Concurrency)
			if err := bench.RaiseFileLimit(perReq*uint64(s.Concurrency) + 64); err != nil {
				return 0, inputErr("step "+s.Label(), err)
			}
		}
	}
	if slices.ContainsFunc(steps, Step.Open) {
		_ = bench.RaiseFileLimit(0)
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

// softMemoryLimit sets a soft memory limit sized to the streams: past it
// the GC works harder (and shrinks idle stacks sooner) rather than let the
// heap grow to GOGC's multiple of the live set. KeepMemoryLimit (the
// caller saw GOMEMLIMIT set) leaves the process's limit alone.
func (o *Options) softMemoryLimit(env *runEnv, maxConc int) {
	if o.KeepMemoryLimit {
		return
	}
	prev := debug.SetMemoryLimit(memoryLimit(maxConc))
	var once sync.Once
	env.restoreLimit = func() { once.Do(func() { debug.SetMemoryLimit(prev) }) }
	env.stops = append(env.stops, env.restoreLimit)
}

// newClient builds the run's client. Small per-connection buffers: chat
// requests and SSE events are a few hundred bytes, and 5,000 streams at
// net/http's 4 KiB read and write buffers plus a 4 KiB SSE buffer would
// hold 60 MiB for nothing. Plain http targets (the usual loopback or
// in-cluster case) go through the lean transport, one goroutine per
// stream; https (or StdTransport) through net/http's.
func (o *Options) newClient(maxConc int) *trace.Client {
	var rt http.RoundTripper = newLeanTransport(maxConc)
	if strings.HasPrefix(o.Target, "https://") || o.StdTransport {
		tr := trace.NewTransport(maxConc)
		tr.ReadBufferSize, tr.WriteBufferSize = 1<<10, 1<<10
		rt = tr
	}
	return &trace.Client{BaseURL: o.Target, APIKey: o.APIKey, Header: o.Header,
		Timeout: o.Timeout, TTFTTimeout: o.TTFTTimeout, StreamBufferBytes: 1 << 10, Limits: o.Limits, SameOriginRedirects: o.FollowRedirects,
		HTTP: &http.Client{Transport: rt}}
}

// startEmbedded boots the reference target on loopback and points the
// client at it.
func (o *Options) startEmbedded(ctx context.Context, env *runEnv, suite *suites.Suite) error {
	url, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: o.Pace, Suites: []*suites.Suite{suite},
		Logger: o.Logger, MaxConcurrency: o.SimMaxConcurrency})
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
// their Prometheus endpoint, the trace file, the CPU profile.
func (o *Options) startObservers(ctx context.Context, env *runEnv) error {
	env.live = o.Live
	if env.live == nil {
		env.live = NewLive()
	}
	if o.Prometheus != "" {
		stop, err := serveMetrics(ctx, o.Prometheus, env.live)
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
// not measured.
func (o *Options) measureHarness(ctx context.Context, rep *Report, peak int, finished bool, restoreLimit func()) {
	if o.Selftest && finished {
		// Measure as `janus bench selftest` would, without the run's
		// memory limit.
		restoreLimit()
		st, err := bench.Selftest(ctx, bench.SelftestOptions{Levels: []int{max(peak, 1)}, MinStreams: max(peak, 10), SimCommand: o.SelftestSim})
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
	} else if h := bench.LoadHarness(peak); h != nil {
		rep.Harness.SelftestConcurrency = h.Concurrency
		rep.Harness.TimingErrP50Ms = max(h.TTFTErrP50Ms, h.GapErrP50Ms)
		rep.Harness.TimingErrP99Ms = max(h.TTFTErrP99Ms, h.GapErrP99Ms)
		rep.Harness.SelftestSource = "saved " + h.Provenance()
		rep.Harness.TimingMeasured = true
	} else {
		rep.Harness.SelftestSource = "not measured (no selftest of this binary on this machine: run janus bench selftest, or drop --no-selftest)"
	}
}

// writeReports writes the JSON report to o.Out, the extra outputs, and
// the report in o.Format to o.Stdout.
func (o *Options) writeReports(rep *Report, outputs [][2]string) error {
	if err := record.WriteAtomic(o.Out, JSON(rep)); err != nil {
		return err
	}
	rep.Path = o.Out
	o.Logger.Info("report written", "path", o.Out)
	for _, out := range outputs {
		if err := record.WriteAtomic(out[1], Writer(out[0], rep)); err != nil {
			return err
		}
		o.Logger.Info("report written", "path", out[1], "format", out[0])
	}
	if o.Stdout != nil {
		if err := Writer(o.Format, rep)(o.Stdout); err != nil {
			return err
		}
		if o.Format == "text" {
			fmt.Fprintf(o.Stdout, "\nreport: %s\n", o.Out)
		}
	}
	return nil
}
