//go:build !linux

package coderun

import (
	"context"
	"errors"
)

// errNeedsLinux is why code cannot run here: the limits rely on Linux
// rlimits and namespaces.
var errNeedsLinux = errors.New("code runners need Linux (rlimits, namespaces)")

// spawn reports every run as skipped: without the Linux limits a run could
// take the harness down.
func spawn(_ context.Context, _ job, _ Limits, _ []string) Result {
	return Result{Status: StatusSkipped, Reason: "skipped: " + errNeedsLinux.Error()}
}

// limitSelf cannot limit a process here.
func limitSelf(_ job, _ int64) error { return errNeedsLinux }

// execPython cannot run Python here.
func execPython(_ job) error { return errNeedsLinux }
