package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// RunOptions configure one `janus bench run`. The CLI binds its flags into
// this struct; zero values mean the documented defaults.
type RunOptions struct {
	// Target is the base URL ending in /v1; empty starts the target with
	// Start (the embedded reference target the application builds).
	Target string
	// Start starts the target when Target is empty: the run hands it its
	// suite and whether it has memory tasks, and measures the URL it
	// returns. The report then says the target was embedded, the target
	// gets no warm-up and its cost is billed at janus's own table, declared.
	Start  StartTarget
	Model  string
	APIKey string
	Header http.Header
	// Decoys is how many ordinary prompts (--decoys) are interleaved with
	// the suite's: their latency is compared with the suite's, and a target
	// notably slower on them has its speed scored on them.
	Decoys int
	// ClientIdentity picks the header set requests wear (IdentityOpenAIPython,
	// the default when empty, or IdentityNone); UserAgent, when set,
	// replaces its User-Agent. Header is applied over both.
	ClientIdentity string
	UserAgent      string
	// FollowRedirects follows a 307/308 that stays on the target's origin
	// (--follow-redirects); a redirect off it is never followed.
	FollowRedirects bool

	// TargetName, when set, names the target in the report and for
	// --resume instead of its URL: `bench run --image` passes
	// "docker-image://REF", since the container's port changes every run.
	TargetName string

	// Suite names one suite or several separated by commas (built-in names
	// or paths); several are combined into one run (suites.Combine).
	Suite  string
	Loader suites.Loader
	// SuiteKey opens encrypted suite files (suites.EncryptedMagic) given in
	// Suite as a path ending in .enc or a URL: 32 bytes for AES-256-GCM.
	// The CLI reads it from --suite-key-file or JANUS_SUITE_KEY.
	SuiteKey []byte
	// Categories keeps only tasks whose category or family is listed.
	Categories []string
	// Splits keeps only tasks of these splits (public, private, …).
	Splits []string

	Concurrency int
	Limit       int
	Seed        uint64
	Timeout     time.Duration
	TTFTTimeout time.Duration
	// Limits cap what one response may make janus hold (zero fields:
	// trace.DefaultLimits).
	Limits  trace.Limits
	Budgets trace.Budgets
	Weights record.Weights
	Targets record.Targets
	// NoStream sends stream:false (for targets without SSE); the default
	// streams with stream_options.include_usage.
	NoStream bool

	// Out is the report path; ".partial.jsonl" beside it receives each
	// task as it finishes. When it is empty ReportPath names it; one of
	// the two is required (the engine picks no directory of its own).
	Out string
	// ReportPath, used when Out is empty, names the report once the
	// run's model is known: the application's default path names the
	// model, which a run given none learns from the target.
	ReportPath func(model string) string
	// Resume continues the run whose partial file is beside Out (which
	// it needs: finding the run to resume is the application's).
	Resume bool
	// RunID, when set, is the run's id instead of a new one: a scoring
	// service names the run when it is submitted, before a worker runs it.
	RunID string
	// Completed are tasks of this run that already finished (a scoring
	// service keeps them in its store, so a worker that picks up a run
	// another worker died in resumes from them): they are not run again
	// and go into the report as they are. Tasks not in the plan are
	// ignored. StartedAt, when set with them, keeps the first start time.
	Completed []record.TaskResult
	StartedAt time.Time
	// RecordDir receives the raw SSE bytes of every task with read times.
	RecordDir string

	// ArtifactAllow lists origins besides the target's own that artifact
	// URLs may be fetched from (--artifact-allow); ArtifactMaxBytes and
	// ArtifactTimeout bound one fetch (0: scorer's defaults, 64 MiB and
	// 15 s). See scorer.ArtifactFetch.
	ArtifactAllow    []string
	ArtifactMaxBytes int64
	ArtifactTimeout  time.Duration

	// Evaluator grades the answers: its judge and code runner (built by
	// the application); nil grades without either (judge and code checks
	// score 0). The run adds its own artifact fetcher.
	Evaluator *scorer.Evaluator

	// eval is Evaluator with the artifact fetcher built once the target's
	// URL is known.
	eval *scorer.Evaluator

	// Stdout receives the report in Format (one of report.Formats: text,
	// json, md, junit or csv); nil: none.
	Stdout io.Writer
	Format string

	// PricesFile is the price table for targets that report tokens but no
	// cost (--prices; pricing.LoadPrices); empty means pricing.DefaultPrices.
	PricesFile string
	// SeedSecret says the caller drew Seed in secret for this run (the
	// service does, at submit, so that a resumed run regenerates the same
	// tasks): the report's seed policy is then "fresh", not "fixed".
	SeedSecret bool
	// Warmup is how many unscored warm-up requests precede the tasks on an
	// external target (--warmup; see warmUp): 0 means DefaultWarmup, a
	// negative count none.
	Warmup int
	// Prices, when set, is the price table itself and wins over
	// PricesFile: calibrate passes the sim's table, declared.
	Prices *pricing.Prices
	// Outputs are extra report files written after the JSON report (the
	// CLI parses them from --out-format with report.ParseOutputs).
	Outputs []report.Output
	// Gates are minimum scores (the CLI parses them from --min-score with
	// scorer.ParseThresholds). Once every report is written, a missed gate
	// makes Run return a *ThresholdError; the Markdown and JUnit reports
	// show them.
	Gates []scorer.Threshold

	// SelftestFile is where the last selftest was saved (SaveSelftest):
	// its timing error at the run's concurrency goes into the report's
	// harness block and is taken out of the streaming score. Empty cites
	// none; the application picks the file (internal/app.SelftestPath).
	SelftestFile string

	// Resources, when set, is called once the tasks are done and before
	// scoring (also on an interrupted run): its block goes into the
	// report, priced at the price table's compute prices, and that compute
	// cost into the cost dimension. `bench run --image` passes the
	// container's figures (package container).
	Resources func(ctx context.Context) *record.Resources

	Logger *slog.Logger
	// OnResult is called from one goroutine for every finished task, in
	// completion order; it must not block for long. Once ctx is done it is
	// not called again: the tasks it saw are the ones the partial file and
	// an interrupted report keep, and a resumed run does the rest.
	OnResult func(Result)
	// OnPlan is called once, after the plan is made and before the first
	// task is dispatched, with the run's header and the tasks still to run
	// (a live view needs the total and the prompts).
	OnPlan func(run record.Run, todo []suites.Task)
	// Gate is called by the dispatcher before each task is handed to a
	// worker; while it blocks no new task starts, which is how the TUI
	// pauses a run without cancelling in-flight requests. It returns
	// ctx.Err() when the context ends while it waits.
	Gate func(ctx context.Context) error
	// OnStart, when set, is called with the run's description once the
	// target answered and before the first task is sent (a run store
	// records the run as running); an error aborts the run.
	OnStart func(record.Run) error
}

