// Package bench is the janus engine: it runs a suite's tasks against a
// target with a pool of workers, turns every response into a trace, scores
// it, and streams results to the report writers as they finish.
//
// A Go program embeds a run with Run (ExampleRun: a suite of its own
// against an OpenAI-compatible target) and compares two reports with
// Compare (ExampleCompare).
package bench

import (
	"fmt"

	"github.com/janus-bench/janus/internal/exitcode"
)

// InputError is a problem with what the user asked for (a flag value, a
// suite, an unreachable target at start). The CLI maps it to exit code 2.
type InputError struct {
	Op  string
	Err error
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %v", e.Op, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// ExitCode makes bad input end the process with the usage code.
func (e *InputError) ExitCode() int { return exitcode.Usage }

// ErrInterrupted is returned when a run was stopped (Ctrl-C) after writing
// its partial report; errors.Is finds it in every *InterruptedError.
var ErrInterrupted = exitcode.New(exitcode.Interrupted, "run interrupted; partial report written")

// InterruptedError is an interrupted run's error: Msg says where its
// report is and how to go on, which differs between commands (bench run
// resumes, bench load cannot).
type InterruptedError struct {
	Msg string
	// Partial is the report a bench run left to resume from (empty for a
	// load run, which does not resume): the CLI names its --resume there.
	Partial string
}

func (e *InterruptedError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrInterrupted) true.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// ExitCode makes an interrupted run end the process with 130.
func (e *InterruptedError) ExitCode() int { return exitcode.Interrupted }

// ThresholdError says the run finished but failed a CI gate; exit code 3.
type ThresholdError struct{ Msg string }

func (e *ThresholdError) Error() string { return e.Msg }

// ExitCode makes a failed gate end the process with the threshold code.
func (e *ThresholdError) ExitCode() int { return exitcode.Threshold }
