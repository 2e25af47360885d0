// Package app is what janus's commands and its terminal UI do around the
// engine that the engine leaves to them: where run reports go by default,
// which partial run a resume continues, where the last selftest is kept
// (and the environment variable that moves it) and the process's
// open-file limit. The engine packages (bench, bench/load, …) take these
// as typed options and never decide them.
package app

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/janus-bench/janus/bench"
)

// DefaultOutDir is the directory run reports go to when no path is given.
const DefaultOutDir = "runs"

// unsafeChars are what a report file name must not hold of a model id.
var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ReportPath is a run's default report path: <dir>/<UTC time>-<model>.json,
// so that reports sort by start time and name what they measured.
func ReportPath(dir string, now time.Time, model string) string {
	name := unsafeChars.ReplaceAllString(model, "_")
	if name == "" {
		name = "model"
	}
	return filepath.Join(dir, now.UTC().Format("20060102T150405Z")+"-"+name+".json")
}

// LatestPartial finds the newest *.json.partial.jsonl under dir and
// returns the report path it belongs to: the run a resume with no report
// path continues.
func LatestPartial(dir string) (string, error) {
	m, _ := filepath.Glob(filepath.Join(dir, "*.json.partial.jsonl"))
	if len(m) == 0 {
		return "", fmt.Errorf("no partial run under %s/; give the report path of the run to resume", dir)
	}
	sort.Strings(m) // names start with the UTC start time
	return strings.TrimSuffix(m[len(m)-1], ".partial.jsonl"), nil
}

// SelftestEnv names the variable that moves the saved selftest (tests
// point it at a file of their own, or at none).
const SelftestEnv = "JANUS_SELFTEST_FILE"

// SelftestPath is where `janus bench selftest` keeps its result and where
// runs read it back for their reports' harness block: $JANUS_SELFTEST_FILE,
// else janus/selftest.json in the user's cache directory (or the temporary
// directory when there is none).
func SelftestPath() string {
	if p := os.Getenv(SelftestEnv); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "janus", "selftest.json")
}

// RaiseFileLimit lifts the open-file soft limit to the hard limit and
// fails with a clear message (an input error: exit 2) when even that is
// below need. A limit it cannot read is left to the dial errors.
func RaiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < need {
		return &bench.InputError{Op: "open-file limit", Err: fmt.Errorf("need %d open files, the hard limit (ulimit -Hn) is %d", need, lim.Cur)}
	}
	return nil
}
