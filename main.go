// Command janus benchmarks and scores OpenAI-compatible chat completion
// endpoints. All behaviour lives in the libraries; main only wires signals,
// runs the command tree and turns the returned error into an exit code.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/janus-bench/janus/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "janus: %v\n", err)
	}
	os.Exit(cli.ExitCode(err))
}
