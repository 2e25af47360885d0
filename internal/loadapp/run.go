package loadapp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/suites"
)

// options are a run's options with the application's methods.
type options struct{ app.LoadOptions }

// defaults fills the engine's defaults and the application's: the report
// directory. A zero Pace is the embedded target's default (its start).
func (o *options) defaults() {
	o.Defaults()
	if o.OutDir == "" {
		o.OutDir = app.DefaultOutDir
	}
	if o.Format == "" {
		o.Format = "text"
	}
}

// check is the engine's check of the profile and the workload, then the
// application's of the report formats: the stdout format and the extra
// outputs, parsed into (format, path) pairs.
func (o *options) check() (steps []load.Step, outputs [][2]string, err error) {
	if steps, err = o.Check(); err != nil {
		return nil, nil, err
	}
	if !slices.Contains(load.Formats, o.Format) {
		return nil, nil, fmt.Errorf("format %q: want one of %s", o.Format, strings.Join(load.Formats, ", "))
	}
	if outputs, err = load.ParseOutputs(o.Outputs); err != nil {
		return nil, nil, err
	}
	return steps, outputs, nil
}

func inputErr(op string, err error) error { return &bench.InputError{Op: op, Err: err} }

// Run executes the load profile step by step and writes the report. An
// interrupted run returns its report (steps so far) with
// bench.ErrInterrupted.
//
// Run is the application around the engine (load.Sweep): it raises the
// file limit, sets a soft memory limit, boots the embedded target, serves
// live metrics, profiles, keeps traces, scores, measures the harness and
// writes the report files; the sweep only sends the steps and summarises
// them. The embedded target and the selftest are m's (Mount).
func (m Mount) Run(ctx context.Context, lo app.LoadOptions) (*load.Report, error) {
	o := &options{lo}
	o.defaults()
	steps, outputs, err := o.check()
	if err != nil {
		return nil, inputErr("check options", err)
	}
	if o.Target == "" && m.StartTarget == nil {
		return nil, inputErr("start embedded reference target", errNoEmbeddedTarget)
	}
	suite, err := o.workload(ctx)
	if err != nil {
		return nil, err
	}
	env, err := o.setUp(ctx, m, steps, suite)
	defer env.tearDown()
	if err != nil {
		return nil, err
	}
	rep := newReport(o, env, suite)
	hooks := load.SweepHooks{Live: env.live, Score: scoreWith(o.Evaluator)}
	if env.traces != nil {
		hooks.OnRecord = env.traces.write
	}
	res := load.Sweep(ctx, env.client, steps, &load.Workload{Tasks: suite.Tasks, Model: env.model, Stream: !o.NoStream}, &o.Options, hooks)
	if env.traces != nil {
		if err := env.traces.Close(); err != nil {
			return nil, err
		}
	}
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return nil, inputErr("profile the heap", err)
		}
	}
	rep.Steps = res.Steps
	interrupted := ctx.Err() != nil
	if interrupted {
		rep.Run.Status = "interrupted"
	}
	res.Summarise(rep, env.embedded)
	o.measureHarness(ctx, m.Selftest, rep, res.Peak, !interrupted, env.restoreLimit)
	rep.Run.FinishedAt = time.Now().UTC()
	rep.Run.RSSPeakMB = rssPeakMB()
	if err := o.writeReports(rep, outputs); err != nil {
		return rep, err
	}
	if interrupted {
		return rep, interruptedError(steps, len(rep.Steps), o.Out)
	}
	return rep, nil
}

// newReport starts the report: what is run, where, on which host.
func newReport(o *options, env *runEnv, suite *suites.Suite) *load.Report {
	return &load.Report{Schema: load.SchemaVersion, Run: load.RunInfo{
		ID: time.Now().UTC().Format("20060102T150405.000Z"), Status: "completed", StartedAt: time.Now().UTC(),
		Target: report.RedactURL(env.client.BaseURL), EmbeddedTarget: env.embedded, Model: env.model,
		Suite: suite.Name, Tasks: len(suite.Tasks), Profile: o.Profile, DurationS: o.Duration.Seconds(),
		WarmupS: o.Warmup.Seconds(), MaxRequests: o.MaxRequests, Seed: o.Seed, Stream: !o.NoStream,
		Budgets: o.Budgets, PromptTokens: o.PromptTokens, OutputTokens: o.OutputTokens,
		Host:           load.ThisHost(),
		HarnessVersion: bench.HarnessVersion(),
	}}
}

