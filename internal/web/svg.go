package web

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Charts are built as strings here rather than in templates: they are
// mostly numbers, and every piece of text in them goes through esc.

func esc(s string) string { return template.HTMLEscapeString(s) }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// intervalBar is a 0–100 score with its 95% interval as a small SVG: the
// interval a bar, the value a tick. The figures are in the cell's text
// too, so the picture is never the only carrier.
func intervalBar(v float64, ci *[2]float64) template.HTML {
	var b strings.Builder
	b.WriteString(`<svg class="iv" viewBox="0 0 100 10" aria-hidden="true" focusable="false">`)
	b.WriteString(`<rect class="iv-track" x="0" y="4" width="100" height="2"/>`)
	if ci != nil {
		lo, hi := clamp(ci[0]), clamp(ci[1])
		fmt.Fprintf(&b, `<rect class="iv-ci" x="%s" y="2" width="%s" height="6"/>`, f1(lo), f1(math.Max(hi-lo, 0.5)))
	}
	fmt.Fprintf(&b, `<rect class="iv-v" x="%s" y="0" width="1.5" height="10"/></svg>`, f1(clamp(v)-0.75))
	return template.HTML(b.String())
}

func clamp(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Min(math.Max(v, 0), 100)
}

// point is one competitor in a scatter chart.
type point struct {
	Label string
	X, Y  float64
	Href  string
}

// scatterOpts describe a Pareto chart: x is better lower when LowerX.
type scatterOpts struct {
	Title, XLabel, YLabel string
	LogX, LowerX          bool
}

// frontIdx marks the points no other point beats on both axes (y higher;
// x higher, or lower with LowerX).
func frontIdx(pts []point, lowerX bool) []bool {
	on := make([]bool, len(pts))
	better := func(a, b float64) bool { // a at least as good as b on x
		if lowerX {
			return a <= b
		}
		return a >= b
	}
	for i, p := range pts {
		on[i] = true
		for j, q := range pts {
			if j != i && q.Y >= p.Y && better(q.X, p.X) && (q.Y > p.Y || q.X != p.X) {
				on[i] = false
				break
			}
		}
	}
	return on
}

