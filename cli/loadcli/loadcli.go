// Package loadcli is the command line of `janus bench load`, shared by
// janus (cli) and the lean load client janus-load (cmd/janus-load): the
// command's flags, the target flags every command shares, their parsing
// and the process set-up. It links the load application
// (internal/loadapp) and none of janus's other commands, so a binary
// built on it stays small.
package loadcli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/internal/loadapp"
	"github.com/janus-bench/janus/scorer"
)

// HarnessGCPercent is the GOGC janus runs with unless GOGC is set.
const HarnessGCPercent = 400

// GlobalFlags are the flags before any command: log level and colour.
func GlobalFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "log-level", Value: "warn", Usage: "debug, info, warn or error (logs go to stderr)", EnvVars: []string{"JANUS_LOG_LEVEL"}},
		&ucli.BoolFlag{Name: "no-color", Usage: "plain output without colour (also NO_COLOR)", EnvVars: []string{"NO_COLOR"}},
	}
}

// SetUpProcess applies the global flags: the log level (logs to stderr)
// and the harness's GOGC.
func SetUpProcess(c *ucli.Context, stderr io.Writer) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return Usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})))
	// A load generator trades memory for timing fidelity: fewer
	// garbage collections means fewer mark assists landing between a
	// byte's arrival and its timestamp (docs/PERFORMANCE.md). An
	// explicit GOGC wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(HarnessGCPercent)
	}
	return nil
}

// UsageError is a bad command line.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ExitCode makes a bad command line end the process with the usage code.
func (e *UsageError) ExitCode() int { return exitcode.Usage }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Ms reads a duration flag as milliseconds.
func Ms(c *ucli.Context, name string) float64 { return float64(c.Duration(name).Microseconds()) / 1000 }

// stdout returns the writer commands print results to.
func stdout(c *ucli.Context) io.Writer {
	if c.App.Writer != nil {
		return c.App.Writer
	}
	return os.Stdout
}

// SelftestSim is how this binary starts its own selftest sim (janus mounts
// the hidden `bench selftest-sim`; janus-load runs no selftest). A go test binary driving
// the CLI in-process has no such command (re-running it would run its
// tests), so there the sim stays in the process (nil).
func SelftestSim() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("selftest: find janus's own binary to run the sim: %w", err)
	}
	if strings.HasSuffix(exe, ".test") {
		return nil, nil
	}
	return []string{exe, "bench", "selftest-sim"}, nil
}

// TargetFlags are shared by every command that talks to a target.
func TargetFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "target", Usage: "base URL ending in /v1 (empty: boot the embedded reference target)", EnvVars: []string{"OPENAI_BASE_URL"}},
		&ucli.StringFlag{Name: "model", Usage: "model id (default: first id from GET /v1/models)"},
		&ucli.StringFlag{Name: "api-key", Usage: "sent as a Bearer token; never written to reports or logs (prefer the env or --api-key-file: a flag is visible in the process list)", EnvVars: []string{"JANUS_API_KEY", "OPENAI_API_KEY"}},
		APIKeyFileFlag(),
		&ucli.StringSliceFlag{Name: "header", Usage: "extra request header 'K: V' (repeatable)"},
		&ucli.BoolFlag{Name: "follow-redirects", Usage: "follow a 307/308 that stays on the target's origin (a redirect to another origin is never followed: the redirect violation)"},
		&ucli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "per-request total timeout"},
		&ucli.DurationFlag{Name: "ttft-timeout", Value: 30 * time.Second, Usage: "give up when no token arrived within this"},
		&ucli.DurationFlag{Name: "ttft-budget", Value: 2 * time.Second, Usage: "streaming contract: first token within this"},
		&ucli.DurationFlag{Name: "gap-budget", Value: 2 * time.Second, Usage: "streaming contract: no silence longer than this (keep-alives count)"},
		&ucli.StringFlag{Name: "max-event-bytes", Value: "8MiB", Usage: "cap one SSE event: past it reading stops (event_too_large)"},
		&ucli.IntFlag{Name: "max-stream-events", Value: trace.DefaultLimits().Events, Usage: "events kept per trace: later ones are counted, not kept (stream_too_large)"},
		&ucli.StringFlag{Name: "max-text-bytes", Value: "16MiB", Usage: "text kept per trace: later text is counted, not kept (stream_too_large)"},
		&ucli.StringFlag{Name: "max-stream-bytes", Value: "256MiB", Usage: "cap the bytes read from one stream: past it the stream is cut (stream_too_large)"},
		&ucli.StringFlag{Name: "max-body-bytes", Value: "32MiB", Usage: "cap a non-stream body: past it reading stops (body_too_large)"},
		&ucli.DurationFlag{Name: "sim-ttft", Value: 150 * time.Millisecond, Usage: "embedded target: time to first token"},
		&ucli.DurationFlag{Name: "sim-token-interval", Value: 20 * time.Millisecond, Usage: "embedded target: time between tokens"},
	}
}

