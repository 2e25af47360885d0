package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/record"
)

// Chart geometry, in SVG user units.
const (
	svgW, svgH                    = 640, 260
	padL, padR, padT, padB        = 60, 150, 30, 44
	plotW, plotH                  = svgW - padL - padR, svgH - padT - padB
	histBins                      = 20
	timelineTasks                 = 8
	timelinePoints                = 300
	svgFont                       = `font-family="sans-serif" font-size="11"`
	svgBar, svgBudget, svgAxisCol = "#4c78a8", "#d62728", "#333"
)

// timelineColors tell the timeline's tasks apart (Tableau 10).
var timelineColors = []string{"#4c78a8", "#f58518", "#54a24b", "#b79a20", "#439894", "#e45756", "#b279a2", "#9d755d"}

// svgDoc accumulates one chart. Every piece of text goes through
// xml.EscapeText, every number through strconv, so the result is
// well-formed XML whatever a task id contains.
type svgDoc struct{ b strings.Builder }

func newSVG(title string) *svgDoc {
	d := &svgDoc{}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, svgW, svgH, svgW, svgH)
	d.b.WriteString("\n<title>")
	d.text(title)
	d.b.WriteString("</title>\n")
	fmt.Fprintf(&d.b, `<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>`+"\n", svgW, svgH)
	d.label(svgW/2-padR/2, 18, "middle", "bold", title)
	return d
}

func (d *svgDoc) text(s string) { _ = xml.EscapeText(&d.b, []byte(s)) }

// label writes a text element at (x, y) anchored start, middle or end.
func (d *svgDoc) label(x, y float64, anchor, weight, s string) {
	fmt.Fprintf(&d.b, `<text x="%s" y="%s" text-anchor="%s" font-weight="%s" %s>`, num(x), num(y), anchor, weight, svgFont)
	d.text(s)
	d.b.WriteString("</text>\n")
}

func (d *svgDoc) line(x1, y1, x2, y2 float64, stroke, extra string) {
	fmt.Fprintf(&d.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"%s/>`+"\n", num(x1), num(y1), num(x2), num(y2), stroke, extra)
}

// axes draws both axes with ticks at 0, ¼, ½, ¾ and 1 of each range.
func (d *svgDoc) axes(xmax, ymax float64, xlabel, ylabel string) {
	x0, y0 := float64(padL), float64(padT+plotH)
	d.line(x0, y0, x0+plotW, y0, svgAxisCol, "")
	d.line(x0, y0, x0, padT, svgAxisCol, "")
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		x := x0 + f*plotW
		d.line(x, y0, x, y0+4, svgAxisCol, "")
		d.label(x, y0+16, "middle", "normal", tick(f*xmax))
		y := y0 - f*plotH
		d.line(x0-4, y, x0, y, svgAxisCol, "")
		d.label(x0-7, y+4, "end", "normal", tick(f*ymax))
	}
	d.label(x0+plotW/2, svgH-6, "middle", "normal", xlabel)
	fmt.Fprintf(&d.b, `<text x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)" %s>`, num(padT+plotH/2), num(padT+plotH/2), svgFont)
	d.text(ylabel)
	d.b.WriteString("</text>\n")
}

// String closes the document and returns it.
func (d *svgDoc) String() string { return d.b.String() + "</svg>" }

