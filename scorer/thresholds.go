package scorer

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/record"
)

// Threshold is a CI gate: Dimension's value must be at least Min.
type Threshold struct {
	Dimension record.Dimension `json:"dimension"`
	Min       float64          `json:"min"`
}

// String is the gate as written on the command line ("composite≥70" is
// spelled "composite=70" there); used as the JUnit test case name.
func (t Threshold) String() string {
	return fmt.Sprintf("%s >= %s", t.Dimension, strconv.FormatFloat(t.Min, 'f', -1, 64))
}

// ParseThresholds reads --min-score gates on the composite and the default
// dimensions (Dimensions.ParseThresholds).
func ParseThresholds(s string) ([]Threshold, error) {
	return parseThresholds(s, record.WithComposite(record.DefaultDimensions()))
}

// ParseThresholds reads --min-score gates on the composite and ds, written
// as "composite=70,streaming=80", in the order given. An empty string means
// no gate. Unknown or repeated dimensions, a missing "=", and a minimum
// that is not a number in [0, 100] are errors.
func (ds Dimensions) ParseThresholds(s string) ([]Threshold, error) {
	return parseThresholds(s, record.WithComposite(ds.Names()))
}

func parseThresholds(s string, names []record.Dimension) ([]Threshold, error) {
	var out []Threshold
	seen := map[record.Dimension]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("min-score: %q: want dimension=minimum", part)
		}
		k := record.Dimension(strings.ToLower(strings.TrimSpace(name)))
		if !slices.Contains(names, k) {
			return nil, fmt.Errorf("min-score: unknown dimension %q (want %s)", k, joinDims(names, ", "))
		}
		if seen[k] {
			return nil, fmt.Errorf("min-score: %s given twice", k)
		}
		seen[k] = true
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
			return nil, fmt.Errorf("min-score: %s=%q: want a number from 0 to 100", k, strings.TrimSpace(v))
		}
		out = append(out, Threshold{Dimension: k, Min: f})
	}
	return out, nil
}

// ThresholdResult is a gate checked against scores.
type ThresholdResult struct {
	Threshold
	Value  float64 `json:"value"`
	Passed bool    `json:"passed"`
}

// Message is the one-line verdict, e.g. "streaming 62.5 < 80".
func (r ThresholdResult) Message() string {
	op := ">="
	if !r.Passed {
		op = "<"
	}
	return fmt.Sprintf("%s %s %s %s", r.Dimension, fmtAgainst(r.Value, r.Min), op, strconv.FormatFloat(r.Min, 'f', -1, 64))
}

// fmtAgainst shows v to one decimal, or with as many more as it takes for
// the shown number to fall on the same side of min as v does, so a failed
// gate never reads "70.0 < 70".
func fmtAgainst(v, min float64) string {
	for prec := 1; prec < 17; prec++ {
		s := strconv.FormatFloat(v, 'f', prec, 64)
		shown, _ := strconv.ParseFloat(s, 64)
		if (shown >= min) == (v >= min) {
			return s
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// CheckThresholds checks every gate against s, in order. A gate passes
// when the dimension's value is at least its minimum; the interval is not
// consulted, so a gate means the same as the number in the report.
func CheckThresholds(s record.Scores, th []Threshold) []ThresholdResult {
	out := make([]ThresholdResult, 0, len(th))
	for _, t := range th {
		d, _ := s.Lookup(t.Dimension)
		out = append(out, ThresholdResult{Threshold: t, Value: d.Value, Passed: d.Value >= t.Min})
	}
	return out
}