// ParseHeaders turns repeated 'K: V' flags into a header.
func ParseHeaders(vals []string) (http.Header, error) {
	h := http.Header{}
	for _, v := range vals {
		k, val, ok := strings.Cut(v, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, Usagef("--header %q: want 'Name: value'", v)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(k), strings.TrimSpace(val))
	}
	return h, nil
}

// APIKeyFileFlag is --api-key-file: the target's key read from a file, so
// it is on no command line (and in no /proc/<pid>/cmdline) at all. It
// overrides --api-key and JANUS_API_KEY / OPENAI_API_KEY.
func APIKeyFileFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "api-key-file", Usage: "read the target's API key from `FILE` (first line), keeping it off the command line",
		Action: func(c *ucli.Context, path string) error {
			b, err := os.ReadFile(path)
			if err != nil {
				return Usagef("--api-key-file: %v", err)
			}
			key, _, _ := strings.Cut(string(b), "\n")
			if key = strings.TrimSpace(key); key == "" {
				return Usagef("--api-key-file %s: the first line is empty", path)
			}
			if err := c.Set("api-key", key); err != nil {
				return fmt.Errorf("--api-key-file: %w", err)
			}
			return nil
		}}
}

// Limits reads the size-cap flags of TargetFlags.
func Limits(c *ucli.Context) (trace.Limits, error) {
	size := func(flag string, max int64) (int64, error) {
		n, err := ParseSize(c.String(flag))
		if err != nil || n > max {
			return 0, Usagef("--%s %q: want a positive size (e.g. 8MiB) up to %d bytes", flag, c.String(flag), max)
		}
		return n, nil
	}
	var l trace.Limits
	var err error
	if l.StreamBytes, err = size("max-stream-bytes", 1<<50); err != nil {
		return l, err
	}
	if l.BodyBytes, err = size("max-body-bytes", 1<<40); err != nil {
		return l, err
	}
	ev, err := size("max-event-bytes", 1<<30)
	if err != nil {
		return l, err
	}
	text, err := size("max-text-bytes", 1<<30)
	if err != nil {
		return l, err
	}
	l.EventBytes, l.TextBytes = int(ev), int(text)
	if l.Events = c.Int("max-stream-events"); l.Events <= 0 {
		return l, Usagef("--max-stream-events %d: must be positive", l.Events)
	}
	return l, nil
}

// ParseSize reads a byte size: a number with an optional unit B, KB,
// KiB, MB, MiB, GB, GiB (case-insensitive). It must be positive.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"b", 1}}
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, strconv.ErrSyntax
	}
	return n * mult, nil
}

// BenchLoadCommand is `bench load`: the flags bound into load.Options and
// the run handed to internal/loadapp (Mount.Run). janus and janus-load both mount
// it, so the two take the same flags and write the same report. newEval
// builds what grades the answers (the command's judge and code runner);
// nil grades without either, as the lean janus-load does (it links no
// code sandbox: judge and code checks score 0, saying why). mount brings
// the embedded target and the selftest (loadapp.Mount): janus's has both,
// janus-load's neither (a run then needs --target).
func BenchLoadCommand(newEval func(*ucli.Context) (*scorer.Evaluator, error), mount loadapp.Mount) *ucli.Command {
	return &ucli.Command{
		Name:  "load",
		Usage: "load a target with concurrency sweeps or open-loop arrivals; report throughput, goodput, latency and the knee",
		Description: "Closed loop: --profile closed:c=1,8,64,512 keeps that many requests in flight per step.\n" +
			"Open loop: --profile poisson:rate=20,50,100 or constant:rate=200 sends on schedule whatever the\n" +
			"responses do, recording intended and actual send times. Every response is still scored.",
		Flags: benchLoadFlags(),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return Usagef("bench load takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			hdr, err := ParseHeaders(c.StringSlice("header"))
			if err != nil {
				return err
			}
			if err := checkProfile(c.String("profile")); err != nil {
				return err
			}
			if err := checkBenchLoadFlags(c); err != nil {
				return err
			}
			lim, err := Limits(c)
			if err != nil {
				return err
			}
			ev, err := evaluator(c, newEval)
			if err != nil {
				return err
			}
			opts := benchLoadOptions(c, hdr, lim, ev)
			if opts.Selftest && mount.Selftest != nil {
				if opts.SelftestSim, err = SelftestSim(); err != nil {
					return err
				}
			}
			if _, err := mount.Run(c.Context, opts); err != nil {
				return fmt.Errorf("bench load: %w", err)
			}
			return nil
		},
	}
}

