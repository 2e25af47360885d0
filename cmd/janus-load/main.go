// Command janus-load is the lean load client: `janus-load bench load` is
// `janus bench load` (the same flags, the same report, cli/loadcli) in a
// binary that links the load engine, its application and the evaluators
// but none of janus's other commands, stores, front ends or the gateway,
// nor the reference sim: it has no embedded target (a run needs --target)
// and runs no timing selftest, so that its resident memory is the load
// run's rather than janus's (docs/PERFORMANCE.md, the load client's RSS).
// It parses the command line itself, with loadcli's urfave/cli flags but
// not urfave/cli's App (cmdline.go says why), so its help is a plain list
// of the flags.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/janus-bench/janus/internal/exitcode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "janus-load: %v\n", err)
	}
	os.Exit(exitcode.Of(err))
}
