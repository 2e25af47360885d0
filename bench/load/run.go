package load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// SchemaVersion names the load report's JSON shape.
const SchemaVersion = "janus.load/v1"

// Formats are the report formats a load run writes.
var Formats = []string{"text", "json", "md"}

// Options configure one `janus bench load`. Zero values mean the
// documented defaults.
type Options struct {
	// Target is the base URL ending in /v1; empty boots the embedded
	// reference target on loopback (in this process: its CPU counts in
	// the harness's share, which the report says).
	Target string
	Model  string
	APIKey string
	Header http.Header
	// Evaluator grades the answers (judge, code runner), built by the
	// application; nil: judge and code checks score 0.
	Evaluator *scorer.Evaluator
	// FollowRedirects follows a 307/308 that stays on the target's origin
	// (--follow-redirects); a redirect off it is never followed.
	FollowRedirects bool

	// Suite names the suite(s) prompts are drawn from (comma-separated);
	// ignored when PromptTokens > 0.
	Suite  string
	Loader suites.Loader
	// PromptTokens and OutputTokens make one synthetic task instead: a
	// prompt of about PromptTokens tokens asking for OutputTokens tokens.
	PromptTokens, OutputTokens int

	// Profile is closed:c=…, poisson:rate=… or constant:rate=….
	Profile     string
	Duration    time.Duration
	Warmup      time.Duration
	MaxRequests int
	MaxInflight int
	Seed        uint64
	NoStream    bool
	// PrestartHeadroom sizes each open-loop step's prestarted workers and
	// connections, rate × (latency + headroom); 0 means the engine's
	// default and a negative value turns prestarting off (WithPrestart).
	PrestartHeadroom time.Duration

	Timeout     time.Duration
	TTFTTimeout time.Duration
	Budgets     trace.Budgets
	// Limits cap what one response may make janus hold (zero fields:
	// trace.DefaultLimits).
	Limits trace.Limits

	// KeepTraces writes every record to <out>.traces.jsonl and keeps exact
	// per-request values in the report; otherwise memory stays flat.
	KeepTraces bool
	// Selftest measures the harness's timing error at the run's peak
	// concurrency after the steps (a few seconds); false cites the last
	// saved selftest instead.
	Selftest bool
	// SelftestSim is the command that runs the selftest's sim in a process
	// of its own (bench.SelftestOptions.SimCommand); empty runs it in this
	// process, where it shares the harness's GC and counts in its RSS.
	SelftestSim []string
	// Prometheus is an address to serve live metrics on while the run goes.
	Prometheus string
	// KeepMemoryLimit leaves the process's soft memory limit alone (the
	// application sets it when GOMEMLIMIT is set); otherwise the run sets
	// one sized to its streams and puts the old one back after.
	KeepMemoryLimit bool
	// StdTransport sends plain-http requests through net/http's transport
	// rather than the lean one (for comparing the two).
	StdTransport bool
	// CPUProfile is a path to write a CPU profile of the steps to (go tool
	// pprof), so the harness's own cost at a given load can be read off a
	// real run rather than a benchmark.
	CPUProfile string

	// Embedded target settings.
	Pace              baseline.Pace
	SimMaxConcurrency int

	// Out is the JSON report's path; empty means
	// <OutDir>/<UTC time>-load-<model>.json.
	Out string
	// OutDir is the directory of the default report path (default runs).
	OutDir  string
	Outputs []string // FORMAT=PATH
	Format  string
	Stdout  io.Writer
	Logger  *slog.Logger
	// OnStep is called after each step with its summary.
	OnStep func(StepSummary)
	// OnStepStart is called when each step's clock starts (after an
	// open-loop step's prestart), with its index and load; a screen uses
	// it to time the step's progress. It runs on the engine's goroutine.
	OnStepStart func(index int, s Step)
	// Live receives the live counters; nil means a fresh one. A caller
	// passes its own to read Snapshot while the run goes (the TUI).
	Live *Live
}

