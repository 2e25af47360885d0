package bench

import (
	"context"
	"errors"

	"github.com/janus-bench/janus/suites"
)

// StartTarget starts a target janus runs itself (the embedded reference
// target) and returns its base URL, ending in /v1, and a stop func. The
// engine knows only that URL: the application builds the func
// (baseline/reference.Starter, from its flags) and hands it down, so the
// engine never links what it measures. suite is the run's suite (nil for
// a probe or a conformance check); memory says the run has memory tasks,
// so the target needs a memory service beside it.
type StartTarget func(ctx context.Context, suite *suites.Suite, memory bool) (url string, stop func(), err error)

// errNoTarget is why a run, probe or check with neither a target URL nor
// a start func cannot begin.
var errNoTarget = errors.New("no target: give a base URL ending in /v1, or a start func for the embedded reference target")

// errNoReportPath is why a run with neither a report path nor a way to
// name one (or a resume without the path of the run it continues) cannot
// begin: where reports go, and which run a resume picks, is the
// application's to say.
var errNoReportPath = errors.New("no report path: give the report's path, or a func naming it from the model (a resume needs the path)")

// hasMemoryTasks reports whether any task is a memory task.
func hasMemoryTasks(tasks []suites.Task) bool {
	for i := range tasks {
		if tasks[i].Memory != nil {
			return true
		}
	}
	return false
}