// benchLoadOptions binds bench load's flags into the run's options: the
// engine's (load.Options) and the application's around it.
func benchLoadOptions(c *ucli.Context, hdr http.Header, lim trace.Limits, ev *scorer.Evaluator) app.LoadOptions {
	return app.LoadOptions{
		Options: load.Options{
			Target: c.String("target"), Model: c.String("model"), APIKey: c.String("api-key"), Header: hdr, FollowRedirects: c.Bool("follow-redirects"),
			Suite: c.String("suite"), PromptTokens: c.Int("prompt-tokens"), OutputTokens: c.Int("output-tokens"),
			Profile: c.String("profile"), Duration: c.Duration("duration"), Warmup: c.Duration("warmup"),
			MaxRequests: c.Int("max-requests"), MaxInflight: c.Int("max-inflight"), Seed: c.Uint64("seed"),
			PrestartHeadroom: c.Duration("prestart-headroom"),
			NoStream:         c.Bool("no-stream"), Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"), Limits: lim,
			Budgets:    trace.Budgets{TTFTMs: Ms(c, "ttft-budget"), GapMs: Ms(c, "gap-budget")},
			KeepTraces: c.Bool("keep-traces"), Logger: slog.Default(),
			// The process's environment is the application's to read.
			StdTransport: os.Getenv("JANUS_LOAD_STD_TRANSPORT") != "",
		},
		Evaluator: ev, Selftest: !c.Bool("no-selftest"), Prometheus: c.String("prometheus"),
		CPUProfile: c.String("cpuprofile"), MemProfile: c.String("memprofile"),
		Pace:              app.Pace{TTFT: c.Duration("sim-ttft"), PerToken: c.Duration("sim-token-interval")},
		SimMaxConcurrency: c.Int("sim-max-concurrency"),
		Out:               c.String("out"), Outputs: c.StringSlice("out-format"), Format: c.String("format"),
		Stdout:          stdout(c),
		KeepMemoryLimit: os.Getenv("GOMEMLIMIT") != "",
	}
}

// checkBenchLoadFlags rejects bench load's negative counts, a synthetic
// workload given by half, and a --format or --out-format the load report
// has no writer for.
func checkBenchLoadFlags(c *ucli.Context) error {
	for _, n := range []string{"max-requests", "prompt-tokens", "output-tokens", "sim-max-concurrency"} {
		if c.Int(n) < 0 {
			return Usagef("--%s %d: must not be negative", n, c.Int(n))
		}
	}
	if (c.Int("prompt-tokens") > 0) != (c.Int("output-tokens") > 0) {
		return Usagef("--prompt-tokens and --output-tokens go together and must be positive")
	}
	if f := c.String("format"); !slices.Contains(load.Formats, f) {
		return Usagef("--format %q: want one of %s", f, strings.Join(load.Formats, ", "))
	}
	for _, spec := range c.StringSlice("out-format") {
		if f, p, ok := strings.Cut(spec, "="); !ok || p == "" || !slices.Contains(load.Formats, f) {
			return Usagef("--out-format %q: want FORMAT=PATH with FORMAT one of %s", spec, strings.Join(load.Formats, ", "))
		}
	}
	return nil
}

// evaluator is newEval(c), or no evaluator when newEval is nil.
func evaluator(c *ucli.Context, newEval func(*ucli.Context) (*scorer.Evaluator, error)) (*scorer.Evaluator, error) {
	if newEval == nil {
		return nil, nil
	}
	return newEval(c)
}

// benchLoadFlags are bench load's flags: the target's and the load's own.
func benchLoadFlags() []ucli.Flag {
	return append(TargetFlags(),
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
		&ucli.StringFlag{Name: "memprofile", Usage: "write a heap profile to FILE after the steps (go tool pprof)"},
		&ucli.StringFlag{Name: "prometheus", Usage: "serve live metrics on ADDR/metrics during the run, e.g. 127.0.0.1:9464"},
		&ucli.IntFlag{Name: "sim-max-concurrency", Usage: "embedded target: answer at most N at once and queue the rest"},
		&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "report path (default runs/<UTC time>-load-<model>.json)"},
		&ucli.StringFlag{Name: "format", Value: "text", Usage: "stdout report: text, json or md"},
		&ucli.StringSliceFlag{Name: "out-format", Usage: "also write FORMAT=PATH (md, text, json; repeatable), e.g. md=load.md"},
	)
}

// checkProfile refuses a --profile that does not parse, naming the flag
// (the engine's error names none).
func checkProfile(spec string) error {
	_, err := load.ParseProfile(spec)
	if pe := (*load.ProfileError)(nil); errors.As(err, &pe) {
		return Usagef("--profile %q: %s (want %s)", pe.Spec, pe.Msg, load.ProfileForms)
	}
	if err != nil {
		return &UsageError{Err: err}
	}
	return nil
}