// scatter draws a Pareto chart: points on the front are squares joined by
// a line, the rest circles, each with its name as a tooltip and a link.
func scatter(pts []point, o scatterOpts) template.HTML {
	const w, h, l, r, t, bm = 480.0, 300.0, 48.0, 12.0, 24.0, 40.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s">`, w, h, esc(o.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(o.Title))
	if len(pts) == 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">no data</text></svg>`, w/2, h/2)
		return template.HTML(b.String())
	}
	xv := func(x float64) float64 {
		if o.LogX {
			return math.Log10(math.Max(x, 1e-9))
		}
		return x
	}
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		xmin, xmax = math.Min(xmin, xv(p.X)), math.Max(xmax, xv(p.X))
	}
	if xmax-xmin < 1e-9 {
		xmin, xmax = xmin-1, xmax+1
	}
	pad := (xmax - xmin) * 0.05
	xmin, xmax = xmin-pad, xmax+pad
	px := func(x float64) float64 { return l + (xv(x)-xmin)/(xmax-xmin)*(w-l-r) }
	py := func(y float64) float64 { return t + (100-clamp(y))/100*(h-t-bm) }
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, l, h-bm, w-r, h-bm)
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, l, t, l, h-bm)
	for _, y := range []float64{0, 50, 100} {
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%s" text-anchor="end">%g</text>`, l-4, f1(py(y)+4), y)
	}
	for _, x := range []float64{xmin + pad, xmax - pad} {
		lab := x
		if o.LogX {
			lab = math.Pow(10, x)
		}
		fmt.Fprintf(&b, `<text class="tick" x="%s" y="%g" text-anchor="middle">%s</text>`, f1(l+(x-xmin)/(xmax-xmin)*(w-l-r)), h-bm+14, esc(short(lab)))
	}
	fmt.Fprintf(&b, `<text class="lab" x="%g" y="%g" text-anchor="middle">%s</text>`, (l+w-r)/2, h-6, esc(o.XLabel))
	fmt.Fprintf(&b, `<text class="lab" x="4" y="14">%s</text>`, esc(o.YLabel))
	on := frontIdx(pts, o.LowerX)
	var front []point
	for i, p := range pts {
		if on[i] {
			front = append(front, p)
		}
	}
	slices.SortFunc(front, func(a, c point) int { return cmpF(a.X, c.X) })
	if len(front) > 1 {
		b.WriteString(`<polyline class="front" points="`)
		for _, p := range front {
			fmt.Fprintf(&b, "%s,%s ", f1(px(p.X)), f1(py(p.Y)))
		}
		b.WriteString(`"/>`)
	}
	for i, p := range pts {
		fmt.Fprintf(&b, `<a href="%s">`, esc(p.Href))
		tip := fmt.Sprintf("%s: %s %s, %s %s", p.Label, o.YLabel, f1(p.Y), o.XLabel, short(p.X))
		if on[i] {
			tip += " (on the Pareto front)"
			fmt.Fprintf(&b, `<rect class="pt on" x="%s" y="%s" width="9" height="9"><title>%s</title></rect>`, f1(px(p.X)-4.5), f1(py(p.Y)-4.5), esc(tip))
		} else {
			fmt.Fprintf(&b, `<circle class="pt" cx="%s" cy="%s" r="4"><title>%s</title></circle>`, f1(px(p.X)), f1(py(p.Y)), esc(tip))
		}
		b.WriteString(`</a>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// short formats an axis figure compactly.
func short(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a < 0.01:
		return strconv.FormatFloat(v, 'g', 2, 64)
	case a < 10:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case a < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
}

// historyPoint is one run in a competitor's score history.
type historyPoint struct {
	At    float64 // unix seconds
	Value float64
	CI    *[2]float64
	Label string
	Href  string
}

// history draws composite over time with each run's interval as a
// whisker.
func history(pts []historyPoint, title string) template.HTML {
	const w, h, l, r, t, bm = 640.0, 240.0, 40.0, 12.0, 16.0, 28.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`, w, h, esc(title), esc(title))
	if len(pts) == 0 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">no completed run yet</text></svg>`, w/2, h/2)
		return template.HTML(b.String())
	}
	tmin, tmax := pts[0].At, pts[0].At
	for _, p := range pts {
		tmin, tmax = math.Min(tmin, p.At), math.Max(tmax, p.At)
	}
	if tmax-tmin < 1 {
		tmin, tmax = tmin-1, tmax+1
	}
	px := func(x float64) float64 { return l + (x-tmin)/(tmax-tmin)*(w-l-r) }
	py := func(y float64) float64 { return t + (100-clamp(y))/100*(h-t-bm) }
	fmt.Fprintf(&b, `<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/><line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`,
		l, h-bm, w-r, h-bm, l, t, l, h-bm)
	for _, y := range []float64{0, 50, 100} {
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%s" text-anchor="end">%g</text>`, l-4, f1(py(y)+4), y)
	}
	fmt.Fprintf(&b, `<text class="lab" x="%g" y="%g" text-anchor="middle">run start time →</text>`, (l+w-r)/2, h-8)
	b.WriteString(`<polyline class="line" points="`)
	for _, p := range pts {
		fmt.Fprintf(&b, "%s,%s ", f1(px(p.At)), f1(py(p.Value)))
	}
	b.WriteString(`"/>`)
	for _, p := range pts {
		x := px(p.At)
		if p.CI != nil {
			fmt.Fprintf(&b, `<line class="whisker" x1="%s" y1="%s" x2="%s" y2="%s"/>`, f1(x), f1(py(p.CI[0])), f1(x), f1(py(p.CI[1])))
		}
		fmt.Fprintf(&b, `<a href="%s"><circle class="pt" cx="%s" cy="%s" r="4"><title>%s</title></circle></a>`,
			esc(p.Href), f1(x), f1(py(p.Value)), esc(p.Label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
