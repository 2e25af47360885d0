package cli

import (
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
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
	return tui.Options{
		Target: c.String("target"), APIKey: c.String("api-key"), Store: c.String("store"), NoSave: c.Bool("no-save"),
		LogFile: c.String("log-file"), OutDir: c.String("out-dir"), NoColor: c.Bool("no-color") || os.Getenv("NO_COLOR") != "",
		Base: bench.RunOptions{Model: c.String("model"), Header: hdr, Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"),
			Budgets: trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")},
			Pace:    baseline.Pace{TTFT: c.Duration("sim-ttft"), PerToken: c.Duration("sim-token-interval")}},
	}, nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// tuiCommand opens the interactive front end.
func tuiCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "tui",
		Usage: "set up a run, watch it live, drill into tasks and browse the leaderboard (interactive)",
		Description: "Opens on the set-up screen: pick a target (the embedded reference target or a URL), a model,\n" +
			"a suite, categories and concurrency; the choices are remembered. Runs are saved to the run\n" +
			"store unless --no-save. Logs go to --log-file while the TUI owns the terminal.",
		Flags: tuiFlags(),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("tui takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			o, err := tuiOptions(c)
			if err != nil {
				return err
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
		Description: "Everything runs in this process on 127.0.0.1 (--target is ignored: the gateway is the target);\n" +
			"quitting the TUI (or Ctrl-C) stops it all.",
		Flags: tuiFlags(),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("up takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			o, err := tuiOptions(c)
			if err != nil {
				return err
			}
			return tui.Up(c.Context, o)
		},
	}
}
