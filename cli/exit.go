package cli

import (
	"errors"
	"fmt"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/container"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/suites"
)

// Exit codes, the same for every command.
const (
	ExitOK          = 0
	ExitRuntime     = 1 // the harness or the run failed
	ExitUsage       = 2 // bad flag, bad suite file, unreachable target at start
	ExitThreshold   = 3 // a CI threshold or regression gate failed
	ExitTarget      = 4 // the target refused the run (key, model) or failed every request alike: not a score
	ExitInterrupted = 130
)

// UsageError is a bad command line.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by Run to the process exit code.
func ExitCode(err error) int {
	var (
		usage     *UsageError
		input     *bench.InputError
		notFound  *suites.NotFoundError
		format    *suites.FormatError
		invalid   *suites.ValidationError
		threshold *bench.ThresholdError
		store     *leaderboard.InputError
		image     *container.ImageError
		env       *container.EnvError
		target    *bench.TargetError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, bench.ErrInterrupted), errors.Is(err, container.ErrInterrupted):
		return ExitInterrupted
	case errors.As(err, &threshold):
		return ExitThreshold
	case errors.As(err, &target):
		return ExitTarget
	case errors.As(err, &usage), errors.As(err, &input), errors.As(err, &notFound), errors.As(err, &format),
		errors.As(err, &invalid), errors.As(err, &store), errors.As(err, &image), errors.As(err, &env):
		return ExitUsage
	}
	return ExitRuntime
}