// num formats a coordinate to one decimal.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// tick formats an axis value: whole numbers in full, others with at most
// four significant digits.
func tick(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// niceCeil rounds v up to a step of 1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6 or 8
// times a power of ten: close above v, and with round quarters for the
// axis ticks.
func niceCeil(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// TTFTHistogram is an SVG histogram of the tasks' TTFT with the TTFT
// budget marked, or "" when no task has a TTFT.
func TTFTHistogram(r *record.Report) string {
	var vals []float64
	for _, t := range r.Tasks {
		if v := t.Metrics.TTFTMs; v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
			vals = append(vals, math.Max(0, *v))
		}
	}
	if len(vals) == 0 {
		return ""
	}
	budget := r.Run.Budgets.TTFTMs
	xmax := niceCeil(math.Max(slices.Max(vals), budget) * 1.02)
	counts := make([]int, histBins)
	for _, v := range vals {
		counts[min(histBins-1, int(v/xmax*histBins))]++
	}
	ymax := 4 * math.Ceil(float64(slices.Max(counts))/4) // whole-number ticks at quarters
	d := newSVG(fmt.Sprintf("TTFT of %d tasks", len(vals)))
	bw := float64(plotW) / histBins
	for i, c := range counts {
		if c == 0 {
			continue
		}
		h := float64(c) / ymax * plotH
		fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s–%s ms: %d</title></rect>`+"\n",
			num(padL+float64(i)*bw+1), num(padT+plotH-h), num(bw-2), num(h), svgBar,
			tick(float64(i)*xmax/histBins), tick(float64(i+1)*xmax/histBins), c)
	}
	d.axes(xmax, ymax, "TTFT (ms)", "tasks")
	if budget > 0 {
		x := padL + budget/xmax*plotW
		d.line(x, padT, x, padT+plotH, svgBudget, ` stroke-dasharray="5 3"`)
		d.label(padL+plotW+8, padT+12, "start", "normal", "TTFT budget")
		d.label(padL+plotW+8, padT+26, "start", "normal", tick(budget)+" ms (dashed)")
	}
	return d.String()
}

// GapTimeline is an SVG step chart of inter-token gaps against the time
// since the request was sent, for the streamed tasks with the largest
// gaps (at most eight), with the gap budget marked; or "" when no task has
// two or more tokens. Each gap is drawn over the interval it lasted at
// its height, so a stall is a plateau as wide as it is high. A task with
// many gaps is thinned to its largest gap per time bucket, so stalls
// always show.
func GapTimeline(r *record.Report) string {
	type lane struct {
		id     string
		pts    [][2]float64
		maxGap float64
	}
	var lanes []lane
	for _, t := range r.Tasks {
		if t.Metrics.TTFTMs == nil || len(t.ITLs) == 0 {
			continue
		}
		at := *t.Metrics.TTFTMs
		l := lane{id: t.ID}
		for _, g := range t.ITLs {
			at += g
			l.pts = append(l.pts, [2]float64{at, g})
			l.maxGap = math.Max(l.maxGap, g)
		}
		lanes = append(lanes, l)
	}
	if len(lanes) == 0 {
		return ""
	}
	slices.SortStableFunc(lanes, func(a, b lane) int {
		if c := cmp.Compare(b.maxGap, a.maxGap); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	lanes = lanes[:min(len(lanes), timelineTasks)]
	var tmax, gmax float64
	for _, l := range lanes {
		tmax = math.Max(tmax, l.pts[len(l.pts)-1][0])
		gmax = math.Max(gmax, l.maxGap)
	}
	xmax, ymax := niceCeil(tmax), niceCeil(gmax*1.05)
	d := newSVG(fmt.Sprintf("Inter-token gaps, %d streams with the largest gaps", len(lanes)))
	d.axes(xmax, ymax, "time since request (ms)", "gap (ms)")
	for i, l := range lanes {
		color := timelineColors[i%len(timelineColors)]
		d.b.WriteString(`<polyline fill="none" stroke="` + color + `" stroke-width="1.2" points="`)
		for j, p := range thin(l.pts, xmax) {
			if j > 0 {
				d.b.WriteString(" ")
			}
			y := num(padT + plotH - p[1]/ymax*plotH)
			d.b.WriteString(num(padL+(p[0]-p[1])/xmax*plotW) + "," + y + " " + num(padL+p[0]/xmax*plotW) + "," + y)
		}
		d.b.WriteString(`"/>` + "\n")
		y := float64(padT + 12 + 14*i)
		fmt.Fprintf(&d.b, `<rect x="%d" y="%s" width="10" height="3" fill="%s"/>`+"\n", padL+plotW+8, num(y-4), color)
		d.label(padL+plotW+22, y, "start", "normal", clip.Runes(l.id, 20, clip.Ellipsis))
	}
	budget := r.Run.Budgets.GapMs
	switch {
	case budget > 0 && budget <= ymax:
		y := padT + plotH - budget/ymax*plotH
		d.line(padL, y, padL+plotW, y, svgBudget, ` stroke-dasharray="5 3"`)
		d.label(padL+plotW-4, y-4, "end", "normal", "gap budget "+tick(budget)+" ms")
	case budget > 0:
		d.label(padL+plotW-4, padT+12, "end", "normal", "gap budget "+tick(budget)+" ms: off scale")
	}
	return d.String()
}

// thin keeps at most timelinePoints points of pts (sorted by time): the
// largest gap in each of as many equal time buckets over [0, xmax].
func thin(pts [][2]float64, xmax float64) [][2]float64 {
	if len(pts) <= timelinePoints {
		return pts
	}
	var out [][2]float64
	bucket := -1
	for _, p := range pts {
		b := min(timelinePoints-1, int(p[0]/xmax*timelinePoints))
		if b != bucket {
			out = append(out, p)
			bucket = b
			continue
		}
		if p[1] > out[len(out)-1][1] {
			out[len(out)-1] = p
		}
	}
	return out
}
