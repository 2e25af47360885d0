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
	sc, n := c.scale()
	lw := max(cols(fmtTick(sc.ylo)), cols(fmtTick(sc.yhi)))
	if c.hasBudget() {
		lw = max(lw, cols(fmtTick(c.hline)))
	}
	pw := w - lw - 1
	sc.gw, sc.gh = 2*pw, 4*ph
	cv := newCanvas(pw, ph)
	c.plot(cv, sc)
	hRow := -1
	if c.hasBudget() {
		hRow = sc.y(c.hline) / 4
		cv.budget(hRow)
	}
	// The rows, y axis labelled at the top, the bottom and the budget.
	for r := range ph {
		label, tick := "", '│'
		switch {
		case r == hRow:
			label, tick = fmtTick(c.hline), '┤'
		case r == 0:
			label, tick = fmtTick(sc.yhi), '┤'
		case r == ph-1:
			label, tick = fmtTick(sc.ylo), '┤'
		}
		lines[1+r] = strings.TrimRight(fmt.Sprintf("%*s", lw, label)+string(tick)+cv.row(r, paint), " ")
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
	lines[h-2], lines[h-1] = c.xAxis(lw, pw, sc)
	return lines
}

func cols(s string) int { return len([]rune(s)) }

// hasBudget reports whether the chart draws a reference line.
func (c chart) hasBudget() bool { return finite(c.hline) && c.hline > 0 }

// scale maps data to braille dots: gw×gh dots over the axis ranges.
type scale struct {
	xlo, xhi, ylo, yhi float64
	gw, gh             int
}

func (s scale) x(v float64) int {
	return int(math.Round((v - s.xlo) / (s.xhi - s.xlo) * float64(s.gw-1)))
}

func (s scale) y(v float64) int {
	return s.gh - 1 - int(math.Round((v-s.ylo)/(s.yhi-s.ylo)*float64(s.gh-1)))
}

// scale is the axis ranges over the finite points (and the reference
// line), and how many finite points there are.
func (c chart) scale() (scale, int) {
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
	if c.hasBudget() {
		ylo, yhi = min(ylo, c.hline), max(yhi, c.hline)
	}
	var sc scale
	sc.xlo, sc.xhi = axisRange(xlo, xhi)
	sc.ylo, sc.yhi = axisRange(ylo, yhi)
	return sc, n
}

// plot draws the curves first, then the marks: the reference series under
// the main one, the knee on top of all.
func (c chart) plot(cv *canvas, sc scale) {
	for _, s := range c.series {
		prev, ok := [2]int{}, false
		for _, p := range s.pts {
			if !finite(p[0]) || !finite(p[1]) {
				ok = false // a gap in the curve rather than a line through nowhere
				continue
			}
			cur := [2]int{sc.x(p[0]), sc.y(p[1])}
			if ok {
				cv.line(prev[0], prev[1], cur[0], cur[1])
			} else {
				cv.set(cur[0], cur[1])
			}
			prev, ok = cur, true
		}
	}
	for i := len(c.series) - 1; i >= 0; i-- {
		s := c.series[i]
		for _, p := range s.pts {
			if finite(p[0]) && finite(p[1]) {
				cv.mark(sc.x(p[0]), sc.y(p[1]), s.mark, cellMark)
			}
		}
	}
	if len(c.series) > 0 && c.knee >= 0 && c.knee < len(c.series[0].pts) {
		if p := c.series[0].pts[c.knee]; finite(p[0]) && finite(p[1]) { // the knee wins a shared cell
			cv.mark(sc.x(p[0]), sc.y(p[1]), markKnee, cellKnee)
		}
	}
}

// xAxis is the x axis line and, under it, its min and max with the axis
// name between them.
func (c chart) xAxis(lw, pw int, sc scale) (axis, labels string) {
	axis = strings.Repeat(" ", lw) + "└" + strings.Repeat("─", pw)
	lo, hi := fmtTick(sc.xlo), fmtTick(sc.xhi)
	room := pw - cols(lo) - cols(hi)
	if room < 1 {
		return axis, strings.Repeat(" ", lw+1) + lo
	}
	mid := strings.Repeat(" ", room)
	if name := []rune(c.xLabel); room >= len(name)+2 {
		left := (room - len(name)) / 2
		mid = strings.Repeat(" ", left) + c.xLabel + strings.Repeat(" ", room-left-len(name))
	}
	return axis, strings.Repeat(" ", lw+1) + lo + mid + hi
}

// canvas is the plot area, pw×ph cells of 2×4 braille dots, with marks
// (points, the knee, the budget line) drawn over the dots.
type canvas struct {
	pw, ph int
	dots   [][]uint8
	marks  [][]rune
	kinds  [][]cellKind
}

func newCanvas(pw, ph int) *canvas {
	cv := &canvas{pw: pw, ph: ph, dots: make([][]uint8, ph), marks: make([][]rune, ph), kinds: make([][]cellKind, ph)}
	for i := range ph {
		cv.dots[i], cv.marks[i], cv.kinds[i] = make([]uint8, pw), make([]rune, pw), make([]cellKind, pw)
	}
	return cv
}

// set lights the dot at (x, y); dots off the canvas are dropped.
func (cv *canvas) set(x, y int) {
	if x >= 0 && x < 2*cv.pw && y >= 0 && y < 4*cv.ph {
		cv.dots[y/4][x/2] |= brailleBits[y%4][x%2]
	}
}

// line draws a straight line of dots (Bresenham).
func (cv *canvas) line(x0, y0, x1, y1 int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		cv.set(x0, y0)
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

// mark puts r in the cell holding dot (x, y).
func (cv *canvas) mark(x, y int, r rune, k cellKind) {
	if x >= 0 && x < 2*cv.pw && y >= 0 && y < 4*cv.ph {
		cv.marks[y/4][x/2], cv.kinds[y/4][x/2] = r, k
	}
}

// budget draws the reference line on row r where nothing else is.
func (cv *canvas) budget(r int) {
	for x := range cv.pw {
		if cv.dots[r][x] == 0 && cv.marks[r][x] == 0 {
			cv.marks[r][x], cv.kinds[r][x] = budgetRune, cellBudget
		}
	}
}

// row is row r's cells, runs of one kind painted together.
func (cv *canvas) row(r int, paint func(cellKind, string) string) string {
	var b, run strings.Builder
	runKind := cellKind(-1)
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(paint(runKind, run.String()))
			run.Reset()
		}
	}
	for x := range cv.pw {
		ch, k := rune(0x2800+int(cv.dots[r][x])), cellCurve
		if cv.marks[r][x] != 0 {
			ch, k = cv.marks[r][x], cv.kinds[r][x]
		} else if cv.dots[r][x] == 0 {
			ch = ' '
		}
		if k != runKind {
			flush()
			runKind = k
		}
		run.WriteRune(ch)
	}
	flush()
	return b.String()
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
