package load

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Writer returns the reporter for format (one of Formats).
func Writer(format string, r *Report) func(io.Writer) error {
	switch format {
	case "json":
		return JSON(r)
	case "md":
		return Markdown(r)
	}
	return Text(r)
}

// ReadReport reads a JSON load report as Run writes it (janus bench load),
// for a screen that shows a finished run; Path is set to path.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read load report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read load report %s: %w", path, err)
	}
	if r.Schema != SchemaVersion {
		// A bench run report decodes into an empty load report; say so
		// rather than show nothing.
		return nil, fmt.Errorf("read load report %s: schema %q, want %s", path, r.Schema, SchemaVersion)
	}
	r.Path = path
	return &r, nil
}

// JSON writes the report as indented JSON.
func JSON(r *Report) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
}

func ci(c *[2]float64) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf(" [%.1f–%.1f]", c[0], c[1])
}

// Text writes a table of the steps, the knee and the harness overhead.
func Text(r *Report) func(io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, "janus bench load  %s  model %s  profile %s  %gs/step (warmup %gs)\n", r.Run.Target, r.Run.Model, r.Run.Profile, r.Run.DurationS, r.Run.WarmupS)
		fmt.Fprintf(bw, "budgets: ttft %.0f ms, gap %.0f ms; prompts: %s (%d tasks)\n\n", r.Run.Budgets.TTFTMs, r.Run.Budgets.GapMs, r.Run.Suite, r.Run.Tasks)
		fmt.Fprintf(bw, "%-12s %7s %8s %8s %8s %6s %6s  %-24s %9s %9s %9s %5s\n", "load", "reqs", "req/s", "thruput", "goodput", "err%", "viol%",
			"ttft p50/p99 ms", "e2e p99", "max gap", "lag p99", "meets")
		for _, s := range r.Steps {
			meets := "no"
			if s.MeetsBudgets {
				meets = "yes"
			}
			fmt.Fprintf(bw, "%-12s %7d %8.1f %8.1f %8.1f %6.1f %6.1f  %-24s %9.1f %9.1f %9.2f %5s\n", s.Label, s.Requests, s.SendRate, s.Throughput, s.Goodput,
				100*s.ErrorRate, 100*s.ViolationRate, fmt.Sprintf("%.1f / %.1f", s.TTFT.P50, s.TTFT.P99), s.E2E.P99, s.MaxGap.Max, s.Lag.P99, meets)
		}
		fmt.Fprintln(bw)
		if r.Knee != nil {
			fmt.Fprintf(bw, "knee (capacity): %s — %.1f req/s, goodput %.1f/s\n", r.Knee.Label, r.Knee.Throughput, r.Knee.Goodput)
		} else {
			fmt.Fprintln(bw, "knee (capacity): no step met the budgets")
		}
		writeOverheadText(bw, r)
		return bw.Flush()
	}
}

func writeOverheadText(bw *bufio.Writer, r *Report) {
	h := r.Harness
	fmt.Fprintf(bw, "harness overhead: sched lag p50 %.3f ms, p99 %.3f ms (max %.1f); %s; cpu share %.0f%% (max step %.0f%%); rss peak %.0f MB\n",
		h.SchedLagP50Ms, h.SchedLagP99Ms, h.SchedLagMaxMs, timingText(h), 100*h.CPUShare, 100*h.MaxStepCPUShare, r.Run.RSSPeakMB)
	if h.Note != "" {
		fmt.Fprintf(bw, "note: %s\n", h.Note)
	}
}

// timingText states the selftest's timing error, or that there was none.
func timingText(h Overhead) string {
	if !h.TimingMeasured {
		return "timing error " + h.SelftestSource
	}
	return fmt.Sprintf("timing error p50 %.3f ms, p99 %.3f ms at c=%d (%s)", h.TimingErrP50Ms, h.TimingErrP99Ms, h.SelftestConcurrency, h.SelftestSource)
}