// Report is a load run's result.
type Report struct {
	Schema  string        `json:"schema"`
	Run     RunInfo       `json:"run"`
	Steps   []StepSummary `json:"steps"`
	Knee    *Knee         `json:"knee"`
	Harness Overhead      `json:"harness"`
	// Path is where Run wrote the JSON report (or where ReadReport read
	// it from); not part of the JSON.
	Path string `json:"-"`
}

// RunInfo says what was run where.
type RunInfo struct {
	ID             string        `json:"id"`
	Status         string        `json:"status"`
	StartedAt      time.Time     `json:"started_at"`
	FinishedAt     time.Time     `json:"finished_at"`
	Target         string        `json:"target"`
	EmbeddedTarget bool          `json:"embedded_target"`
	Model          string        `json:"model"`
	Suite          string        `json:"suite"`
	Tasks          int           `json:"tasks"`
	Profile        string        `json:"profile"`
	DurationS      float64       `json:"duration_s"`
	WarmupS        float64       `json:"warmup_s"`
	MaxRequests    int           `json:"max_requests,omitempty"`
	Seed           uint64        `json:"seed"`
	Stream         bool          `json:"stream"`
	Budgets        trace.Budgets `json:"budgets"`
	PromptTokens   int           `json:"prompt_tokens,omitempty"`
	OutputTokens   int           `json:"output_tokens,omitempty"`
	Host           record.Host   `json:"host"`
	HarnessVersion string        `json:"harness_version"`
	RSSPeakMB      float64       `json:"rss_peak_mb"`
}

// Knee is the highest step that met the budgets: the target's capacity.
type Knee struct {
	Index      int     `json:"index"`
	Label      string  `json:"label"`
	Load       float64 `json:"load"`
	Throughput float64 `json:"throughput_rps"`
	Goodput    float64 `json:"goodput_rps"`
}

// Overhead is the harness's own cost and error, stated in every report.
type Overhead struct {
	SchedLagP50Ms float64 `json:"sched_lag_p50_ms"`
	SchedLagP99Ms float64 `json:"sched_lag_p99_ms"`
	SchedLagMaxMs float64 `json:"sched_lag_max_ms"`
	// Timing error from a selftest at SelftestConcurrency: |measured −
	// true| for TTFT and inter-token gaps against a sim with known delays
	// (in its own process when run from the CLI).
	SelftestConcurrency int     `json:"selftest_concurrency"`
	SelftestStreams     int     `json:"selftest_streams"`
	TimingErrP50Ms      float64 `json:"timing_err_p50_ms"`
	TimingErrP99Ms      float64 `json:"timing_err_p99_ms"`
	// TimingMeasured is false when no selftest figure was available (the
	// timing error fields are then zero and mean nothing).
	TimingMeasured bool   `json:"timing_measured"`
	SelftestSource string `json:"selftest_source"`
	// CPUShare is janus's CPU time over wall time and cores across all
	// steps (0–1); MaxStepCPUShare the highest single step.
	CPUShare        float64 `json:"cpu_share"`
	MaxStepCPUShare float64 `json:"max_step_cpu_share"`
	Note            string  `json:"note,omitempty"`
}