// Result is what flows from the runner to its consumers for each task: the
// scored record and the full trace behind it.
type Result struct {
	Task  record.TaskResult
	Trace *trace.Trace
}

// scoringDefaults fills the judging options a run and a replay share, so
// a replayed run is judged exactly as a live one.
func scoringDefaults(b *trace.Budgets, w *record.Weights, tg *record.Targets) {
	if b.TTFTMs <= 0 {
		b.TTFTMs = trace.DefaultBudgets().TTFTMs
	}
	if b.GapMs <= 0 {
		b.GapMs = trace.DefaultBudgets().GapMs
	}
	if w.IsZero() {
		*w = record.DefaultWeights()
	}
	if *tg == (record.Targets{}) {
		*tg = record.DefaultTargets()
	}
}

func (o *RunOptions) defaults() {
	if o.Loader == nil {
		o.Loader = suites.DefaultLoader{}
	}
	if o.Suite == "" {
		o.Suite = DefaultSuite
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.TTFTTimeout <= 0 {
		o.TTFTTimeout = 30 * time.Second
	}
	scoringDefaults(&o.Budgets, &o.Weights, &o.Targets)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Format == "" {
		o.Format = "text"
	}
}

// runState is what the steps of Run share: the checked options, the
// selected suite and tasks, the target's client and the report being built.
type runState struct {
	o   *RunOptions
	log *slog.Logger

	prices pricing.Prices

	suite      *suites.Suite
	seedPolicy string
	tasks      []suites.Task

	client   *trace.Client
	embedded bool
	warm     []suites.Task
	model    string

	rep         *record.Report
	partialPath string
	done        []record.TaskResult
	todo        []suites.Task
	rec         recorderFactory

	// Filled in by executeTasks and scoreRun.
	collected    []record.TaskResult
	decoyResults []record.TaskResult
	sched        record.Summary
	interrupted  bool
}

// Run executes a benchmark run and writes its report. It returns the
// report even when the run was interrupted (with ErrInterrupted).
func Run(ctx context.Context, o RunOptions) (*record.Report, error) {
	o.defaults()
	s := &runState{o: &o, log: o.Logger}
	if err := s.checkOptions(); err != nil {
		return nil, err
	}
	if err := s.selectTasks(ctx); err != nil {
		return nil, err
	}
	if err := s.newClient(); err != nil {
		return nil, err
	}
	if o.Target == "" {
		stop, err := s.startEmbeddedTarget(ctx)
		if err != nil {
			return nil, err
		}
		defer stop()
		defer s.client.HTTP.CloseIdleConnections() // before stop: nothing left for it to wait on
	}
	if err := s.prepareTarget(ctx); err != nil {
		return nil, err
	}
	defer o.eval.Fetch.CloseIdleConnections()
	if err := s.planReport(); err != nil {
		return nil, err
	}
	pw, err := s.openPartial()
	if err != nil {
		return nil, err
	}
	defer pw.Close()
	if err := s.prepareRecorder(); err != nil {
		return nil, err
	}
	if err := s.executeTasks(ctx, pw); err != nil {
		return nil, err
	}
	s.scoreRun(ctx)
	if err := s.writeReports(pw); err != nil {
		return s.rep, err
	}
	return s.rep, s.outcome()
}

// checkOptions checks the report formats and loads the price table
// before anything else is loaded, so a typo fails fast as an InputError.
func (s *runState) checkOptions() error {
	o := s.o
	if !slices.Contains(report.Formats, o.Format) {
		return &InputError{Op: "check options", Err: fmt.Errorf("report format %q: want one of %s", o.Format, strings.Join(report.Formats, ", "))}
	}
	for _, out := range o.Outputs {
		if !slices.Contains(report.Formats, out.Format) || out.Path == "" {
			return &InputError{Op: "check options", Err: fmt.Errorf("report output %s=%s: want one of %s and a path", out.Format, out.Path, strings.Join(report.Formats, ", "))}
		}
	}
	if o.Out == "" && (o.Resume || o.ReportPath == nil) {
		return &InputError{Op: "check options", Err: errNoReportPath}
	}
	var err error
	s.prices = pricing.DefaultPrices()
	if o.Prices != nil {
		s.prices = *o.Prices
	} else if o.PricesFile != "" {
		if s.prices, err = pricing.LoadPrices(o.PricesFile); err != nil {
			return &InputError{Op: "check options", Err: err}
		}
	}
	return nil
}

// selectTasks loads the suite and picks the run's tasks (splits,
// categories, seed and limit), refusing a plan with nothing to run or
// that this harness cannot run.
func (s *runState) selectTasks(ctx context.Context) error {
	o := s.o
	var err error
	if s.suite, s.seedPolicy, err = o.loadSuite(ctx); err != nil {
		return err
	}
	s.tasks = suites.Select(filterCategories(suites.FilterSplit(s.suite.Tasks, o.Splits), o.Categories), o.Seed, o.Limit)
	if len(s.tasks) == 0 {
		return &InputError{Op: "select tasks", Err: fmt.Errorf("no task of suite %s matches categories %q and splits %q",
			s.suite.Name, strings.Join(o.Categories, ","), strings.Join(o.Splits, ","))}
	}
	return checkRunnable(s.suite, s.tasks, o.Evaluator)
}

// newClient checks the client identity and builds the HTTP client every
// request of the run goes through.
func (s *runState) newClient() error {
	o := s.o
	if o.ClientIdentity != "" && o.ClientIdentity != IdentityOpenAIPython && o.ClientIdentity != IdentityNone {
		return &InputError{Op: "check options", Err: fmt.Errorf("client identity %q: want %s or %s", o.ClientIdentity, IdentityOpenAIPython, IdentityNone)}
	}
	if o.ClientIdentity == "" {
		o.ClientIdentity = IdentityOpenAIPython
	}
	s.client = &trace.Client{BaseURL: o.Target, APIKey: o.APIKey, Header: requestHeader(o.ClientIdentity, o.UserAgent, o.Header),
		Timeout: o.Timeout, TTFTTimeout: o.TTFTTimeout, Limits: o.Limits,
		SameOriginRedirects: o.FollowRedirects,
		HTTP:                &http.Client{Transport: trace.NewTransport(o.Concurrency)}}
	return nil
}

// startEmbeddedTarget starts the target with o.Start when the run was
// given no URL and points the client at it; the caller defers the
// returned stop.
func (s *runState) startEmbeddedTarget(ctx context.Context) (stop func(), err error) {
	if s.o.Start == nil {
		return nil, &InputError{Op: "start target", Err: errNoTarget}
	}
	url, stop, err := s.o.Start(ctx, s.suite, hasMemoryTasks(s.tasks))
	if err != nil {
		return nil, err
	}
	s.client.BaseURL, s.embedded = url, true
	s.log.Info("embedded reference target", "url", url)
	return stop, nil
}

// prepareTarget warms the target up, settles the model and builds the
// artifact fetcher, all before the first scored request.
func (s *runState) prepareTarget(ctx context.Context) error {
	o := s.o
	var err error
	if s.warm, err = o.runWarmup(s.suite, s.tasks, s.embedded); err != nil {
		return err
	}
	if s.model, err = PrepareTarget(ctx, s.client, o.Model, !o.NoStream, s.embedded, s.warm); err != nil {
		return err
	}
	fetch, err := artifactFetch(s.client, o)
	if err != nil {
		return &InputError{Op: "check options", Err: err}
	}
	o.eval = o.Evaluator.WithFetch(fetch)
	return nil
}

// planReport settles the report path (ReportPath names it when Out is
// empty), fills the report's run header and, on Resume or with Completed
// tasks, works out which tasks remain.
func (s *runState) planReport() error {
	o := s.o
	if o.Out == "" {
		o.Out = o.ReportPath(s.model)
	}
	s.rep = &record.Report{SchemaVersion: record.SchemaVersion, Weights: o.Weights}
	s.rep.Run = s.runHeader()
	s.partialPath = o.Out + ".partial.jsonl"
	s.done = planned(o.Completed, s.tasks)
	if o.Resume {
		hdr, prev, err := ReadPartial(s.partialPath)
		if err != nil {
			return &InputError{Op: "resume", Err: err}
		}
		if err := hdr.compatible(s.rep.Run); err != nil {
			return &InputError{Op: "resume " + s.partialPath, Err: err}
		}
		s.rep.Run.ID, s.rep.Run.StartedAt = hdr.ID, hdr.StartedAt
		s.done = prev
		s.log.Info("resuming", "partial", s.partialPath, "done", len(prev))
	}
	skip := map[string]bool{}
	for _, t := range s.done {
		skip[t.ID] = true
	}
	for _, t := range s.tasks {
		if !skip[t.ID] {
			s.todo = append(s.todo, t)
		}
	}
	return nil
}

// runHeader is the report's description of the run before any task ran.
func (s *runState) runHeader() record.Run {
	o := s.o
	run := record.Run{
		ID: newRunID(), Status: record.RunCompleted, StartedAt: time.Now().UTC(),
		Target: targetName(o.TargetName, s.client.BaseURL), EmbeddedTarget: s.embedded, Model: s.model,
		Suite: record.SuiteRef{Name: s.suite.Name, Version: s.suite.Version, SHA256: s.suite.SHA256, Source: s.suite.Source},
		Seed:  o.Seed, SeedPolicy: s.seedPolicy, Limit: o.Limit, Concurrency: o.Concurrency, Stream: !o.NoStream,
		Budgets: o.Budgets, TasksPlanned: len(s.tasks), HarnessVersion: HarnessVersion(), Splits: o.Splits,
		Host: record.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()},
	}
	run.Categories, run.Warmup = o.Categories, len(s.warm)
	if o.RunID != "" {
		run.ID = o.RunID
	}
	if !o.StartedAt.IsZero() {
		run.StartedAt = o.StartedAt.UTC()
	}
	return run
}

