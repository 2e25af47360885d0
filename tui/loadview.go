package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/janus-bench/janus/bench/load"
)

// What the live load screen and the load results screen draw alike: the
// table of finished steps and the two curves.

// fmtRate prints a per-second figure: one decimal below 100, none above
// (412 req/s, 28.5 req/s).
func fmtRate(v float64) string {
	switch {
	case !finite(v):
		return "–"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// fmtLatency prints a latency percentile; a step with no sample has none.
func fmtLatency(l load.Latency, v float64) string {
	if l.N == 0 && v == 0 {
		return "–"
	}
	return fmtMs(v)
}

// capacityLine states the knee, as the text report does.
func capacityLine(st styles, steps []load.StepSummary, knee int) string {
	if knee < 0 || knee >= len(steps) {
		if len(steps) == 0 {
			return st.dim.Render("capacity: no step finished yet")
		}
		return st.warn.Render("capacity: no step met the budgets")
	}
	s := steps[knee]
	return st.pass.Render(fmt.Sprintf("capacity: %s, %s req/s, goodput %s/s", s.Label, fmtRate(s.Throughput), fmtRate(s.Goodput)))
}

var stepsHead = fmt.Sprintf("  %-11s %7s %7s %9s %9s %8s %6s %6s  %s", "load", "req/s", "good/s", "ttft p50", "ttft p99", "gap p99", "err%", "viol%", "meets")

// stepsTable is the header and one row per step, the knee marked ◆; at
// most rows rows (the last ones, with a line saying how many are left
// out).
func stepsTable(st styles, steps []load.StepSummary, knee, rows int) []string {
	out := []string{st.header.Render(stepsHead)}
	from := 0
	if len(steps) > rows {
		from = len(steps) - max(rows-1, 0)
		out = append(out, st.dim.Render(fmt.Sprintf("  … %d earlier steps in the report", from)))
	}
	for i := from; i < len(steps); i++ {
		s := steps[i]
		mark, meets := "  ", st.fail.Render("no")
		if i == knee {
			mark = st.pass.Render("◆ ")
		}
		if s.MeetsBudgets {
			meets = st.pass.Render("yes")
		}
		out = append(out, fmt.Sprintf("%s%-11s %7s %7s %9s %9s %8s %6.1f %6.1f  %s", mark, pad(s.Label, 11), fmtRate(s.Throughput), fmtRate(s.Goodput),
			fmtLatency(s.TTFT, s.TTFT.P50), fmtLatency(s.TTFT, s.TTFT.P99), fmtLatency(s.MaxGap, s.MaxGap.P99), 100*s.ErrorRate, 100*s.ViolationRate, meets))
	}
	return out
}

// maxChartLines bounds a chart's height: on a tall terminal the curves
// read better squat than stretched.
const maxChartLines = 16

// loadCharts draws TTFT p99 against throughput (the budget as a line) and
// goodput and throughput against the offered load, the knee marked on
// both: side by side when the width allows, else one above the other, in
// at most h lines of w columns.
func loadCharts(st styles, steps []load.StepSummary, knee int, budgetMs float64, w, h int) []string {
	if h < 4 {
		return nil
	}
	var lat, good, thr [][2]float64
	xName := "load"
	for _, s := range steps {
		lat = append(lat, [2]float64{s.Throughput, s.TTFT.P99})
		good = append(good, [2]float64{s.Step.Load(), s.Goodput})
		thr = append(thr, [2]float64{s.Step.Load(), s.Throughput})
		xName = "c"
		if s.Step.Open() {
			xName = "rate/s"
		}
	}
	paint := func(k cellKind, s string) string {
		switch k {
		case cellKnee:
			return st.pass.Render(s)
		case cellBudget:
			return st.fail.Render(s)
		case cellMark:
			return st.label.Render(s)
		}
		return s
	}
	// A budget far above every point would squash the curve into the
	// bottom row: it is left off the scale and named in the title.
	title := "TTFT p99 ms vs req/s  ┄ budget"
	top := math.Inf(-1)
	for _, p := range lat {
		if finite(p[1]) {
			top = max(top, p[1])
		}
	}
	if finite(top) && top > 0 && top*4 < budgetMs {
		title = fmt.Sprintf("TTFT p99 ms vs req/s  (budget %s ↑)", fmtMs(budgetMs))
		budgetMs = math.NaN()
	}
	a := chart{title: title, xLabel: "req/s", series: []chartSeries{{pts: lat, mark: markMain}},
		hline: budgetMs, knee: knee, empty: "no step yet", paint: paint}
	b := chart{title: "goodput ● req/s ○ vs " + xName + "  ◆ knee", xLabel: xName,
		series: []chartSeries{{pts: good, mark: markMain}, {pts: thr, mark: markRef}}, knee: knee, empty: "no step yet", paint: paint}
	if w >= 60 {
		cw := (w - 2) / 2
		return sideBySide(a.render(cw, h), b.render(cw, h), cw, 2)
	}
	ha := h / 2
	return append(a.render(w, ha), b.render(w, h-ha)...)
}

// sideBySide joins two columns of lines, the left padded to width lw.
func sideBySide(left, right []string, lw, gap int) []string {
	n := max(len(left), len(right))
	out := make([]string, n)
	for i := range n {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = strings.TrimRight(l+strings.Repeat(" ", max(lw-ansi.StringWidth(l), 0)+gap)+r, " ")
	}
	return out
}
