package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/janus-bench/janus/stats"
)

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// spark draws the last width values as a sparkline scaled from their
// minimum to their maximum, so that a steady series shows its wiggles; a
// flat one is a flat mid-height line.
func spark(vals []float64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	var b strings.Builder
	top := len(sparkRunes) - 1
	for _, v := range vals {
		i := top / 2
		if hi > lo {
			i = int(math.Round((v - lo) / (hi - lo) * float64(top)))
		}
		b.WriteRune(sparkRunes[min(max(i, 0), top)])
	}
	return b.String() + strings.Repeat(" ", width-len(vals))
}

// bar draws frac (0–1) as a bar of width cells.
func bar(frac float64, width int) string {
	if width <= 0 {
		return ""
	}
	n := int(math.Round(min(max(frac, 0), 1) * float64(width)))
	return strings.Repeat("█", n) + strings.Repeat("░", width-n)
}

// ciBar draws a 0–100 value with its interval: solid up to the lower bound,
// shaded across the interval, light beyond.
func ciBar(v float64, ci *[2]float64, width int) string {
	lo, hi := v, v
	if ci != nil {
		lo, hi = ci[0], ci[1]
	}
	cell := func(x float64) int { return int(math.Round(min(max(x, 0), 100) / 100 * float64(width))) }
	a, c := cell(lo), cell(hi)
	if c < a {
		a, c = c, a
	}
	if ci != nil && c == a && c < width {
		c++ // an interval is always visible
	}
	return strings.Repeat("█", a) + strings.Repeat("▒", c-a) + strings.Repeat("░", width-c)
}

// median of vals: their high median (stats.HighMedian), NaN when empty.
func median(vals []float64) float64 {
	if v, ok := stats.HighMedian(vals); ok {
		return v
	}
	return math.NaN()
}

// fmtMs prints a millisecond figure compactly; NaN is "–".
func fmtMs(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 10000:
		return fmt.Sprintf("%.1fs", v/1000)
	default:
		return fmt.Sprintf("%.0fms", v)
	}
}

// fmtDur prints a duration as m:ss (or h:mm:ss).
func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// pad cuts or pads s to exactly n display columns (plain text only).
func pad(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		if n <= 1 {
			return string(r[:n])
		}
		return string(r[:n-1]) + "…"
	}
	return s + strings.Repeat(" ", n-len(r))
}

// nanF is an undefined figure (printed "–").
var nanF = math.NaN()
