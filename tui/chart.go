package tui

import (
	"fmt"
	"math"
	"strings"
)

// chartSeries is one curve: its points joined in the order given (a load
// sweep's step order), each point's cell showing mark.
type chartSeries struct {
	pts  [][2]float64
	mark rune
}

// cellKind is what a chart cell shows, for colouring it.
type cellKind int

const (
	cellCurve  cellKind = iota // braille line between points
	cellMark                   // a point of a series
	cellKnee                   // the knee's point
	cellBudget                 // the horizontal budget line
)

// Chart runes. Marks overwrite the braille curve in their cell, so that
// two curves stay apart without colour (--no-color, the goldens).
const (
	markMain   = '●'
	markRef    = '○'
	markKnee   = '◆'
	budgetRune = '┄'
)

// chart is a small text plot: curves drawn in braille (2×4 dots a cell)
// over axes labelled with their min and max, an optional horizontal
// reference line (the TTFT budget) and the knee marked.
type chart struct {
	title  string
	xLabel string
	series []chartSeries
	// hline is a horizontal reference at this y; 0, negative, NaN or Inf
	// draw none.
	hline float64
	// knee is the index of the point of series[0] to mark; -1 is none.
	knee int
	// empty is said in the plot when no series has a point.
	empty string
	// paint colours a run of cells of one kind; nil leaves them plain.
	paint func(k cellKind, s string) string
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// axisRange spans lo..hi from zero (or from a negative minimum) to a
// round value, so that the min/max ticks read as 0 and 1, 2 or 5×10^k;
// one point or all-equal values still get a range to sit in.
func axisRange(lo, hi float64) (float64, float64) {
	if !finite(lo) || !finite(hi) { // nothing to show
		return 0, 1
	}
	lo, hi = min(lo, 0), max(hi, 0)
	if hi > 0 {
		hi = niceUp(hi)
	}
	if lo < 0 {
		lo = -niceUp(-lo)
	}
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// niceUp rounds v > 0 up to 1, 2 or 5 times a power of ten.
func niceUp(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v*(1-1e-12) {
			return m * p
		}
	}
	return 10 * p
}

// fmtTick prints an axis value in at most a few columns: 0, 0.5, 12, 300,
// 1.5k, 2M.
func fmtTick(v float64) string {
	trim := func(s string) string {
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	switch a := math.Abs(v); {
	case !finite(v):
		return "–"
	case a >= 1e6:
		return trim(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case a >= 1e3:
		return trim(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case a >= 10 || a == 0:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return trim(fmt.Sprintf("%.1f", v))
	}
	return trim(fmt.Sprintf("%.2g", v))
}

// braille dot bits by [row][column] inside a cell (Unicode's layout).
var brailleBits = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// render draws the chart in exactly h lines of at most w columns: the
// title, the plot rows with the y axis, the x axis and its labels. Below
// 4 lines or 12 columns there is no room for a plot and only the title
// is drawn.
func (c chart) render(w, h int) []string {
	if h <= 0 {
		return nil
	}
	lines := make([]string, h)
	if w <= 0 {
		return lines
	}
	paint := c.paint
	if paint == nil {
		paint = func(_ cellKind, s string) string { return s }
	}
	lines[0] = strings.TrimRight(pad(c.title, w), " ")
	ph := h - 3
	if ph < 1 || w < 12 {
		return lines
	}

	// Ranges over the finite points (and the reference line).
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	n := 0
	for _, s := range c.series {
		for _, p := range s.pts {
			if finite(p[0]) && finite(p[1]) {
				xlo, xhi, ylo, yhi = min(xlo, p[0]), max(xhi, p[0]), min(ylo, p[1]), max(yhi, p[1])
				n++
			}
		}
	}
	hasH := finite(c.hline) && c.hline > 0
	if hasH {
		ylo, yhi = min(ylo, c.hline), max(yhi, c.hline)
	}
	xlo, xhi = axisRange(xlo, xhi)
	ylo, yhi = axisRange(ylo, yhi)

	cols := func(s string) int { return len([]rune(s)) }
	lw := max(cols(fmtTick(ylo)), cols(fmtTick(yhi)))
	if hasH {
		lw = max(lw, cols(fmtTick(c.hline)))
	}
	pw := w - lw - 1
	gw, gh := 2*pw, 4*ph
	dotX := func(x float64) int { return int(math.Round((x - xlo) / (xhi - xlo) * float64(gw-1))) }
	dotY := func(y float64) int { return gh - 1 - int(math.Round((y-ylo)/(yhi-ylo)*float64(gh-1))) }

	dots := make([][]uint8, ph)
	marks := make([][]rune, ph)
	kinds := make([][]cellKind, ph)
	for i := range dots {
		dots[i], marks[i], kinds[i] = make([]uint8, pw), make([]rune, pw), make([]cellKind, pw)
	}
	set := func(x, y int) {
		if x >= 0 && x < gw && y >= 0 && y < gh {
			dots[y/4][x/2] |= brailleBits[y%4][x%2]
		}
	}
	line := func(x0, y0, x1, y1 int) { // Bresenham
		dx, dy := abs(x1-x0), -abs(y1-y0)
		sx, sy := sign(x1-x0), sign(y1-y0)
		e := dx + dy
		for {
			set(x0, y0)
			if x0 == x1 && y0 == y1 {
				return
			}
			e2 := 2 * e
			if e2 >= dy {
				e += dy
				x0 += sx
			}
			if e2 <= dx {
				e += dx
				y0 += sy
			}
		}
	}
	mark := func(x, y int, r rune, k cellKind) {
		if x >= 0 && x < gw && y >= 0 && y < gh {
			marks[y/4][x/2], kinds[y/4][x/2] = r, k
		}
	}
	// Curves first, then marks: the reference series under the main one,
	// the knee on top of all.
	for _, s := range c.series {
		prev, ok := [2]int{}, false
		for _, p := range s.pts {
			if !finite(p[0]) || !finite(p[1]) {
				ok = false // a gap in the curve rather than a line through nowhere
				continue
			}
			cur := [2]int{dotX(p[0]), dotY(p[1])}
			if ok {
				line(prev[0], prev[1], cur[0], cur[1])
			} else {
				set(cur[0], cur[1])
			}
			prev, ok = cur, true
		}
	}
	for i := len(c.series) - 1; i >= 0; i-- {
		s := c.series[i]
		for _, p := range s.pts {
			if !finite(p[0]) || !finite(p[1]) {
				continue
			}
			mark(dotX(p[0]), dotY(p[1]), s.mark, cellMark)
		}
	}
	if len(c.series) > 0 && c.knee >= 0 && c.knee < len(c.series[0].pts) {
		if p := c.series[0].pts[c.knee]; finite(p[0]) && finite(p[1]) { // the knee wins a shared cell
			mark(dotX(p[0]), dotY(p[1]), markKnee, cellKnee)
		}
	}
	hRow := -1
	if hasH {
		hRow = dotY(c.hline) / 4
		for x := range pw {
			if dots[hRow][x] == 0 && marks[hRow][x] == 0 {
				marks[hRow][x], kinds[hRow][x] = budgetRune, cellBudget
			}
		}
	}

	// The rows, y axis labelled at the top, the bottom and the budget.
	for r := range ph {
		label, tick := "", '│'
		switch {
		case r == hRow:
			label, tick = fmtTick(c.hline), '┤'
		case r == 0:
			label, tick = fmtTick(yhi), '┤'
		case r == ph-1:
			label, tick = fmtTick(ylo), '┤'
		}
		var b strings.Builder
		b.WriteString(fmt.Sprintf("%*s", lw, label))
		b.WriteRune(tick)
		// Runs of one kind are painted together.
		var run strings.Builder
		runKind := cellKind(-1)
		flush := func() {
			if run.Len() > 0 {
				b.WriteString(paint(runKind, run.String()))
				run.Reset()
			}
		}
		for x := range pw {
			ch, k := rune(0x2800+int(dots[r][x])), cellCurve
			if marks[r][x] != 0 {
				ch, k = marks[r][x], kinds[r][x]
			} else if dots[r][x] == 0 {
				ch = ' '
			}
			if k != runKind {
				flush()
				runKind = k
			}
			run.WriteRune(ch)
		}
		flush()
		lines[1+r] = strings.TrimRight(b.String(), " ")
	}
	if n == 0 && c.empty != "" {
		r := ph / 2
		msg := []rune(c.empty)
		if len(msg) > pw {
			msg = msg[:pw]
		}
		at := (pw - len(msg)) / 2
		prefix := []rune(lines[1+r])[:lw+1]
		lines[1+r] = string(prefix) + strings.Repeat(" ", at) + string(msg)
	}

	// The x axis and its min and max, the axis name between them.
	lines[h-2] = strings.Repeat(" ", lw) + "└" + strings.Repeat("─", pw)
	lo, hi := fmtTick(xlo), fmtTick(xhi)
	room := pw - cols(lo) - cols(hi)
	mid := strings.Repeat(" ", max(room, 0))
	if name := []rune(c.xLabel); room >= len(name)+2 {
		left := (room - len(name)) / 2
		mid = strings.Repeat(" ", left) + c.xLabel + strings.Repeat(" ", room-left-len(name))
	}
	xl := strings.Repeat(" ", lw+1) + lo + mid + hi
	if room < 1 {
		xl = strings.Repeat(" ", lw+1) + lo
	}
	lines[h-1] = xl
	return lines
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