// openPartial opens the partial file tasks are appended to as they finish
// and tells OnStart the run is starting; the caller defers pw.Close.
func (s *runState) openPartial() (*partialWriter, error) {
	pw, err := openPartial(s.partialPath, s.rep.Run, s.o.Resume)
	if err != nil {
		return nil, err
	}
	if s.o.OnStart != nil {
		if err := s.o.OnStart(s.rep.Run); err != nil {
			pw.Close()
			return nil, fmt.Errorf("start run: %w", err)
		}
	}
	return pw, nil
}

// prepareRecorder creates --record's directory and the factory that gives
// each task its recording file.
func (s *runState) prepareRecorder() error {
	o := s.o
	if o.RecordDir != "" {
		if err := os.MkdirAll(o.RecordDir, 0o755); err != nil {
			return fmt.Errorf("create record dir: %w", err)
		}
		s.rec = func(id string) (*fileRecorder, error) {
			return newFileRecorder(filepath.Join(o.RecordDir, safeName(id)+".sse.jsonl"))
		}
	}
	return nil
}

// executeTasks dispatches the remaining tasks with canaries and decoys
// mixed in, under the scheduling probe, and collects what finished:
// scored tasks go to the partial file and OnResult as they come.
func (s *runState) executeTasks(ctx context.Context, pw *partialWriter) error {
	o, rep := s.o, s.rep
	if o.OnPlan != nil {
		o.OnPlan(rep.Run, s.todo)
	}
	dispatch, canaries, err := withCanaries(o, s.seedPolicy, s.todo)
	if err != nil {
		return err
	}
	if canaries != nil {
		rep.Canaries = &record.Canaries{Markers: []string{}} // an array even if none finished
	}
	dispatch, decoys, err := withDecoys(o.Decoys, dispatch)
	if err != nil {
		return err
	}
	probe := startSchedProbe(ctx, s.client.Now)
	results := runTasks(ctx, s.client, dispatch, s.model, o, s.rec)
	s.collected = append([]record.TaskResult(nil), s.done...)
	var werr error
	for r := range results {
		if ctx.Err() != nil || (r.Trace.Err != nil && r.Trace.Err.Class == trace.ErrCancelled) {
			// Not finished before the interrupt: a resumed run will do it.
			// A result that arrives after the interrupt is dropped even if
			// its request completed, because a later step (a tool turn, a
			// memory task's decoy) may have run under the cancelled context
			// and would be scored as the target's failure; so the partial
			// holds exactly what was collected before the interrupt.
			continue
		}
		if _, ok := canaries[r.Task.ID]; ok {
			countCanary(rep.Canaries, r.Task)
			continue // a leak detector, never scored
		}
		if decoys[r.Task.ID] {
			s.decoyResults = append(s.decoyResults, r.Task)
			continue // timed against the suite, not scored
		}
		if err := pw.Append(r.Task); err != nil && werr == nil {
			werr = err
		}
		s.collected = append(s.collected, r.Task)
		s.log.Debug("task done", "id", r.Task.ID, "status", r.Task.Status, "score", r.Task.Score)
		if o.OnResult != nil {
			o.OnResult(r)
		}
	}
	s.sched = probe.Stop()
	return werr
}

