package cli

import (
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/tui"
)

// tuiFlags are shared by janus tui and janus up.
func tuiFlags() []ucli.Flag {
	return append(targetFlags(), storeFlag(),
		&ucli.BoolFlag{Name: "no-save", Usage: "do not record runs driven from the TUI in the run store"},
		&ucli.StringFlag{Name: "log-file", Usage: "where logs go while the TUI owns the terminal (default $XDG_STATE_HOME/janus/tui.log)", EnvVars: []string{"JANUS_TUI_LOG"}},
		&ucli.StringFlag{Name: "out-dir", Value: "runs", Usage: "directory for the reports of runs driven from the TUI"},
	)
}

// tuiOptions binds the shared flags.
func tuiOptions(c *ucli.Context) (tui.Options, error) {
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return tui.Options{}, usageErrorf("%s needs a terminal; for scripts and CI use janus bench run (plain progress lines) or --json where offered", c.Command.Name)
	}
	hdr, err := parseHeaders(c.StringSlice("header"))
	if err != nil {
		return tui.Options{}, err
	}
	budgets := trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")}
	pace := simPace(c)
	start, err := embeddedTarget(c, 0)
	if err != nil {
		return tui.Options{}, err
	}
	lim, err := limits(c)
	if err != nil {
		return tui.Options{}, err
	}
	sim, err := selftestSimCommand()
	if err != nil {
		return tui.Options{}, err
	}
	ev, err := newEvaluator(c)
	if err != nil {
		return tui.Options{}, err
	}
	return tui.Options{
		Target: c.String("target"), APIKey: c.String("api-key"), Store: c.String("store"), NoSave: c.Bool("no-save"),
		LogFile: c.String("log-file"), OutDir: c.String("out-dir"), NoColor: c.Bool("no-color") || os.Getenv("NO_COLOR") != "",
		Base: bench.RunOptions{Model: c.String("model"), Header: hdr, FollowRedirects: c.Bool("follow-redirects"), Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"),
			Budgets: budgets, Start: start, Limits: lim, Evaluator: ev, SelftestFile: app.SelftestPath()},
		// Load runs from the TUI measure the harness's timing error after
		// the steps against a sim in a second process, as janus bench load
		// does by default.
		LoadBase: app.LoadOptions{Options: load.Options{Header: hdr, FollowRedirects: c.Bool("follow-redirects"), Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"),
			Budgets: budgets, Limits: lim, StdTransport: os.Getenv("JANUS_LOAD_STD_TRANSPORT") != ""},
			Pace: app.Pace(pace), Selftest: true, SelftestSim: sim, Evaluator: ev, KeepMemoryLimit: os.Getenv("GOMEMLIMIT") != ""},
		LoadRun: loadMount().Run,
	}, nil
}

// tuiLoadFlags start janus tui on a load run or a load report.
func tuiLoadFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "load", Usage: "start a load run at once with this profile: closed:c=…, poisson:rate=… or constant:rate=…"},
		&ucli.DurationFlag{Name: "duration", Value: 10 * time.Second, Usage: "measured time per load step (with --load, or offered on the set-up)"},
		&ucli.StringFlag{Name: "load-report", Usage: "open a load report (JSON written by janus bench load) on the load results screen"},
	}
}

// checkLoadFlags refuses a bad --load profile or --duration before the TUI
// takes the terminal.
func checkLoadFlags(c *ucli.Context) error {
	if c.String("load") != "" && c.String("load-report") != "" {
		return usageErrorf("--load and --load-report: pick one")
	}
	if p := c.String("load"); p != "" {
		if _, err := load.ParseProfile(p); err != nil {
			var pe *load.ProfileError
			if errors.As(err, &pe) {
				return usageErrorf("--load %q: %s (want %s)", p, pe.Msg, load.ProfileForms)
			}
			return &UsageError{Err: err}
		}
	}
	if d := c.Duration("duration"); d <= 0 {
		return usageErrorf("--duration %s: must be above 0", d)
	}
	return nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// tuiCommand opens the interactive front end.
func tuiCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "tui",
		Usage: "set up a bench or load run, watch it live, drill into tasks and browse the leaderboard (interactive)",
		Description: "Opens on the set-up screen: pick a bench run or a load run, a target (the embedded reference\n" +
			"target or a URL), a model, a suite, then categories and concurrency (bench) or a load profile,\n" +
			"step time and streaming (load); the choices are remembered. Bench runs are saved to the run\n" +
			"store unless --no-save. --load PROFILE starts a load run at once (the rest as remembered, flags\n" +
			"first); --load-report FILE opens a finished one. Logs go to --log-file while the TUI owns the\n" +
			"terminal.",
		Flags: append(tuiFlags(), tuiLoadFlags()...),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("tui takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			if err := checkLoadFlags(c); err != nil {
				return err
			}
			o, err := tuiOptions(c)
			if err != nil {
				return err
			}
			o.Load, o.LoadReport = c.String("load"), c.String("load-report")
			if c.IsSet("duration") {
				o.LoadDuration = c.Duration("duration") // otherwise the remembered one
			}
			return tui.Run(c.Context, o)
		},
	}
}

// upCommand runs the reference stack in-process and opens the TUI on it.
func upCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "up",
		Usage: "start the reference stack (gateway + baseline sim + run store) on loopback and open the TUI on it",
		Description: "Everything runs in this process on 127.0.0.1 (the gateway is the target);\n" +
			"quitting the TUI (or Ctrl-C) stops it all.",
		Flags: withoutFlags(tuiFlags(), "target"), // up's target is its own gateway
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("up takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			o, err := tuiOptions(c)
			if err != nil {
				return err
			}
			return tui.Up(c.Context, o, stackStart(simPace(c)), stackLabel)
		},
	}
}

// withoutFlags returns fs without the flags named.
func withoutFlags(fs []ucli.Flag, names ...string) []ucli.Flag {
	out := make([]ucli.Flag, 0, len(fs))
	for _, f := range fs {
		if !slices.Contains(names, f.Names()[0]) {
			out = append(out, f)
		}
	}
	return out
}
