// Command janus-load is the lean load client: `janus-load bench load` is
// `janus bench load` (the same flags, the same report, cli/loadcli) in a
// binary that links the load engine, its application and the evaluators
// but none of janus's other commands, stores, front ends or the gateway,
// nor the reference sim: it has no embedded target (a run needs --target)
// and runs no timing selftest, so that its resident memory is the load
// run's rather than janus's (docs/PERFORMANCE.md, the load client's RSS).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/cli/loadcli"
	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/internal/loadapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "janus-load: %v\n", err)
	}
	os.Exit(exitcode.Of(err))
}

// app is janus's command tree cut down to `bench load`, mounted with no
// embedded target and no selftest (loadapp.Mount{}).
func app(stdout, stderr io.Writer) *ucli.App {
	usage := func(_ *ucli.Context, err error, _ bool) error { return &loadcli.UsageError{Err: err} }
	load := loadcli.BenchLoadCommand(nil, loadapp.Mount{})
	load.OnUsageError = usage
	return &ucli.App{
		Name:           "janus-load",
		Usage:          "the lean load client: janus-load bench load takes janus bench load's flags and writes its report",
		Writer:         stdout,
		ErrWriter:      stderr,
		Flags:          loadcli.GlobalFlags(),
		Before:         func(c *ucli.Context) error { return loadcli.SetUpProcess(c, stderr) },
		OnUsageError:   usage,
		ExitErrHandler: func(*ucli.Context, error) {},
		Commands: []*ucli.Command{{
			Name:        "bench",
			Usage:       "load a target (bench load)",
			Subcommands: []*ucli.Command{load},
		}},
	}
}
