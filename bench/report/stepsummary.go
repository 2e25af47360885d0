package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// StepSummary is the CI job summary of a run ($GITHUB_STEP_SUMMARY): the
// Markdown summary, then the gate verdict (every --min-score gate with its
// value, or "no gates") and two text charts GitHub shows as they are (it
// strips the inline SVG of the full Markdown report): the dimensions as
// bars with their 95% intervals, and the TTFT distribution.
func StepSummary(r *record.Report, gates []scorer.Threshold) func(io.Writer) error {
	return func(w io.Writer) error {
		if err := MarkdownSummary(r)(w); err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString("\n## Gate\n\n")
		res := scorer.CheckThresholds(r.Scores, gates)
		failed := 0
		for _, g := range res {
			mark := "pass"
			if !g.Passed {
				mark, failed = "**FAIL**", failed+1
			}
			fmt.Fprintf(&b, "- %s: %s\n", mark, g.Message())
		}
		switch {
		case len(res) == 0:
			b.WriteString("No gates (`--min-score`): the run is not gated.\n")
		case failed > 0:
			fmt.Fprintf(&b, "\n**Gate failed**: %d of %d gates missed (exit 3).\n", failed, len(res))
		default:
			fmt.Fprintf(&b, "\n**Gate passed**: all %d gates met.\n", len(res))
		}
		b.WriteString("\n## Charts\n\n```text\n")
		b.WriteString(scoreBars(r.Scores))
		b.WriteString("\n")
		b.WriteString(ttftHistogram(r.Tasks))
		b.WriteString("```\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
}

const chartWidth = 40

// scoreBars draws each dimension as a bar of chartWidth cells for 0–100:
// solid up to the interval's lower bound, shaded across the interval.
func scoreBars(s record.Scores) string {
	var b strings.Builder
	b.WriteString("score (█ up to the 95% interval's low end, ▒ across the interval)\n")
	for _, name := range record.WithComposite(s.Names()) {
		dim := s[name]
		lo, hi := dim.Value, dim.Value
		if dim.CI95 != nil {
			lo, hi = dim.CI95[0], dim.CI95[1]
		}
		cell := func(v float64) int { return int(math.Round(math.Max(0, math.Min(100, v)) / 100 * chartWidth)) }
		solid, shade := cell(lo), max(cell(hi)-cell(lo), 0)
		fmt.Fprintf(&b, "%-10s %5.1f |%s%s%s|\n", name, dim.Value, strings.Repeat("█", solid), strings.Repeat("▒", shade),
			strings.Repeat(" ", max(chartWidth-solid-shade, 0)))
	}
	return b.String()
}

// ttftHistogram counts the tasks' TTFT in ten equal bins.
func ttftHistogram(tasks []record.TaskResult) string {
	var vs []float64
	for _, t := range tasks {
		if t.Metrics.TTFTMs != nil {
			vs = append(vs, *t.Metrics.TTFTMs)
		}
	}
	if len(vs) == 0 {
		return "ttft: no task has a first token\n"
	}
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	const bins = 10
	var counts [bins]int
	width := (hi - lo) / bins
	for _, v := range vs {
		i := bins - 1
		if width > 0 {
			i = min(int((v-lo)/width), bins-1)
		}
		counts[i]++
	}
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ttft (ms), %d tasks\n", len(vs))
	for i, c := range counts {
		if width == 0 && i < bins-1 {
			continue
		}
		from := lo + float64(i)*width
		fmt.Fprintf(&b, "%8.0f–%-8.0f %4d |%s\n", from, from+width, c, strings.Repeat("█", c*chartWidth/max(most, 1)))
	}
	return b.String()
}
