// Package cli binds janus's command-line flags into option structs and
// calls one library function per command. It never exits the process and
// never does I/O of its own beyond what the libraries are handed; main maps
// the returned error to an exit code with ExitCode.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/cli/loadcli"
)

// HarnessGCPercent is the GOGC janus runs with unless GOGC is set.
const HarnessGCPercent = loadcli.HarnessGCPercent

// App builds the janus command tree.
func App(stdout, stderr io.Writer) *ucli.App {
	app := &ucli.App{
		Name:  "janus",
		Usage: "benchmark and score OpenAI-compatible chat completion endpoints",
		Description: "janus drives any OpenAI-compatible /v1/chat/completions endpoint through versioned suites and\n" +
			"scores quality, speed, cost, streaming and multimodal handling. With no --target it boots the\n" +
			"reference baseline in-process, so `janus bench run` works on a fresh machine.",
		Version:              versionString(),
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Flags:                loadcli.GlobalFlags(),
		Before:               func(c *ucli.Context) error { return loadcli.SetUpProcess(c, stderr) },
		Commands: []*ucli.Command{
			benchCommand(),
			baselineCommand(),
			suitesCommand(),
			conformCommand(),
			gatewayCommand(),
			scoreCommand(),
			versionCommand(),
			runsCommand(),
			leaderboardCommand(),
			arenaCommand(),
			imageCommand(),
			cleanupCommand(),
			tuiCommand(),
			upCommand(),
			serveCommand(),
			workerCommand(),
			memoryCommand(),
			sessionsCommand(),
		},
		// Errors are returned to main, which prints them once and exits.
		ExitErrHandler: func(*ucli.Context, error) {},
		CommandNotFound: func(c *ucli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "janus: unknown command %q (see janus --help)\n", name)
		},
	}
	app.OnUsageError = onUsageError
	walk(app.Commands)
	applyHelp(nil, app.Commands)
	return app
}

// Run runs the app with args (including the program name) and returns the
// error main turns into an exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app := App(stdout, stderr)
	if len(args) > 1 && !knownCommand(app, args[1]) && !strings.HasPrefix(args[1], "-") {
		return usageErrorf("unknown command %q (see janus --help)", args[1])
	}
	return explain(app.RunContext(ctx, interspersed(app, args)))
}

// explain words the engine's refusals for a CLI user: a *bench.TargetError
// that names what to fix says which flag (or environment variable) sets
// it. The commands wrap errors with their name, so the whole message is
// reworded, and the error chain (exit code) kept.
func explain(err error) error {
	var te *bench.TargetError
	if !errors.As(err, &te) || te.Fix == "" {
		return err
	}
	cli := te.What + "; " + te.FixText("--api-key, JANUS_API_KEY or OPENAI_API_KEY", "--model", "--target")
	return &explained{msg: strings.Replace(err.Error(), te.Msg, cli, 1), err: err}
}

// explained is an error reworded for the command line.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

func knownCommand(app *ucli.App, name string) bool {
	if name == "help" || name == "h" {
		return true
	}
	for _, c := range app.Commands {
		if c.HasName(name) {
			return true
		}
	}
	return false
}

func walk(cmds []*ucli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		if len(c.Subcommands) > 0 {
			walk(c.Subcommands)
		}
	}
}

func onUsageError(c *ucli.Context, err error, _ bool) error {
	return &UsageError{Err: err}
}

// logger is the default logger configured by the global flags.
func logger() *slog.Logger { return slog.Default() }

// stdout returns the writer commands print results to.
func stdout(c *ucli.Context) io.Writer {
	if c.App.Writer != nil {
		return c.App.Writer
	}
	return os.Stdout
}
