package tui

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

func pts(v ...float64) [][2]float64 {
	var p [][2]float64
	for i := 0; i+1 < len(v); i += 2 {
		p = append(p, [2]float64{v[i], v[i+1]})
	}
	return p
}

// TestChartRender checks what each chart shows and that it always fits.
func TestChartRender(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	sweep := pts(1, 100, 4, 120, 16, 410, 64, 900)
	cases := []struct {
		name string
		c    chart
		w, h int
		// want are substrings of the drawing; marks counts ● ○ ◆ cells.
		want              []string
		main, ref, knee   int
		braille, noBudget bool
	}{
		// No step yet: the axes and the message, no mark.
		{"empty", chart{title: "t", empty: "no steps yet", knee: -1}, 40, 10, []string{"no steps yet", "└", "0"}, 0, 0, 0, false, true},
		// One point: a mark alone, the range from 0 to a round value above it.
		{"one point", chart{title: "t", series: []chartSeries{{pts: pts(4, 120), mark: markMain}}, knee: -1}, 40, 10, []string{"200┤", "5"}, 1, 0, 0, false, true},
		// A sweep with its knee and the budget line: three marks, the knee,
		// braille between them and the budget's row labelled.
		{"sweep", chart{title: "t", series: []chartSeries{{pts: sweep, mark: markMain}}, knee: 1, hline: 300}, 60, 14, []string{"300┤", "1k┤", "┄"}, 3, 0, 1, true, false},
		// Two series: the reference's marks show where they do not share a cell.
		{"two series", chart{title: "t", series: []chartSeries{{pts: pts(1, 1, 4, 4, 16, 8), mark: markMain}, {pts: pts(1, 1, 4, 4, 16, 16), mark: markRef}}, knee: -1}, 60, 14, nil, 3, 1, 0, true, true},
		// NaN and Inf points are left out (a gap), never drawn nor labelled.
		{"nan inf", chart{title: "t", series: []chartSeries{{pts: pts(1, 10, nan, 5, 2, inf, 3, 30), mark: markMain}}, knee: -1, hline: nan}, 40, 10, []string{"50┤"}, 2, 0, 0, false, true},
		// Only non-finite values: treated as empty.
		{"all nan", chart{title: "t", series: []chartSeries{{pts: pts(nan, nan, inf, 1), mark: markMain}}, empty: "none", knee: -1}, 40, 10, []string{"none", "1┤"}, 0, 0, 0, false, true},
		// All zeros: a range of 0–1 rather than a division by zero.
		{"zeros", chart{title: "t", series: []chartSeries{{pts: pts(0, 0, 0, 0), mark: markMain}}, knee: 0}, 40, 8, []string{"1┤", "0┤"}, 0, 0, 1, false, true},
		// Negative values get a negative axis end.
		{"negative", chart{title: "t", series: []chartSeries{{pts: pts(-3, -40, 2, 10), mark: markMain}}, knee: -1}, 40, 8, []string{"-50┤", "-5"}, 2, 0, 0, true, true},
		// A knee index beyond the points is ignored.
		{"knee out of range", chart{title: "t", series: []chartSeries{{pts: pts(1, 1), mark: markMain}}, knee: 7}, 30, 8, nil, 1, 0, 0, false, true},
		// Too small for a plot: the title alone, cut to the width.
		{"tiny", chart{title: "a long title", series: []chartSeries{{pts: sweep, mark: markMain}}, knee: 1, hline: 300}, 6, 3, []string{"a lon…"}, 0, 0, 0, false, true},
		// Many points at a narrow width still fit; the marks cover the curve.
		{"many narrow", chart{title: "t", series: []chartSeries{{pts: func() [][2]float64 {
			var p [][2]float64
			for i := range 200 {
				p = append(p, [2]float64{float64(i), math.Sqrt(float64(i))})
			}
			return p
		}(), mark: markMain}}, knee: 150, hline: 7}, 14, 6, []string{"└"}, -1, 0, 1, false, false}, // every curve cell holds a mark
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := c.c.render(c.w, c.h)
			if len(lines) != c.h {
				t.Fatalf("%d lines, want %d", len(lines), c.h)
			}
			all := strings.Join(lines, "\n")
			for i, l := range lines {
				if n := len([]rune(l)); n > c.w {
					t.Errorf("line %d is %d wide, more than %d: %q", i, n, c.w, l)
				}
			}
			for _, s := range c.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in\n%s", s, all)
				}
			}
			if strings.Contains(all, "NaN") || strings.Contains(all, "Inf") {
				t.Errorf("non-finite value printed:\n%s", all)
			}
			count := func(r rune) int { return strings.Count(all, string(r)) }
			if c.main >= 0 && count(markMain) != c.main {
				t.Errorf("%d ● marks, want %d:\n%s", count(markMain), c.main, all)
			}
			if count(markRef) != c.ref || count(markKnee) != c.knee {
				t.Errorf("%d ○ and %d ◆, want %d and %d:\n%s", count(markRef), count(markKnee), c.ref, c.knee, all)
			}
			hasBraille := strings.ContainsFunc(all, func(r rune) bool { return r > 0x2800 && r <= 0x28ff })
			if hasBraille != c.braille {
				t.Errorf("braille drawn %v, want %v:\n%s", hasBraille, c.braille, all)
			}
			if strings.ContainsRune(all, budgetRune) == c.noBudget {
				t.Errorf("budget line drawn %v, want %v:\n%s", !c.noBudget, !c.noBudget, all)
			}
		})
	}
}