// Markdown writes the report with the throughput-vs-latency and goodput
// curves as inline SVG.
func Markdown(r *Report) func(io.Writer) error {
	return func(w io.Writer) error {
		var b strings.Builder
		fmt.Fprintf(&b, "# janus load: %s\n\n", r.Run.Model)
		fmt.Fprintf(&b, "Target `%s`, profile `%s`, %gs per step (warmup %gs), budgets TTFT %.0f ms and gap %.0f ms, prompts from %s (%d tasks). Status: %s.\n\n",
			r.Run.Target, r.Run.Profile, r.Run.DurationS, r.Run.WarmupS, r.Run.Budgets.TTFTMs, r.Run.Budgets.GapMs, r.Run.Suite, r.Run.Tasks, r.Run.Status)
		if r.Knee != nil {
			fmt.Fprintf(&b, "**Capacity (knee): %s** — %.1f req/s, goodput %.1f correct answers/s within budgets.\n\n", r.Knee.Label, r.Knee.Throughput, r.Knee.Goodput)
		} else {
			b.WriteString("**Capacity (knee): no step met the budgets.**\n\n")
		}
		b.WriteString("| load | requests | send/s | throughput/s | goodput/s | errors | violations | TTFT p50 ms | TTFT p99 ms [CI95] | E2E p99 ms | max gap ms | sched lag p99 ms | peak in flight | CPU | meets budgets |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, s := range r.Steps {
			meets := "no"
			if s.MeetsBudgets {
				meets = "yes"
			}
			fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f | %.1f | %.1f%% | %.1f%% | %.1f | %.1f%s | %.1f | %.1f | %.2f | %d | %.0f%% | %s |\n", s.Label, s.Requests, s.SendRate,
				s.Throughput, s.Goodput, 100*s.ErrorRate, 100*s.ViolationRate, s.TTFT.P50, s.TTFT.P99, ci(s.TTFT.P99CI), s.E2E.P99, s.MaxGap.Max, s.Lag.P99,
				s.PeakInflight, 100*s.CPUShare, meets)
		}
		b.WriteString("\n## Throughput vs latency\n\n")
		b.WriteString(CurveSVG("TTFT p99 (ms) vs throughput (req/s)", "throughput req/s", "TTFT p99 ms", r, func(s StepSummary) (float64, float64) { return s.Throughput, s.TTFT.P99 }, r.Run.Budgets.TTFTMs))
		b.WriteString("\n\n## Goodput\n\n")
		b.WriteString(CurveSVG("goodput (green/blue) and throughput (grey) vs offered load", "offered load (c or req/s)", "answers /s", r, func(s StepSummary) (float64, float64) { return s.Step.Load(), s.Goodput }, 0,
			func(s StepSummary) (float64, float64) { return s.Step.Load(), s.Throughput }))
		b.WriteString("\n\n## Harness overhead\n\n")
		h := r.Harness
		fmt.Fprintf(&b, "- scheduling lag (actual − intended send): p50 %.3f ms, p99 %.3f ms, max %.1f ms\n", h.SchedLagP50Ms, h.SchedLagP99Ms, h.SchedLagMaxMs)
		fmt.Fprintf(&b, "- %s\n", timingText(h))
		fmt.Fprintf(&b, "- CPU share used by janus: %.0f%% over the run, %.0f%% at the busiest step; peak RSS %.0f MB\n", 100*h.CPUShare, 100*h.MaxStepCPUShare, r.Run.RSSPeakMB)
		if h.Note != "" {
			fmt.Fprintf(&b, "- note: %s\n", h.Note)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
}

// CurveSVG draws one point per step (x, y from xy) joined in step order,
// with an optional horizontal budget line at y = budget and reference
// series (dashed grey, no markers) for context.
func CurveSVG(title, xlabel, ylabel string, r *Report, xy func(StepSummary) (float64, float64), budget float64, ref ...func(StepSummary) (float64, float64)) string {
	const W, H, L, B, T, R = 480.0, 280.0, 60.0, 40.0, 30.0, 20.0
	xmax, ymax := 1.0, budget
	pts := make([][2]float64, 0, len(r.Steps))
	for _, s := range r.Steps {
		x, y := xy(s)
		pts = append(pts, [2]float64{x, y})
		xmax, ymax = max(xmax, x), max(ymax, y)
	}
	var refs [][][2]float64
	for _, f := range ref {
		var rp [][2]float64
		for _, s := range r.Steps {
			x, y := f(s)
			rp = append(rp, [2]float64{x, y})
			xmax, ymax = max(xmax, x), max(ymax, y)
		}
		refs = append(refs, rp)
	}
	xmax, ymax = nice(xmax), nice(max(ymax, 1))
	px := func(x float64) float64 { return L + x/xmax*(W-L-R) }
	py := func(y float64) float64 { return H - B - y/ymax*(H-B-T) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="11">`, W, H, W, H)
	fmt.Fprintf(&b, `<text x="%g" y="18" font-weight="bold">%s</text>`, L, esc(title))
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/><line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`, L, H-B, W-R, H-B, L, H-B, L, T)
	for i := 0; i <= 4; i++ {
		xv, yv := xmax*float64(i)/4, ymax*float64(i)/4
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, px(xv), H-B+14, num(xv))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, L-4, py(yv)+4, num(yv))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, (L+W-R)/2, H-6, esc(xlabel))
	fmt.Fprintf(&b, `<text x="12" y="%.1f" transform="rotate(-90 12 %.1f)" text-anchor="middle">%s</text>`, (T+H-B)/2, (T+H-B)/2, esc(ylabel))
	if budget > 0 {
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#c33" stroke-dasharray="4 3"/><text x="%g" y="%.1f" fill="#c33" text-anchor="end">budget</text>`,
			L, py(budget), W-R, py(budget), W-R, py(budget)-3)
	}
	for _, rp := range refs {
		if len(rp) == 0 {
			continue
		}
		b.WriteString(`<polyline fill="none" stroke="#999" stroke-width="1.5" stroke-dasharray="5 3" points="`)
		for _, p := range rp {
			fmt.Fprintf(&b, "%.1f,%.1f ", px(p[0]), py(p[1]))
		}
		b.WriteString(`"/>`)
	}
	if len(pts) > 0 {
		b.WriteString(`<polyline fill="none" stroke="#36c" stroke-width="2" points="`)
		for _, p := range pts {
			fmt.Fprintf(&b, "%.1f,%.1f ", px(p[0]), py(p[1]))
		}
		b.WriteString(`"/>`)
		for i, p := range pts {
			fill := "#36c"
			if r.Knee != nil && i == r.Knee.Index {
				fill = "#2a2"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s</title></circle>`, px(p[0]), py(p[1]), fill, esc(r.Steps[i].Label))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// nice rounds v up to 1, 2 or 5 times a power of ten.
func nice(v float64) float64 {
	p := 1.0
	for p*10 <= v {
		p *= 10
	}
	for p > v*10 {
		p /= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
