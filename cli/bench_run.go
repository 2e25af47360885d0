package cli

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/cli/loadcli"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/container"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/tui"
)

func benchRunCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "run",
		Usage: "run a suite against a target and write a scored report",
		Flags: append(append(targetFlags(),
			&ucli.StringFlag{Name: "suite", Value: bench.DefaultSuite, Usage: "built-in suite name or path to a suite directory/file; several separated by commas (smoke, the default, and janus-default are generated fresh per run; smoke@stored and janus-default@stored are the shipped public examples)"},
			&ucli.StringFlag{Name: "judge", Usage: "base URL (ending in /v1) of an OpenAI-compatible endpoint for judge checks (off by default)", EnvVars: []string{"JANUS_JUDGE_URL"}},
			&ucli.StringFlag{Name: "judge-model", Usage: "model the judge endpoint grades with", EnvVars: []string{"JANUS_JUDGE_MODEL"}},
			&ucli.StringFlag{Name: "judge-api-key", Usage: "bearer token for the judge endpoint", EnvVars: []string{"JANUS_JUDGE_API_KEY"}},
			&ucli.StringFlag{Name: "sim-profile", Value: baseline.ProfileOracle, Usage: "embedded target's sim profile: " + strings.Join(baseline.Profiles(), ", ") + " (memorizer knows only the repository's suites, not the run's)"},
			&ucli.Float64Flag{Name: "sim-noisy-share", Value: baseline.DefaultNoisyShare, Usage: "embedded target: share of tasks the noisy profile gets wrong"},
			&ucli.StringSliceFlag{Name: "split", Usage: "only tasks of these splits (public, private)"},
			&ucli.StringSliceFlag{Name: "categories", Usage: "only these categories or families (quality, tools, quality/chat, …)"},
			&ucli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 4, Usage: "concurrent requests"},
			&ucli.IntFlag{Name: "limit", Usage: "run at most N tasks (0: all)"},
			&ucli.Uint64Flag{Name: "seed", Usage: "smoke, janus-default: generate their tasks from this seed (default: a secret one drawn for the run, printed at the end); every suite: shuffle tasks with it before --limit (0: file order)"},
			&ucli.StringFlag{Name: "weights", Usage: "composite weights, e.g. quality=50,speed=10,cost=15,streaming=15,multimodal=10"},
			&ucli.BoolFlag{Name: "no-stream", Usage: "send stream:false (targets without SSE; streaming scores 0)"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "report path (default runs/<UTC time>-<model>.json)"},
			&ucli.BoolFlag{Name: "resume", Usage: "continue the run in <out>.partial.jsonl (default: the newest under runs/)"},
			&ucli.StringFlag{Name: "record", Usage: "directory for raw SSE recordings of every task"},
			&ucli.StringFlag{Name: "format", Value: "text", Usage: "stdout report: text, json, md, junit or csv"},
			&ucli.StringSliceFlag{Name: "out-format", Usage: "also write the report as FORMAT=PATH (md, junit, csv, json, text; repeatable), e.g. md=report.md"},
			&ucli.StringFlag{Name: "min-score", Usage: "CI gates, e.g. composite=70,streaming=80: exit 3 when a score is below its minimum"},
			&ucli.StringSliceFlag{Name: "artifact-allow", Usage: "an origin (https://host[:port]) besides the target's own that artifact URLs may be fetched from (repeatable)"},
			&ucli.Int64Flag{Name: "artifact-max-bytes", Value: scorer.DefaultArtifactMaxBytes, Usage: "largest artifact fetched"},
			&ucli.DurationFlag{Name: "artifact-timeout", Value: scorer.DefaultArtifactTimeout, Usage: "time for one artifact fetch, body included"},
			&ucli.StringFlag{Name: "prices", Usage: "price table (JSON or YAML) for targets that report tokens but no cost_usd (docs/SCORING.md)"},
			&ucli.BoolFlag{Name: "save", Usage: "record the run in the run store as it goes (see janus runs, janus leaderboard)"},
			storeFlag(),
			&ucli.StringFlag{Name: "competitor", Usage: "--save: competitor name (default: the model)"},
			&ucli.StringFlag{Name: "team", Usage: "--save: competitor team"},
			unsafeSandboxFlag(),
			suiteKeyFlag(),
			&ucli.StringFlag{Name: "client-identity", Value: bench.IdentityOpenAIPython, Usage: "header set requests wear: openai-python (the OpenAI Python SDK's User-Agent and X-Stainless-* headers) or none (Go's)"},
			&ucli.IntFlag{Name: "warmup", Value: bench.DefaultWarmup, Usage: "unscored warm-up requests before the tasks, drawn from the run's own task distribution and sent like every task (0: none; a refused key or model is then found only once every task failed)"},
			&ucli.IntFlag{Name: "decoys", Usage: "interleave N ordinary prompts; a target notably slower on them has its speed scored on them"},
			&ucli.StringFlag{Name: "user-agent", Usage: "User-Agent of every request (default: the --client-identity's)"},
		), imageFlags(true)...),
		Action: benchRun,
	}
}