// scoreRun finishes the report: status, task order, resources, harness
// and timing noise, scores, decoys and the scoring block.
func (s *runState) scoreRun(ctx context.Context) {
	o, rep, log, sched := s.o, s.rep, s.log, s.sched
	s.interrupted = ctx.Err() != nil && len(s.collected) < len(s.tasks)
	if s.interrupted {
		rep.Run.Status = record.RunInterrupted
	}
	rep.Tasks = orderLike(s.collected, s.tasks)
	rep.Run.FinishedAt = time.Now().UTC()
	if s.embedded {
		// The reference target bills at janus's own table: it is declared.
		s.prices.Declared = true
	}
	sopts := scorer.Options{Weights: o.Weights, Targets: o.Targets, Prices: &s.prices, Model: s.model,
		CategoryWeights: scorer.QualityCategoryWeights(s.suite.Weights)}
	if o.Resources != nil {
		if rep.Resources = o.Resources(ctx); rep.Resources != nil {
			rep.Resources.ComputeCostUSD = s.prices.ComputeCost(rep.Resources.CPUSeconds, rep.Resources.GBSeconds)
			sopts.ComputeUSD = rep.Resources.ComputeCostUSD
		}
	}
	rep.Harness = LoadHarness(o.SelftestFile, o.Concurrency)
	sopts.TimingNoiseMs = timingNoise(rep.Harness, sched)
	if err := saveTimingNoise(o.RecordDir, sopts.TimingNoiseMs, rep.Run.Seed); err != nil {
		log.Warn("a replay of the recordings will not take the run's timing noise out", "err", err)
	}
	if sched.P99 > schedWarnMs {
		log.Warn("the harness itself was late during this run: streaming continuity is judged no finer than its error",
			"run_sched_err_p99_ms", sched.P99)
	}
	rep.Scores = scorer.ScoreWith(rep.Tasks, sopts)
	if o.Decoys > 0 {
		rep.Decoys = judgeDecoys(s.decoyResults, rep.Tasks, &rep.Scores, sopts)
	}
	rep.Scoring = report.NewScoring(sopts)
	rep.Scoring.RunSchedErrP99Ms, rep.Scoring.RunSchedGaps = sched.P99, sched.N
	report.Aggregate(rep)
}