func (o *Options) defaults() {
	if o.Loader == nil {
		o.Loader = suites.DefaultLoader{}
	}
	if o.Suite == "" {
		o.Suite = "smoke"
	}
	if o.Profile == "" {
		o.Profile = "closed:c=1,4,16"
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.TTFTTimeout <= 0 {
		o.TTFTTimeout = 30 * time.Second
	}
	if o.Budgets.TTFTMs <= 0 {
		o.Budgets.TTFTMs = trace.DefaultBudgets().TTFTMs
	}
	if o.Budgets.GapMs <= 0 {
		o.Budgets.GapMs = trace.DefaultBudgets().GapMs
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = 10_000
	}
	if o.Pace == (baseline.Pace{}) {
		o.Pace = baseline.DefaultPace()
	}
	if o.Format == "" {
		o.Format = "text"
	}
	if o.OutDir == "" {
		o.OutDir = "runs"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func inputErr(op string, err error) error { return &bench.InputError{Op: op, Err: err} }

// Run executes the load profile step by step and writes the report. An
// interrupted run returns its report (steps so far) with
// bench.ErrInterrupted.
//
// Run is the application around the engine (sweep): it raises the file
// limit, sets a soft memory limit, boots the embedded target, serves live
// metrics, profiles, keeps traces, measures the harness and writes the
// report files; sweep only sends the steps and summarises them.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	steps, outputs, err := o.check()
	if err != nil {
		return nil, err
	}
	suite, err := o.workload(ctx)
	if err != nil {
		return nil, err
	}
	env, err := o.setUp(ctx, steps, suite)
	defer env.tearDown()
	if err != nil {
		return nil, err
	}
	rep := newReport(&o, env, suite)
	res, err := sweep(ctx, env.client, steps, &Workload{Tasks: suite.Tasks, Model: env.model, Stream: !o.NoStream}, &o, env)
	if err != nil {
		return nil, err
	}
	rep.Steps = res.steps
	interrupted := ctx.Err() != nil
	if interrupted {
		rep.Run.Status = "interrupted"
	}
	res.summarise(rep, env.embedded)
	o.measureHarness(ctx, rep, res.peak, !interrupted, env.restoreLimit)
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

// check parses the profile and the extra outputs and rejects a format or
// a synthetic workload out of range.
func (o *Options) check() (steps []Step, outputs [][2]string, err error) {
	steps, err = ParseProfile(o.Profile)
	if err != nil {
		return nil, nil, inputErr("check options", err)
	}
	if !slices.Contains(Formats, o.Format) {
		return nil, nil, inputErr("check options", fmt.Errorf("format %q: want one of %s", o.Format, strings.Join(Formats, ", ")))
	}
	outputs, err = parseOutputs(o.Outputs)
	if err != nil {
		return nil, nil, inputErr("check options", err)
	}
	if o.PromptTokens < 0 || o.OutputTokens < 0 || (o.PromptTokens > 0) != (o.OutputTokens > 0) {
		return nil, nil, inputErr("check options", errors.New("prompt tokens and output tokens go together and must be positive"))
	}
	return steps, outputs, nil
}

// newReport starts the report: what is run, where, on which host.
func newReport(o *Options, env *runEnv, suite *suites.Suite) *Report {
	return &Report{Schema: SchemaVersion, Run: RunInfo{
		ID: time.Now().UTC().Format("20060102T150405.000Z"), Status: "completed", StartedAt: time.Now().UTC(),
		Target: report.RedactURL(env.client.BaseURL), EmbeddedTarget: env.embedded, Model: env.model,
		Suite: suite.Name, Tasks: len(suite.Tasks), Profile: o.Profile, DurationS: o.Duration.Seconds(),
		WarmupS: o.Warmup.Seconds(), MaxRequests: o.MaxRequests, Seed: o.Seed, Stream: !o.NoStream,
		Budgets: o.Budgets, PromptTokens: o.PromptTokens, OutputTokens: o.OutputTokens,
		Host:           record.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()},
		HarnessVersion: bench.HarnessVersion(),
	}}
}

// sweepResult is what the steps measured, besides their summaries: the
// scheduling lag, the harness's CPU time and wall time over all steps,
// and the peak in-flight count.
type sweepResult struct {
	steps           []StepSummary
	lag             hist
	cpuS, wallS     float64
	peak            int
	maxStepCPUShare float64
}

// sweep is the engine's part of a load run: it sends every step of the
// profile in turn and summarises each; an interruption ends it after the
// step it cut short.
func sweep(ctx context.Context, client *trace.Client, steps []Step, w *Workload, o *Options, env *runEnv) (*sweepResult, error) {
	// A step's wall time and CPU share count from its clock's start, not
	// from its prestart (set on the engine's goroutine before the step's
	// first record; read after its channel closed).
	var cpu0 float64
	var wall0 time.Time
	opts := []Option{WithBudgets(o.Budgets), WithEvaluator(o.Evaluator), WithMaxInflight(o.MaxInflight), WithWarmup(o.Warmup),
		WithMaxRequests(o.MaxRequests), WithSeed(o.Seed), WithLive(env.live),
		WithStepStarted(func(i int) {
			cpu0, wall0 = cpuTime(), time.Now()
			if o.OnStepStart != nil {
				o.OnStepStart(i, steps[i])
			}
		})}
	if o.PrestartHeadroom != 0 {
		opts = append(opts, WithPrestart(o.PrestartHeadroom))
	}
	eng := New(client, opts...)
	res := &sweepResult{lag: newHist()}
	for i, s := range steps {
		if ctx.Err() != nil {
			break
		}
		o.Logger.Info("load step", "step", i, "load", s.Label(), "duration", o.Duration)
		cpu0, wall0 = cpuTime(), time.Now() // until the engine says the step started
		sum := runStep(ctx, eng, i, s, w, o, res, env.traces)
		cpu, wall := cpuTime()-cpu0, time.Since(wall0).Seconds()
		if math.IsNaN(cpu) || wall <= 0 {
			cpu = 0 // not knowable here; JSON has no NaN
		}
		sum.CPUShare = cpu / max(wall, 1e-9) / float64(runtime.NumCPU())
		res.cpuS, res.wallS = res.cpuS+cpu, res.wallS+wall
		sum.PeakInflight = eng.PeakInflight()
		if s.Open() {
			ps := eng.Prestarted()
			sum.Prestart = &ps
			o.Logger.Info("open-loop prestart", "step", i, "latency_est_ms", ps.LatencyMs, "probes", ps.Probes, "workers", ps.Workers, "conns_dialled", ps.Conns)
		}
		res.peak = max(res.peak, sum.PeakInflight)
		res.maxStepCPUShare = max(res.maxStepCPUShare, sum.CPUShare)
		if ctx.Err() != nil && sum.Requests == 0 {
			break
		}
		res.steps = append(res.steps, sum)
		o.Logger.Info("load step done", "step", i, "load", s.Label(), "requests", sum.Requests, "throughput", sum.Throughput,
			"goodput", sum.Goodput, "ttft_p99_ms", sum.TTFT.P99, "meets_budgets", sum.MeetsBudgets)
		if o.OnStep != nil {
			o.OnStep(sum)
		}
	}
	if env.traces != nil {
		if err := env.traces.Close(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// runStep sends one step and accumulates its records; every measured,
// uncancelled record's scheduling lag goes to res.lag and, with
// KeepTraces, every record to tw.
func runStep(ctx context.Context, eng *Engine, i int, s Step, w *Workload, o *Options, res *sweepResult, tw *traceWriter) StepSummary {
	acc := NewStepAccumulator(i, s, o.Budgets, o.KeepTraces)
	for r := range eng.Run(ctx, i, s, o.Duration, w) {
		acc.Add(&r)
		if !r.Warmup && (r.Trace.Err == nil || r.Trace.Err.Class != trace.ErrCancelled) {
			res.lag.addNs(r.LagNs)
		}
		if tw != nil {
			tw.write(&r)
		}
	}
	return acc.Close()
}

// summarise sets the report's knee and the harness's scheduling lag and
// CPU share from what the steps measured.
func (res *sweepResult) summarise(rep *Report, embedded bool) {
	rep.Harness.MaxStepCPUShare = res.maxStepCPUShare
	if k := FindKnee(rep.Steps); k >= 0 {
		s := rep.Steps[k]
		rep.Knee = &Knee{Index: k, Label: s.Label, Load: s.Step.Load(), Throughput: s.Throughput, Goodput: s.Goodput}
	}
	ls := res.lag.summary()
	rep.Harness.SchedLagP50Ms, rep.Harness.SchedLagP99Ms, rep.Harness.SchedLagMaxMs = ls.P50, ls.P99, ls.Max
	if res.wallS > 0 {
		rep.Harness.CPUShare = res.cpuS / res.wallS / float64(runtime.NumCPU())
	}
	if embedded {
		rep.Harness.Note = "embedded target: its CPU counts in the harness's share"
	}
	rep.Harness.SelftestConcurrency = max(res.peak, 1)
}

// workload loads the suite(s) or builds the synthetic task.
func (o *Options) workload(ctx context.Context) (*suites.Suite, error) {
	if o.PromptTokens > 0 {
		return Synthetic(o.PromptTokens, o.OutputTokens), nil
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

// Synthetic returns a one-task suite: a prompt of about promptTokens
// cl100k tokens asking for the word "tick" outputTokens times, with that
// answer as its reference (the embedded sim answers it exactly) and a
// check any real model can pass.
func Synthetic(promptTokens, outputTokens int) *suites.Suite {
	head := fmt.Sprintf("Repeat the word tick %d times, separated by spaces, and nothing else.", outputTokens)
	var b strings.Builder
	b.WriteString(head)
	for n := tokens.Count(head); n < promptTokens; n++ {
		b.WriteString(" lorem") // one cl100k token
	}
	mt := outputTokens
	return &suites.Suite{Name: fmt.Sprintf("synthetic-p%d-o%d", promptTokens, outputTokens), Version: "1.0.0", Tasks: []suites.Task{{
		ID: "synthetic", Category: suites.CatStreaming,
		Messages:  []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: b.String()}},
		Request:   suites.RequestOptions{MaxTokens: &mt},
		Expect:    suites.Expect{Checks: []suites.Check{{Type: "regex", Pattern: `(?i)\btick\b`}}},
		Reference: suites.Reference{Content: strings.TrimSpace(strings.Repeat(" tick", outputTokens))},
	}}}
}

func parseOutputs(specs []string) ([][2]string, error) {
	var out [][2]string
	for _, s := range specs {
		f, p, ok := strings.Cut(s, "=")
		if !ok || p == "" || !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("output %q: want FORMAT=PATH with FORMAT one of %s", s, strings.Join(Formats, ", "))
		}
		out = append(out, [2]string{f, p})
	}
	return out, nil
}

// serveMetrics serves live at addr/metrics until stop is called.
func serveMetrics(ctx context.Context, addr string, live *Live) (stop func(), err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", live)
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
// flight: a base for the runtime, tokenizer and histograms plus about
// 20 KiB of live heap and stack per stream (measured at 5,000 streams,
// docs/PERFORMANCE.md).
func memoryLimit(conc int) int64 {
	return 64<<20 + int64(conc)*20<<10
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

// cpuTime is the process's user+system CPU seconds so far.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
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

func (t *traceWriter) write(r *Record) {
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
func interruptedError(steps []Step, recorded int, out string) error {
	rest := steps[max(recorded-1, 0):]
	key := "rate"
	if rest[0].Kind == KindClosed {
		key = "c"
	}
	vals := make([]string, len(rest))
	for i, s := range rest {
		if s.Kind == KindClosed {
			vals[i] = strconv.Itoa(s.Concurrency)
		} else {
			vals[i] = strconv.FormatFloat(s.Rate, 'g', -1, 64)
		}
	}
	return &bench.InterruptedError{Msg: fmt.Sprintf(
		"load run interrupted in step %d of %d; the report of the steps so far is %s. bench load does not resume: measure the rest with --profile %s:%s=%s",
		max(recorded, 1), len(steps), out, rest[0].Kind, key, strings.Join(vals, ","))}
}
