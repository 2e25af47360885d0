package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// SchemaVersion names the load report's JSON shape.
const SchemaVersion = "janus.load/v1"

// Formats are the report formats a load run writes.
var Formats = []string{"text", "json", "md"}

// Options configure the engine's part of one load run (New, Sweep): what
// to send, to whom, at what load and how to summarise it. Zero values mean
// the documented defaults. What the application does around the sweep
// (the embedded target, files and report formats, profiles, limits, live
// metrics, the selftest, the evaluator behind its ScoreFunc) is in its
// own options (internal/app.LoadOptions), never here.
type Options struct {
	// Target is the base URL ending in /v1; empty boots the embedded
	// reference target on loopback (in this process: its CPU counts in
	// the harness's share, which the report says).
	Target string
	Model  string
	APIKey string
	Header http.Header
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

	// KeepTraces keeps exact per-request values in the report (and the
	// application writes every record to <out>.traces.jsonl); otherwise
	// memory stays flat.
	KeepTraces bool
	// StdTransport sends plain-http requests through net/http's transport
	// rather than the lean one (for comparing the two).
	StdTransport bool

	Logger *slog.Logger
	// OnStep is called after each step with its summary.
	OnStep func(StepSummary)
	// OnStepStart is called when each step's clock starts (after an
	// open-loop step's prestart), with its index and load; a screen uses
	// it to time the step's progress. It runs on the engine's goroutine.
	OnStepStart func(index int, s Step)
}

// ThisHost describes the machine this process runs on, as a run report
// records it.
func ThisHost() record.Host {
	return record.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
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

// Defaults fills the zero fields the engine reads with their documented
// defaults (the application fills its own, such as the embedded pace).
func (o *Options) Defaults() {
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
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Check parses the profile and rejects a synthetic workload out of
// range.
func (o *Options) Check() ([]Step, error) {
	steps, err := ParseProfile(o.Profile)
	if err != nil {
		return nil, err
	}
	if o.PromptTokens < 0 || o.OutputTokens < 0 || (o.PromptTokens > 0) != (o.OutputTokens > 0) {
		return nil, errors.New("prompt tokens and output tokens go together and must be positive")
	}
	return steps, nil
}

// SweepResult is what the steps measured: their summaries, the peak
// in-flight count and, for Summarise, the scheduling lag and the
// harness's CPU time and wall time over all steps.
type SweepResult struct {
	Steps           []StepSummary
	Peak            int
	lag             hist
	cpuS, wallS     float64
	maxStepCPUShare float64
}

// SweepHooks are what a sweep hands its records and counters to, and
// how it judges them.
type SweepHooks struct {
	// Live receives the live counters (nil: none).
	Live *Live
	// Score judges each response (nil: the engine's trace-only default,
	// WithScorer).
	Score ScoreFunc
	// OnRecord sees every record of every step, warm-up and cancelled
	// ones included, in the sweep's goroutine (the application keeps
	// traces with it); nil means none.
	OnRecord func(*Record)
}

// Sweep is the engine's part of a load run: it sends every step of the
// profile to client in turn and summarises each; an interruption ends it
// after the step it cut short. It writes nothing and changes nothing of
// the process: the caller owns files, limits and the report's outputs.
func Sweep(ctx context.Context, client *trace.Client, steps []Step, w *Workload, o *Options, h SweepHooks) *SweepResult {
	// A step's wall time and CPU share count from its clock's start, not
	// from its prestart (set on the engine's goroutine before the step's
	// first record; read after its channel closed).
	var cpu0 float64
	var wall0 time.Time
	log := o.Logger // nil when the caller skipped Defaults: a sweep logs nothing then
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []Option{WithBudgets(o.Budgets), WithMaxInflight(o.MaxInflight), WithWarmup(o.Warmup),
		WithMaxRequests(o.MaxRequests), WithSeed(o.Seed), WithLive(h.Live),
		WithStepStarted(func(i int) {
			cpu0, wall0 = cpuTime(), time.Now()
			if o.OnStepStart != nil {
				o.OnStepStart(i, steps[i])
			}
		})}
	if o.PrestartHeadroom != 0 {
		opts = append(opts, WithPrestart(o.PrestartHeadroom))
	}
	if h.Score != nil {
		opts = append(opts, WithScorer(h.Score))
	}
	eng := New(client, opts...)
	res := &SweepResult{lag: newHist()}
	for i, s := range steps {
		if ctx.Err() != nil {
			break
		}
		log.Info("load step", "step", i, "load", s.Label(), "duration", o.Duration)
		cpu0, wall0 = cpuTime(), time.Now() // until the engine says the step started
		sum := runStep(ctx, eng, i, s, w, o, res, h.OnRecord)
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
			log.Info("open-loop prestart", "step", i, "latency_est_ms", ps.LatencyMs, "probes", ps.Probes, "workers", ps.Workers, "conns_dialled", ps.Conns)
		}
		res.Peak = max(res.Peak, sum.PeakInflight)
		res.maxStepCPUShare = max(res.maxStepCPUShare, sum.CPUShare)
		if ctx.Err() != nil && sum.Requests == 0 {
			break
		}
		res.Steps = append(res.Steps, sum)
		log.Info("load step done", "step", i, "load", s.Label(), "requests", sum.Requests, "throughput", sum.Throughput,
			"goodput", sum.Goodput, "ttft_p99_ms", sum.TTFT.P99, "meets_budgets", sum.MeetsBudgets)
		if o.OnStep != nil {
			o.OnStep(sum)
		}
	}
	return res
}

// runStep sends one step and accumulates its records; every measured,
// uncancelled record's scheduling lag goes to res.lag and, with
// every record to onRecord.
func runStep(ctx context.Context, eng *Engine, i int, s Step, w *Workload, o *Options, res *SweepResult, onRecord func(*Record)) StepSummary {
	acc := NewStepAccumulator(i, s, o.Budgets, o.KeepTraces)
	for r := range eng.Run(ctx, i, s, o.Duration, w) {
		acc.Add(&r)
		if !r.Warmup && (r.Trace.Err == nil || r.Trace.Err.Class != trace.ErrCancelled) {
			res.lag.addNs(r.LagNs)
		}
		if onRecord != nil {
			onRecord(&r)
		}
	}
	return acc.Close()
}

// Summarise sets the report's knee and the harness's scheduling lag and
// CPU share from what the steps measured (rep.Steps must be res.Steps).
func (res *SweepResult) Summarise(rep *Report, embedded bool) {
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
	rep.Harness.SelftestConcurrency = max(res.Peak, 1)
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

// ParseOutputs parses extra report outputs, FORMAT=PATH with FORMAT one
// of Formats, into (format, path) pairs.
func ParseOutputs(specs []string) ([][2]string, error) {
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

// cpuTime is the process's user+system CPU seconds so far.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