// TestChartFits: at every size from nothing to a wide terminal the chart
// has exactly the lines asked for, none wider than asked.
func TestChartFits(t *testing.T) {
	c := chart{title: "TTFT p99 vs throughput", xLabel: "req/s", series: []chartSeries{{pts: pts(1, 100, 4, 120, 16, 410), mark: markMain}}, knee: 1, hline: 300}
	for w := 0; w <= 50; w += 5 {
		for h := 0; h <= 12; h++ {
			lines := c.render(w, h)
			if len(lines) != h {
				t.Fatalf("%dx%d: %d lines", w, h, len(lines))
			}
			for _, l := range lines {
				if len([]rune(l)) > w {
					t.Fatalf("%dx%d: line %q too wide", w, h, l)
				}
			}
		}
	}
}

// TestFmtTick prints axis ends compactly.
func TestFmtTick(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{0, "0"},            // zero
		{0.5, "0.5"},        // below one
		{0.002, "0.002"},    // small, not in e-notation
		{2.5, "2.5"},        // one decimal
		{50, "50"},          // whole
		{300, "300"},        // a budget
		{1000, "1k"},        // thousands
		{1500, "1.5k"},      // with a decimal
		{2e6, "2M"},         // millions
		{-50, "-50"},        // negative
		{math.NaN(), "–"},   // not a number
		{math.Inf(-1), "–"}, // infinite
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := fmtTick(c.v); got != c.want {
				t.Errorf("fmtTick(%v) = %q, want %q", c.v, got, c.want)
			}
		})
	}
}

// TestChartGolden pins the drawing of a sweep at the two chart sizes the
// load screens use at 80×24 and 120×40.
func TestChartGolden(t *testing.T) {
	c := chart{title: "TTFT p99 ms vs req/s", xLabel: "req/s", series: []chartSeries{{pts: pts(9.8, 101, 28, 118, 29.7, 410, 30.2, 1900), mark: markMain}}, knee: 1, hline: 300}
	for _, sz := range []struct{ w, h int }{{39, 10}, {59, 16}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			golden.RequireEqual(t, []byte(strings.Join(c.render(sz.w, sz.h), "\n")))
		})
	}
}

// TestChartLinesEnd: a curve between any two points is drawn and ends
// (every direction, steep and flat, at a size where rounding matters).
func TestChartLinesEnd(t *testing.T) {
	vals := []float64{0, 0.3, 1, 2.5, 7, 10}
	for i, x0 := range vals {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for _, y0 := range vals {
				for _, x1 := range vals {
					for _, y1 := range vals {
						c := chart{title: "t", series: []chartSeries{{pts: pts(x0, y0, x1, y1), mark: markMain}}, knee: -1}
						if lines := c.render(23, 9); len(lines) != 9 {
							t.Fatalf("(%g,%g)–(%g,%g): %d lines", x0, y0, x1, y1, len(lines))
						}
					}
				}
			}
		})
	}
}