// writeReports writes the JSON report (dropping the partial file once the
// run is complete), then the Outputs and the report on Stdout, in that
// order.
func (s *runState) writeReports(pw *partialWriter) error {
	o, rep, gates := s.o, s.rep, s.o.Gates
	if err := record.WriteAtomic(o.Out, record.JSON(rep)); err != nil {
		return err
	}
	if !s.interrupted {
		pw.Close()
		_ = os.Remove(s.partialPath)
	}
	s.log.Info("report written", "path", o.Out, "status", rep.Run.Status)
	for _, out := range o.Outputs {
		w, err := report.Writer(out.Format, rep, gates)
		if err == nil {
			err = record.WriteAtomic(out.Path, w)
		}
		if err != nil {
			return err
		}
		s.log.Info("report written", "path", out.Path, "format", out.Format)
	}
	if o.Stdout != nil {
		w, err := report.Writer(o.Format, rep, gates)
		if err == nil {
			err = w(o.Stdout)
		}
		if err != nil {
			return err
		}
		if o.Format == "text" {
			fmt.Fprintf(o.Stdout, "\nreport: %s\n", o.Out)
		}
	}
	return nil
}

// outcome is the error a written run ends with: interrupted, every
// request failed, or a missed gate; nil otherwise.
func (s *runState) outcome() error {
	o, rep := s.o, s.rep
	if s.interrupted {
		return &InterruptedError{Msg: "run interrupted; partial report " + o.Out + " written: run again with the same options and Resume to continue", Partial: o.Out}
	}
	if err := everyRequestFailed(rep.Tasks, rep.Run.Target); err != nil {
		return err
	}
	if err := checkGates(rep.Scores, o.Gates); err != nil {
		return err
	}
	return nil
}

