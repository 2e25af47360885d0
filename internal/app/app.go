// Package app is what janus's commands and its terminal UI do around the
// engine that the engine leaves to them: where run reports go by default,
// which partial run a resume continues, where the last selftest is kept
// (and the environment variable that moves it) and the process's
// open-file limit. The engine packages (bench, bench/load, …) take these
// as typed options and never decide them.
package app

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
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
