package cli

import (
	"github.com/janus-bench/janus/cli/loadcli"
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

// UsageError is a bad command line (one type for janus and janus-load).
type UsageError = loadcli.UsageError

func usageErrorf(format string, args ...any) error { return loadcli.Usagef(format, args...) }

// ExitCode maps an error returned by Run to the process exit code: the
// errors of every package declare theirs (exitcode.Coder).
func ExitCode(err error) int { return exitcode.Of(err) }