// benchRun is bench run's action: it checks the flags, builds the run's
// options and runs it under leaderboard.RecordRun (which saves it when
// --save is set).
func benchRun(c *ucli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("bench run takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
	}
	hdr, err := parseHeaders(c.StringSlice("header"))
	if err != nil {
		return err
	}
	ev, err := newEvaluator(c)
	if err != nil {
		return err
	}
	opts, err := benchRunOptions(c, hdr)
	if err != nil {
		return err
	}
	opts.Evaluator = ev
	image, err := imageTarget(c)
	if err != nil {
		return err
	}
	var co container.Options
	if image != "" {
		if co, err = containerOptions(c, image); err != nil {
			return err
		}
		opts.Target = ""
	} else if err := defaultReportPath(&opts, time.Now); err != nil {
		return err
	}
	// Progress goes to stderr: an in-place line on a terminal, plain
	// lines (no escape codes) in a pipe or when CI is set.
	progress := tui.NewProgress(c.App.ErrWriter, isTerminal(os.Stderr) && os.Getenv("CI") == "", nil)
	opts.OnPlan = progress.Plan
	run := func(h leaderboard.Hooks) (*record.Report, error) {
		opts.OnStart = h.Start
		opts.OnResult = func(r bench.Result) { h.Task(r.Task); progress.Result(r) }
		defer progress.Finish()
		var rep *record.Report
		var err error
		if image != "" {
			rep, err = container.BenchRun(c.Context, co, opts)
		} else {
			rep, err = bench.Run(c.Context, opts)
		}
		err = afterBenchRun(rep, err, opts.Gates)
		if rep != nil && rep.Run.SeedPolicy == record.SeedFresh {
			fmt.Fprintf(c.App.ErrWriter, "janus: tasks generated from the secret seed %d; reproduce them with --seed %d\n", rep.Run.Seed, rep.Run.Seed)
		}
		return rep, err
	}
	// --save records the image as the competitor's.
	comp := leaderboard.Competitor{Name: c.String("competitor"), Team: c.String("team"), Image: image}
	if _, err := leaderboard.RecordRun(c.Context, c.String("store"), comp, c.Bool("save"), logger(), run); err != nil {
		return fmt.Errorf("bench run: %w", err)
	}
	return nil
}

// benchRunOptions checks bench run's numeric flags and turns the command
// line into the engine's options (without the progress callbacks).
func benchRunOptions(c *ucli.Context, hdr http.Header) (bench.RunOptions, error) {
	if err := checkBenchRunCounts(c); err != nil {
		return bench.RunOptions{}, err
	}
	w, err := weightsFlag(c, record.DefaultWeights())
	if err != nil {
		return bench.RunOptions{}, err
	}
	lim, err := limits(c)
	if err != nil {
		return bench.RunOptions{}, err
	}
	key, err := suiteKey(c)
	if err != nil {
		return bench.RunOptions{}, err
	}
	start, err := embeddedTarget(c, 0)
	if err != nil {
		return bench.RunOptions{}, err
	}
	outputs, gates, err := benchRunReports(c)
	if err != nil {
		return bench.RunOptions{}, err
	}
	warmup := c.Int("warmup")
	if warmup < 0 {
		return bench.RunOptions{}, usageErrorf("--warmup %d: want 0 or more", warmup)
	} else if warmup == 0 {
		warmup = -1 // RunOptions: 0 is the default, negative none
	}
	return bench.RunOptions{Start: start, SuiteKey: key, Warmup: warmup, ClientIdentity: c.String("client-identity"), Decoys: c.Int("decoys"), UserAgent: c.String("user-agent"),
		Target: c.String("target"), Model: c.String("model"), APIKey: c.String("api-key"), Header: hdr, FollowRedirects: c.Bool("follow-redirects"),
		Suite: c.String("suite"), Categories: splitList(c.StringSlice("categories")), Splits: splitList(c.StringSlice("split")),
		Concurrency: c.Int("concurrency"), Limit: c.Int("limit"), Seed: c.Uint64("seed"),
		Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"), Limits: lim,
		Budgets: trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")},
		Weights: w, NoStream: c.Bool("no-stream"),
		Out: c.String("out"), Resume: c.Bool("resume"), RecordDir: c.String("record"),
		Stdout: stdout(c), Format: c.String("format"), Logger: logger(),
		Outputs: outputs, Gates: gates, PricesFile: c.String("prices"),
		ArtifactAllow: c.StringSlice("artifact-allow"), ArtifactMaxBytes: c.Int64("artifact-max-bytes"),
		ArtifactTimeout: c.Duration("artifact-timeout"), SelftestFile: app.SelftestPath(),
	}, nil
}

