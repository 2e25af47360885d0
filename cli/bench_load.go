package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
)

func benchLoadCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "load",
		Usage: "load a target with concurrency sweeps or open-loop arrivals; report throughput, goodput, latency and the knee",
		Description: "Closed loop: --profile closed:c=1,8,64,512 keeps that many requests in flight per step.\n" +
			"Open loop: --profile poisson:rate=20,50,100 or constant:rate=200 sends on schedule whatever the\n" +
			"responses do, recording intended and actual send times. Every response is still scored.",
		Flags: append(targetFlags(),
			&ucli.StringFlag{Name: "suite", Value: "smoke", Usage: "suite(s) the prompts are drawn from, round robin"},
			&ucli.StringFlag{Name: "profile", Value: "closed:c=1,4,16", Usage: "closed:c=…, poisson:rate=… or constant:rate=… (comma-separated steps)"},
			&ucli.DurationFlag{Name: "duration", Value: 10 * time.Second, Usage: "measured time per step"},
			&ucli.DurationFlag{Name: "warmup", Usage: "time per step sent but not counted"},
			&ucli.IntFlag{Name: "max-requests", Usage: "at most N requests per step, warmup included (0: no limit)"},
			&ucli.IntFlag{Name: "max-inflight", Value: 10000, Usage: "open loop: most requests in flight; later arrivals wait (shown as scheduling lag)"},
			&ucli.DurationFlag{Name: "prestart-headroom", Usage: "open loop: start workers and dial connections for rate × (latency + this) before each step (0: default 50ms; negative: off)"},
			&ucli.Uint64Flag{Name: "seed", Usage: "seed for the task order and Poisson arrivals"},
			&ucli.IntFlag{Name: "prompt-tokens", Usage: "synthetic prompts of about N tokens (with --output-tokens) instead of the suite"},
			&ucli.IntFlag{Name: "output-tokens", Usage: "synthetic prompts ask for M tokens"},
			&ucli.BoolFlag{Name: "no-stream", Usage: "send stream:false"},
			&ucli.BoolFlag{Name: "keep-traces", Usage: "write every trace to <out>.traces.jsonl and exact per-request values to the report"},
			&ucli.BoolFlag{Name: "no-selftest", Usage: "skip the timing selftest at the run's peak concurrency (cite the last saved one)"},
			&ucli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of the steps to FILE (go tool pprof)"},
			&ucli.StringFlag{Name: "prometheus", Usage: "serve live metrics on ADDR/metrics during the run, e.g. 127.0.0.1:9464"},
			&ucli.IntFlag{Name: "sim-max-concurrency", Usage: "embedded target: answer at most N at once and queue the rest"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "report path (default runs/<UTC time>-load-<model>.json)"},
			&ucli.StringFlag{Name: "format", Value: "text", Usage: "stdout report: text, json or md"},
			&ucli.StringSliceFlag{Name: "out-format", Usage: "also write FORMAT=PATH (md, text, json; repeatable), e.g. md=load.md"},
		),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("bench load takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			hdr, err := parseHeaders(c.StringSlice("header"))
			if err != nil {
				return err
			}
			if _, err := load.ParseProfile(c.String("profile")); err != nil {
				return &UsageError{Err: err}
			}
			if err := checkBenchLoadFlags(c); err != nil {
				return err
			}
			lim, err := limits(c)
			if err != nil {
				return err
			}
			ev, err := newEvaluator(c)
			if err != nil {
				return err
			}
			opts := load.Options{
				Evaluator: ev,
				Target:    c.String("target"), Model: c.String("model"), APIKey: c.String("api-key"), Header: hdr, FollowRedirects: c.Bool("follow-redirects"),
				Suite: c.String("suite"), PromptTokens: c.Int("prompt-tokens"), OutputTokens: c.Int("output-tokens"),
				Profile: c.String("profile"), Duration: c.Duration("duration"), Warmup: c.Duration("warmup"),
				MaxRequests: c.Int("max-requests"), MaxInflight: c.Int("max-inflight"), Seed: c.Uint64("seed"),
				PrestartHeadroom: c.Duration("prestart-headroom"),
				NoStream:         c.Bool("no-stream"), Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"), Limits: lim,
				Budgets:    trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")},
				KeepTraces: c.Bool("keep-traces"), Selftest: !c.Bool("no-selftest"), Prometheus: c.String("prometheus"),
				CPUProfile:        c.String("cpuprofile"),
				Pace:              baseline.Pace{TTFT: c.Duration("sim-ttft"), PerToken: c.Duration("sim-token-interval")},
				SimMaxConcurrency: c.Int("sim-max-concurrency"),
				Out:               c.String("out"), Outputs: c.StringSlice("out-format"), Format: c.String("format"),
				Stdout: stdout(c), Logger: logger(),
				// The process's environment is the application's to read.
				KeepMemoryLimit: os.Getenv("GOMEMLIMIT") != "", StdTransport: os.Getenv("JANUS_LOAD_STD_TRANSPORT") != "",
			}
			if opts.Selftest {
				if opts.SelftestSim, err = selftestSimCommand(); err != nil {
					return err
				}
			}
			if _, err := load.Run(c.Context, opts); err != nil {
				return fmt.Errorf("bench load: %w", err)
			}
			return nil
		},
	}
}

// checkBenchLoadFlags rejects bench load's negative counts, a synthetic
// workload given by half, and a --format or --out-format the load report
// has no writer for.
func checkBenchLoadFlags(c *ucli.Context) error {
	for _, n := range []string{"max-requests", "prompt-tokens", "output-tokens", "sim-max-concurrency"} {
		if c.Int(n) < 0 {
			return usageErrorf("--%s %d: must not be negative", n, c.Int(n))
		}
	}
	if (c.Int("prompt-tokens") > 0) != (c.Int("output-tokens") > 0) {
		return usageErrorf("--prompt-tokens and --output-tokens go together and must be positive")
	}
	if f := c.String("format"); !slices.Contains(load.Formats, f) {
		return usageErrorf("--format %q: want one of %s", f, strings.Join(load.Formats, ", "))
	}
	for _, spec := range c.StringSlice("out-format") {
		if f, p, ok := strings.Cut(spec, "="); !ok || p == "" || !slices.Contains(load.Formats, f) {
			return usageErrorf("--out-format %q: want FORMAT=PATH with FORMAT one of %s", spec, strings.Join(load.Formats, ", "))
		}
	}
	return nil
}
