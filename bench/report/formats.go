package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/janus-bench/janus/record"

	"github.com/janus-bench/janus/scorer"
)

// Formats are the report formats by the names --format and --out-format
// use.
var Formats = []string{"text", "json", "md", "junit", "csv"}

// Writer returns the writer for format (one of Formats); thresholds feed
// the JUnit gates.
func Writer(format string, r *record.Report, thresholds []scorer.Threshold) (func(io.Writer) error, error) {
	switch format {
	case "text":
		return Text(r), nil
	case "json":
		return record.JSON(r), nil
	case "md":
		return Markdown(r), nil
	case "junit":
		return JUnit(r, thresholds), nil
	case "csv":
		return CSV(r), nil
	}
	return nil, fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(Formats, ", "))
}

// Output is one extra report file: a format and the path it goes to.
type Output struct {
	Format string
	Path   string
}

// ParseOutputs reads --out-format values written FORMAT=PATH
// ("md=report.md", "junit=report.xml", "csv=tasks.csv"). Each format may
// appear more than once, each path only once.
func ParseOutputs(specs []string) ([]Output, error) {
	var out []Output
	paths := map[string]bool{}
	for _, s := range specs {
		f, p, ok := strings.Cut(strings.TrimSpace(s), "=")
		f, p = strings.ToLower(strings.TrimSpace(f)), strings.TrimSpace(p)
		if !ok || f == "" || p == "" {
			return nil, fmt.Errorf("out-format %q: want FORMAT=PATH, e.g. md=report.md", s)
		}
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("out-format %q: unknown format %q (want %s)", s, f, strings.Join(Formats, ", "))
		}
		if paths[p] {
			return nil, fmt.Errorf("out-format %q: %s is already an output", s, p)
		}
		paths[p] = true
		out = append(out, Output{Format: f, Path: p})
	}
	return out, nil
}