// workload loads the suite(s) or builds the synthetic task.
func (o *options) workload(ctx context.Context) (*suites.Suite, error) {
	if o.PromptTokens > 0 {
		return load.Synthetic(o.PromptTokens, o.OutputTokens), nil
	}
	var parts []*suites.Suite
	for _, name := range strings.Split(o.Suite, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		s, err := o.Loader.Load(ctx, name)
		if err != nil {
			return nil, inputErr("load suite", err)
		}
		parts = append(parts, s)
	}
	suite, err := suites.Combine(parts)
	if err != nil {
		return nil, inputErr("load suite", err)
	}
	// A load step schedules single requests. A multi-turn task (janus
	// plays the tool and sends the conversation on) or a memory task
	// (earlier conversations first) would add requests the schedule never
	// planned, and scored on one request alone it would always fail, so
	// it is left out of load runs.
	kept := suite.Tasks[:0:0]
	for _, t := range suite.Tasks {
		if t.SingleRequest() {
			kept = append(kept, t)
		}
	}
	if n := len(suite.Tasks) - len(kept); n > 0 && o.Logger != nil {
		o.Logger.Info("multi-request tasks left out of the load run", "suite", suite.Name, "tasks", n)
	}
	suite.Tasks = kept
	if len(suite.Tasks) == 0 {
		return nil, inputErr("load suite", fmt.Errorf("suite %s has no single-turn tasks", suite.Name))
	}
	// A seeded shuffle, so the round robin does not always start with the
	// same category; the seed reproduces the order.
	suite.Tasks = suites.Select(suite.Tasks, o.Seed, 0)
	return suite, nil
}

// serveMetrics serves h at addr/metrics until stop is called.
func serveMetrics(ctx context.Context, addr string, h http.Handler) (stop func(), err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if hs.Shutdown(sctx) != nil {
			_ = hs.Close()
		}
		<-done
	}, nil
}

// memoryLimit is the soft memory limit for a run of up to conc requests in
// flight that starts with live bytes of live heap: twice that plus 10 MiB
// for the runtime (~8 MiB it counts beside the heap: spans, GC metadata,
// stacks, free pages not yet returned), what the run adds to the live heap
// (histograms, buffers, caches: 2 MiB at one stream) and the garbage
// between collections, and about 20 KiB of live heap and stack per stream
// (measured at 5,000 streams, docs/PERFORMANCE.md). A load client's live
// heap after the warm-up is ~2 MiB (the cl100k index, the suite, compiled
// patterns), so one stream runs with a heap goal of ~1.5 times its ~4 MiB
// live heap: 2 MiB less resident than with 12 MiB, for ~3% fewer streams
// sent (docs/PERFORMANCE.md, the load client's RSS). Sized from the live
// heap, the limit stays above it for any suite: a limit near the live heap
// has the collector run without pause (a fixed 12 MiB sent a tenth of the
// requests, 2*live + 9 MiB a fifth fewer). The embedded target shares the
// heap with its own per-stream state and keeps a 64 MiB base.
func memoryLimit(live int64, conc int, embedded bool) int64 {
	base := 2*live + 10<<20
	if embedded {
		base = max(base, 64<<20)
	}
	return base + int64(conc)*20<<10
}

// liveHeap is the heap's live bytes as of a collection run now.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// startCPUProfile profiles the process to path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the heap profile as of a collection run now
// (go tool pprof -sample_index=inuse_space or alloc_space).
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create heap profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("write heap profile: %w", err)
	}
	return f.Close()
}

// rssPeakMB reads the process's peak resident set (VmHWM) on Linux.
func rssPeakMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	if s = unsafeChars.ReplaceAllString(s, "_"); s == "" {
		return "model"
	}
	return s
}

// traceWriter appends every record as one JSON line (--keep-traces).
type traceWriter struct {
	f   *os.File
	bw  *bufio.Writer
	enc *json.Encoder
	err error
}

func newTraceWriter(path string) (*traceWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("keep traces: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("keep traces: %w", err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	return &traceWriter{f: f, bw: bw, enc: json.NewEncoder(bw)}, nil
}

func (t *traceWriter) write(r *load.Record) {
	if t.err == nil {
		t.err = t.enc.Encode(r)
	}
}

func (t *traceWriter) Close() error {
	if t.f == nil {
		return t.err
	}
	err := t.bw.Flush()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	t.f = nil
	if t.err == nil && err != nil {
		t.err = fmt.Errorf("keep traces: %w", err)
	}
	return t.err
}

// interruptedError tells the truth about an interrupted load run: its
// report holds the steps so far, the last of them cut short, and bench
// load does not resume, so it names the profile that measures the rest.
func interruptedError(steps []load.Step, recorded int, out string) error {
	rest := steps[max(recorded-1, 0):]
	key := "rate"
	if rest[0].Kind == load.KindClosed {
		key = "c"
	}
	vals := make([]string, len(rest))
	for i, s := range rest {
		if s.Kind == load.KindClosed {
			vals[i] = strconv.Itoa(s.Concurrency)
		} else {
			vals[i] = strconv.FormatFloat(s.Rate, 'g', -1, 64)
		}
	}
	return &bench.InterruptedError{Msg: fmt.Sprintf(
		"load run interrupted in step %d of %d; the report of the steps so far is %s. bench load does not resume: measure the rest with --profile %s:%s=%s",
		max(recorded, 1), len(steps), out, rest[0].Kind, key, strings.Join(vals, ","))}
}