// targetName is what a report calls the target: name when given, else
// the URL without credentials.
func targetName(name, url string) string {
	if name != "" {
		return name
	}
	return report.RedactURL(url)
}

// checkGates returns a *ThresholdError with one line per missed gate, or
// nil when every gate passed.
func checkGates(s record.Scores, gates []scorer.Threshold) error {
	var missed []string
	for _, r := range scorer.CheckThresholds(s, gates) {
		if !r.Passed {
			missed = append(missed, "min-score: "+r.Message())
		}
	}
	if len(missed) == 0 {
		return nil
	}
	return &ThresholdError{Msg: strings.Join(missed, "\n")}
}

// AppendStepSummary appends what write produces to the CI job summary
// file path ($GITHUB_STEP_SUMMARY); a no-op when path is empty.
func AppendStepSummary(path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	return appendFile(path, write)
}

// appendFile appends what write produces to path, creating it if needed.
func appendFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("append step summary: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append step summary %s: %w", path, err)
	}
	return nil
}

// runTasks runs tasks on o.Concurrency workers and returns a channel that
// yields each result and closes when all workers are done. On ctx
// cancellation no new task starts.
func runTasks(ctx context.Context, client *trace.Client, tasks []suites.Task, model string, o *RunOptions, rec recorderFactory) <-chan Result {
	queue := make(chan *suites.Task)
	out := make(chan Result, o.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < o.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range queue {
				if ctx.Err() != nil {
					// A send the dispatcher began before the cancel can
					// still pair with this receive: do not start it.
					continue
				}
				out <- runTask(ctx, client, t, model, o, rec)
			}
		}()
	}
	go func() {
		defer close(queue)
		for i := range tasks {
			if o.Gate != nil {
				if err := o.Gate(ctx); err != nil {
					return
				}
			}
			select {
			case queue <- &tasks[i]:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	return out
}

func runTask(ctx context.Context, client *trace.Client, t *suites.Task, model string, o *RunOptions, rec recorderFactory) Result {
	req := t.ChatRequest(model, !o.NoStream)
	var r trace.Recorder
	if rec != nil {
		fr, err := rec(t.ID)
		if err != nil {
			o.Logger.Warn("cannot record task", "task", t.ID, "err", err)
		} else {
			defer fr.Close()
			r = fr
		}
	}
	qctx := ctx
	var mem *memoryRun
	if t.Memory != nil {
		mem = newMemoryUsers()
		mem.tell(ctx, client, t, req, rec, o.Logger)
		qctx = userCtx(ctx, mem.user)
	}
	tr := client.Do(qctx, req, r)
	tr.TaskID = t.ID
	if mem != nil {
		tr.Decoy = mem.askDecoy(ctx, client, t, req, rec, o.Logger)
	}
	playTools(ctx, client, t, req, tr, rec, o.Logger)
	res := ScoreWith(t, tr, o.Budgets, o.eval)
	res.Detail = Detail(t, tr)
	return Result{Task: res, Trace: tr}
}

// artifactFetch is the artifact fetcher of a run against client's target:
// only that origin and --artifact-allow, with the target's API key.
func artifactFetch(client *trace.Client, o *RunOptions) (*scorer.ArtifactFetch, error) {
	for _, a := range o.ArtifactAllow {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("artifact origin %q: want an origin such as https://cdn.example.com", a)
		}
	}
	if o.ArtifactMaxBytes < 0 || o.ArtifactTimeout < 0 {
		return nil, fmt.Errorf("artifact size and time limits must be ≥ 0")
	}
	var h http.Header
	if client.APIKey != "" {
		h = http.Header{"Authorization": {"Bearer " + client.APIKey}}
	}
	return &scorer.ArtifactFetch{Origin: client.BaseURL, Allow: o.ArtifactAllow, Header: h,
		MaxBytes: o.ArtifactMaxBytes, Timeout: o.ArtifactTimeout}, nil
}

// playTools carries a multi-turn task on: while the last turn called tools
// (and the task's turn budget lasts), janus answers each call with the
// task's scripted result and sends the conversation again. Follow-up turns
// go into first.Turns; each is recorded as "<task>.turnN" when recording.
func playTools(ctx context.Context, client *trace.Client, t *suites.Task, req wire.ChatRequest, first *trace.Trace,
	rec recorderFactory, log *slog.Logger) {
	last := first
	msgs := slices.Clone(req.Messages)
	for turn := 2; turn <= t.Turns() && last.Err == nil && len(last.ToolCalls) > 0 && ctx.Err() == nil; turn++ {
		calls := make([]openai.ToolCall, len(last.ToolCalls))
		for i, c := range last.ToolCalls {
			id := c.ID
			if id == "" {
				id = fmt.Sprintf("call_janus_%d_%d", turn, i)
			}
			calls[i] = openai.ToolCall{ID: id, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: c.Name, Arguments: c.Arguments}}
		}
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: last.Content, ToolCalls: calls})
		for _, c := range calls {
			out, _ := t.ToolResultFor(c.Function.Name, c.Function.Arguments)
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: c.ID,
				Name: c.Function.Name, Content: out})
		}
		next := req
		next.Messages = slices.Clone(msgs)
		var r trace.Recorder
		if rec != nil {
			if fr, err := rec(fmt.Sprintf("%s.turn%d", t.ID, turn)); err != nil {
				log.Warn("cannot record turn", "task", t.ID, "turn", turn, "err", err)
			} else {
				r = fr
				defer fr.Close()
			}
		}
		nt := client.Do(ctx, next, r)
		nt.TaskID = t.ID
		first.Turns = append(first.Turns, nt)
		last = nt
	}
}