// defaultReportPath is where bench run's report goes with no --out: a
// resume continues the newest partial run under runs/, a new run writes
// runs/<UTC time>-<model>.json once the model is known (the engine asks
// for the path after discovering it). `bench run --image` has its own
// default (container.BenchRun).
func defaultReportPath(o *bench.RunOptions, now func() time.Time) error {
	switch {
	case o.Out != "":
	case o.Resume:
		out, err := app.LatestPartial(app.DefaultOutDir)
		if err != nil {
			return &bench.InputError{Op: "resume", Err: err}
		}
		o.Out = out
	default:
		o.ReportPath = func(model string) string { return app.ReportPath(app.DefaultOutDir, now(), model) }
	}
	return nil
}

// checkBenchRunCounts rejects a --concurrency, --decoys or --limit out of
// range before anything starts.
func checkBenchRunCounts(c *ucli.Context) error {
	if c.Int("concurrency") < 1 {
		return usageErrorf("--concurrency %d: must be at least 1", c.Int("concurrency"))
	}
	if d := c.Int("decoys"); d < 0 || d > 1000 {
		return usageErrorf("--decoys %d: want 0 to 1000", d)
	}
	if c.Int("limit") < 0 {
		return usageErrorf("--limit %d: must not be negative", c.Int("limit"))
	}
	return nil
}

// weightsFlag is --weights parsed (def when it is unset); a warning
// ParseWeights gives (weights not summing to 100) is logged.
func weightsFlag(c *ucli.Context, def record.Weights) (record.Weights, error) {
	s := c.String("weights")
	if s == "" {
		return def, nil
	}
	w, warn, err := scorer.ParseWeights(s)
	if err != nil {
		return w, usageErrorf("--weights: %v", err)
	}
	if warn != "" {
		logger().Warn(warn)
	}
	return w, nil
}

// ms reads a duration flag as milliseconds.
func ms(c *ucli.Context, name string) float64 { return loadcli.Ms(c, name) }

// benchRunReports checks --format and parses --out-format and --min-score
// into the engine's typed outputs and gates.
func benchRunReports(c *ucli.Context) ([]report.Output, []scorer.Threshold, error) {
	if f := c.String("format"); !slices.Contains(report.Formats, f) {
		return nil, nil, usageErrorf("--format %q: want one of %s", f, strings.Join(report.Formats, ", "))
	}
	outputs, err := report.ParseOutputs(c.StringSlice("out-format"))
	if err != nil {
		return nil, nil, usageErrorf("--out-format: %v", err)
	}
	gates, err := scorer.ParseThresholds(c.String("min-score"))
	if err != nil {
		return nil, nil, usageErrorf("--min-score: %v", err)
	}
	return outputs, gates, nil
}

// afterBenchRun is what the command adds to the engine's run: once the
// report is written (the run succeeded, or ended interrupted, refused or
// under a gate), the job summary is appended to $GITHUB_STEP_SUMMARY; an
// interrupted run's error says how to resume it with this command, and a
// run that needs a judge names the flags that configure one.
func afterBenchRun(rep *record.Report, err error, gates []scorer.Threshold) error {
	if jn := (*bench.JudgeNeededError)(nil); errors.As(err, &jn) {
		jn.Hint = "pass --judge URL --judge-model MODEL, or leave those tasks out with --categories"
	}
	var ie *bench.InterruptedError
	if errors.As(err, &ie) && ie.Partial != "" {
		ie.Msg = fmt.Sprintf("run interrupted; partial report %s written: continue with `janus bench run --resume --out %s` (same flags)", ie.Partial, ie.Partial)
	}
	var te *bench.TargetError
	var th *bench.ThresholdError
	if rep == nil || (err != nil && ie == nil && !errors.As(err, &te) && !errors.As(err, &th)) {
		return err
	}
	if serr := bench.AppendStepSummary(os.Getenv("GITHUB_STEP_SUMMARY"), report.StepSummary(rep, gates)); serr != nil {
		return serr
	}
	return err
}
