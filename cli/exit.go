package cli

import (
	"fmt"

	"github.com/janus-bench/janus/internal/exitcode"
)

// Exit codes, the same for every command (internal/exitcode defines them;
// these names are the CLI's).
const (
	ExitOK          = exitcode.OK
	ExitRuntime     = exitcode.Runtime     // the harness or the run failed
	ExitUsage       = exitcode.Usage       // bad flag, bad suite file, unreachable target at start
	ExitThreshold   = exitcode.Threshold   // a CI threshold or regression gate failed
	ExitTarget      = exitcode.Target      // the target refused the run (key, model) or failed every request alike: not a score
	ExitInterrupted = exitcode.Interrupted // Ctrl-C
)

// UsageError is a bad command line.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ExitCode makes a bad command line end the process with the usage code.
func (e *UsageError) ExitCode() int { return exitcode.Usage }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by Run to the process exit code: the
// errors of every package declare theirs (exitcode.Coder).
func ExitCode(err error) int { return exitcode.Of(err) }