// Score turns a task's trace into its scored result: metrics, contract
// violations against the task's budgets, status and the evaluator verdict.
//
// Score grades with the nil Evaluator: no judge, no code runner, no
// artifact fetch (an http(s) or path artifact URL fails as not
// verified); see ScoreWith.
func Score(t *suites.Task, tr *trace.Trace, defaults trace.Budgets) record.TaskResult {
	return ScoreWith(t, tr, defaults, nil)
}

// ScoreWith is Score with the answer graded by ev (its judge, code runner
// and artifact fetcher, which keeps every fetch on the target's origin).
// It leaves the result's Detail nil: runTask and Replay add it (Detail),
// the load engine, which keeps no per-task record, does not.
func ScoreWith(t *suites.Task, tr *trace.Trace, defaults trace.Budgets, ev *scorer.Evaluator) record.TaskResult {
	b := defaults
	if t.Budget != nil {
		if t.Budget.TTFTMs > 0 {
			b.TTFTMs = t.Budget.TTFTMs
		}
		if t.Budget.GapMs > 0 {
			b.GapMs = t.Budget.GapMs
		}
	}
	// Metrics are the first turn's and TurnMetrics the follow-ups': speed
	// and streaming score every turn; every turn must keep the streaming
	// contract, and usage and the answer span all turns.
	m := trace.ComputeMetrics(tr)
	final := tr.Final()
	res := record.TaskResult{ID: t.ID, Category: t.Category, Stream: tr.Stream, Metrics: m, ITLs: m.ITLs,
		Violations: trace.Violations(tr, m, b), Error: final.Err, Usage: final.Usage, Budgets: b, Status: record.StatusOK,
		Shape: slices.Clone(tr.Shape)}
	for i, n := range tr.Turns {
		for _, s := range n.Shape {
			if !slices.Contains(res.Shape, s) {
				res.Shape = append(res.Shape, s)
			}
		}
		nm := trace.ComputeMetrics(n)
		res.TurnMetrics = append(res.TurnMetrics, nm)
		for _, v := range trace.Violations(n, nm, b) {
			v.Detail = fmt.Sprintf("turn %d: %s", i+2, v.Detail)
			res.Violations = append(res.Violations, v)
		}
	}
	if res.Violations == nil {
		res.Violations = []trace.Violation{}
	}
	decoy := tr.Decoy
	tr = final
	switch {
	case tr.Err == nil:
	case tr.Err.Class.Timeout():
		res.Status = record.StatusTimeout
	default:
		res.Status = record.StatusError
	}
	if res.Status != record.StatusOK {
		res.Reason = "request failed: " + string(tr.Err.Class)
		return res
	}
	v := memoryVerdict(t, tr, decoy, ev.Evaluate(t, tr), ev)
	res.Score, res.Reason = v.Score, v.Reason
	return res
}

func filterCategories(tasks []suites.Task, cats []string) []suites.Task {
	if len(cats) == 0 {
		return tasks
	}
	var out []suites.Task
	for _, t := range tasks {
		for _, c := range cats {
			if c == t.Category || c == suites.Family(t.Category) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// planned keeps the results of tasks in the plan, each task once.
func planned(res []record.TaskResult, plan []suites.Task) []record.TaskResult {
	in := map[string]bool{}
	for _, t := range plan {
		in[t.ID] = true
	}
	var out []record.TaskResult
	for _, r := range res {
		if in[r.ID] {
			out = append(out, r)
			in[r.ID] = false
		}
	}
	return out
}

// orderLike puts results in the plan's task order, so a report does not
// depend on which worker finished first.
func orderLike(res []record.TaskResult, plan []suites.Task) []record.TaskResult {
	pos := map[string]int{}
	for i, t := range plan {
		pos[t.ID] = i
	}
	out := make([]record.TaskResult, 0, len(res))
	byPos := make([]*record.TaskResult, len(plan))
	for i := range res {
		if p, ok := pos[res[i].ID]; ok {
			byPos[p] = &res[i]
		}
	}
	for _, r := range byPos {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" {
		return "model"
	}
	return s
}

func newRunID() string {
	var b [6]byte
	if _, err := io.ReadFull(randReader, b[:]); err != nil {
		return time.Now().UTC().Format("20060102T150405.000000000")
	}
	return fmt.Sprintf("%s-%x", time.Now().UTC().Format("20060102T150405Z"), b)
}

// discoverModel checks that the target answers and picks the model: the
// given one, else the first id from GET /models.
func discoverModel(ctx context.Context, c *trace.Client, model string) (string, error) {
	m, _, err := discoverModelList(ctx, c, model)
	return m, err
}

// discoverModelList is discoverModel that also returns the ids GET /models
// listed (none when the target does not implement it).
func discoverModelList(ctx context.Context, c *trace.Client, model string) (string, []string, error) {
	ids, status, err := ListModels(ctx, c)
	if err != nil {
		return "", nil, &InputError{Op: "reach target " + report.RedactURL(c.BaseURL), Err: err}
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return "", nil, refusal(status, report.RedactURL(c.BaseURL)+"/models", model, c.APIKey != "", "", nil)
	}
	if model != "" {
		return model, ids, nil
	}
	if status != http.StatusOK || len(ids) == 0 {
		return "", nil, &InputError{Op: "discover model", Err: fmt.Errorf("GET %s/models gave HTTP %d with %d models; name the model", report.RedactURL(c.BaseURL), status, len(ids))}
	}
	return ids[0], ids, nil
}

// PrepareTarget picks the model (GET /models when model is empty) and, for
// a target janus did not start itself, sends the warm-up tasks (see
// warmUp): a target that refuses the key or the model is a *TargetError
// naming the fix, before any scored task is sent.
//
// With a model given, an external target gets no GET /models first: an
// SDK user names the model and goes straight to chat, and a run that
// opens with GET /models is easy to tell apart. The list is fetched only
// to explain a refused warm-up.
func PrepareTarget(ctx context.Context, c *trace.Client, model string, stream, embedded bool, warmup []suites.Task) (string, error) {
	if model != "" && !embedded {
		return model, warmUp(ctx, c, model, stream, nil, warmup)
	}
	model, known, err := discoverModelList(ctx, c, model)
	if err != nil || embedded {
		return model, err
	}
	return model, warmUp(ctx, c, model, stream, known, warmup)
}

// ListModels calls GET {base}/models. A transport failure is an error; an
// HTTP error status is returned with no ids, since many targets do not
// implement the endpoint.
func ListModels(ctx context.Context, c *trace.Client) ([]string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/models", nil)
	if err != nil {
		return nil, 0, fmt.Errorf("bad target URL: %w", err)
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	// A copy with janus's redirect policy: GET /models never leaves the
	// target's origin, whatever client the caller built.
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = trace.RedirectPolicy(c.SameOriginRedirects)
	resp, err := hc.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, nil
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(bufio.NewReader(io.LimitReader(resp.Body, 8<<20))).Decode(&list); err != nil {
		return nil, resp.StatusCode, nil
	}
	ids := make([]string, 0, len(list.Data))
	for _, d := range list.Data {
		ids = append(ids, d.ID)
	}
	return ids, resp.StatusCode, nil
}
