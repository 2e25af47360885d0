package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// Rows shown in the Markdown lists that could run to every task.
const (
	mdTopViolations = 10
	mdSlowest       = 10
	mdNotPassed     = 20
)

// Markdown writes the report as GitHub-flavoured Markdown: the run, a
// score table with intervals, the pass rate, latency percentiles, a table
// per category, the top violations, the slowest tasks, the tasks that did
// not pass, and two inline SVG charts (a TTFT histogram and the
// inter-token gaps over time).
func Markdown(r *record.Report) func(io.Writer) error {
	return func(w io.Writer) error { return writeMarkdown(w, r, true) }
}

// MarkdownSummary is Markdown without the charts, for a CI job summary
// (GITHUB_STEP_SUMMARY): GitHub strips inline SVG from it.
func MarkdownSummary(r *record.Report) func(io.Writer) error {
	return func(w io.Writer) error { return writeMarkdown(w, r, false) }
}

// writeMarkdown writes the Markdown report, with the inline SVG charts
// when charts is set.
func writeMarkdown(w io.Writer, r *record.Report, charts bool) error {
	var b strings.Builder
	mdHeader(&b, r)
	mdScores(&b, r)
	mdTables(&b, r)
	if charts {
		mdCharts(&b, r)
	}
	mdHarness(&b, r)
	mdResources(&b, r)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

// mdHeader writes the title and the run's identity.
func mdHeader(b *strings.Builder, r *record.Report) {
	run := r.Run
	fmt.Fprintf(b, "# janus: %s on %s@%s\n\n", mdCode(run.Model), mdText(run.Suite.Name), mdText(run.Suite.Version))
	target := mdCode(run.Target)
	if run.EmbeddedTarget {
		target += " (embedded reference target)"
	}
	fmt.Fprintf(b, "Run %s, %s. Target %s. Suite sha256 %s, %d of %d tasks, concurrency %d, seed %d, %s.\n\n",
		mdCode(run.ID), run.Status, target, mdCode(shortHash(run.Suite.SHA256)), len(r.Tasks), run.TasksPlanned,
		run.Concurrency, run.Seed, run.FinishedAt.Sub(run.StartedAt).Round(1e6))
}

// mdScores writes the score table and the pass rate.
func mdScores(b *strings.Builder, r *record.Report) {
	b.WriteString("## Scores\n\n")
	t := &mdTable{head: []string{"Dimension", "Score", "95% CI", "Weight", "N", "Note"}, align: "l r r r r l"}
	s, wt := r.Scores, r.Weights
	mdScoreRow(t, "**"+string(record.Composite)+"**", s[record.Composite], "")
	for _, d := range s.Names() {
		mdScoreRow(t, string(d), s[d], fmtWeight(wt[d]))
	}
	t.write(b)
	if pr := r.PassRate; pr != nil {
		fmt.Fprintf(b, "\nPass rate: **%d of %d** tasks (%.1f%%, 95%% Wilson CI %.1f–%.1f%%) scored at least %g with a successful request.\n",
			pr.Passed, pr.N, pr.Value*100, pr.CI95[0]*100, pr.CI95[1]*100, scorer.PassScore)
	}
}

// mdScoreRow adds one dimension's row to the score table.
func mdScoreRow(t *mdTable, name string, d record.Score, weight string) {
	ci := "–"
	if d.CI95 != nil {
		ci = fmt.Sprintf("%.1f–%.1f", d.CI95[0], d.CI95[1])
	}
	note := d.Note
	if d.Coverage != nil && *d.Coverage < 1 {
		note = strings.TrimSpace(fmt.Sprintf("coverage %.0f%%; %s", *d.Coverage*100, note))
	}
	t.add(name, fmt.Sprintf("%.1f", d.Value), ci, weight, strconv.Itoa(d.N), mdText(note))
}

// mdTables writes the latency, category, violation, slowest-task and
// not-passed sections.
func mdTables(b *strings.Builder, r *record.Report) {
	if lt := latencyTable(r); lt != nil {
		b.WriteString("\n## Latency\n\n")
		lt.write(b)
	}

	b.WriteString("\n## Categories\n\n")
	categoryTable(r).write(b)

	b.WriteString("\n## Top violations\n\n")
	if vt := violationTable(r); vt != nil {
		vt.write(b)
	} else {
		b.WriteString("No contract violations.\n")
	}

	if st := slowestTable(r); st != nil {
		b.WriteString("\n## Slowest tasks\n\n")
		st.write(b)
	}

	b.WriteString("\n## Tasks that did not pass\n\n")
	if nt, more := notPassedTable(r); nt != nil {
		nt.write(b)
		if more > 0 {
			fmt.Fprintf(b, "\n…and %d more (see the JSON or CSV report).\n", more)
		}
	} else {
		b.WriteString("Every task passed.\n")
	}
}

// mdCharts writes the TTFT histogram and the gap timeline, those that have
// data.
func mdCharts(b *strings.Builder, r *record.Report) {
	if svg := TTFTHistogram(r); svg != "" {
		b.WriteString("\n## TTFT histogram\n\n")
		b.WriteString(svg)
		b.WriteString("\n")
	}
	if svg := GapTimeline(r); svg != "" {
		b.WriteString("\n## Inter-token gaps over time\n\n")
		b.WriteString(svg)
		b.WriteString("\n")
	}
}

// mdHarness writes the harness's own timing error, or that it was not
// measured.
func mdHarness(b *strings.Builder, r *record.Report) {
	if r.Harness != nil {
		fmt.Fprintf(b, "\nHarness timing error (%s, concurrency %d): TTFT p99 %.3f ms, gap p99 %.3f ms.\n",
			r.Harness.Provenance(), r.Harness.Concurrency, r.Harness.TTFTErrP99Ms, r.Harness.GapErrP99Ms)
	} else {
		b.WriteString("\nHarness timing error: not measured (no selftest of this binary on this machine).\n")
	}
}

// mdResources writes what a container target used, when the run had one.
func mdResources(b *strings.Builder, r *record.Report) {
	c := r.Resources
	if c == nil {
		return
	}
	fmt.Fprintf(b, "\n## Container\n\n%s (%s, limits %g CPU and %s): ready in %.0f ms; %.2f CPU-seconds; memory peak %s, mean %s (%.3f GB-s); network rx %s, tx %s; %d PIDs at peak; OOM-killed %t; restarts %d.\n",
		mdCode(c.Image), mdCode(c.Container), c.CPUs, bytesText(c.MemoryLimit), c.ReadyMs, c.CPUSeconds,
		bytesText(c.MemPeakBytes), bytesText(c.MemMeanBytes), c.GBSeconds, bytesText(c.NetRxBytes), bytesText(c.NetTxBytes),
		c.PIDsPeak, c.OOMKilled, c.Restarts)
	if c.ComputeCostUSD > 0 {
		fmt.Fprintf(b, "Compute cost $%.6f, included in the cost score.\n", c.ComputeCostUSD)
	}
}

// latencyTable lists the latency and rate metrics with their intervals.
func latencyTable(r *record.Report) *mdTable {
	t := &mdTable{head: []string{"Metric", "p50", "p50 95% CI", "p90", "p99", "p99 95% CI", "max", "n"}, align: "l r r r r r r r"}
	for _, name := range []string{"ttft_ms", "ttft_content_ms", "itl_ms", "tpot_ms", "e2e_ms", "max_gap_ms", "max_token_gap_ms", "output_tps"} {
		m, ok := r.Metrics[name]
		if !ok || m.N == 0 {
			continue
		}
		t.add(mdCode(name), fmtF(m.P50), fmtCI(m.CI95P50), fmtF(m.P90), fmtF(m.P99), fmtCI(m.CI95P99), fmtF(m.Max), strconv.Itoa(m.N))
	}
	if len(t.rows) == 0 {
		return nil
	}
	return t
}

// categoryTable summarises each category: tasks, passes, mean score,
// failed requests, violations and median TTFT.
func categoryTable(r *record.Report) *mdTable {
	type agg struct {
		n, passed, failed, violations int
		score                         float64
		ttft                          []float64
	}
	by := map[string]*agg{}
	for _, tk := range r.Tasks {
		a := by[tk.Category]
		if a == nil {
			a = &agg{}
			by[tk.Category] = a
		}
		a.n++
		a.score += tk.Score
		a.violations += len(tk.Violations)
		if scorer.Passed(tk) {
			a.passed++
		}
		if tk.Status != record.StatusOK {
			a.failed++
		}
		if tk.Metrics.TTFTMs != nil {
			a.ttft = append(a.ttft, *tk.Metrics.TTFTMs)
		}
	}
	t := &mdTable{head: []string{"Category", "Tasks", "Passed", "Mean score", "Failed requests", "Violations", "TTFT p50 ms"}, align: "l r r r r r r"}
	cats := make([]string, 0, len(by))
	for c := range by {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for _, c := range cats {
		a := by[c]
		ttft := "–"
		if len(a.ttft) > 0 {
			ttft = fmtF(Summarize(a.ttft).P50)
		}
		t.add(mdCode(c), strconv.Itoa(a.n), strconv.Itoa(a.passed), fmt.Sprintf("%.2f", a.score/float64(a.n)),
			strconv.Itoa(a.failed), strconv.Itoa(a.violations), ttft)
	}
	return t
}

// violationTable lists the most frequent violation codes with the first
// task (in report order) that raised each and its detail.
func violationTable(r *record.Report) *mdTable {
	type first struct{ task, detail string }
	firsts := map[string]first{}
	for _, tk := range r.Tasks {
		for _, v := range tk.Violations {
			if _, ok := firsts[v.Code]; !ok {
				firsts[v.Code] = first{tk.ID, v.Detail}
			}
		}
	}
	var codes []string
	for code, n := range r.Violations {
		if n > 0 {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	slices.SortFunc(codes, func(a, b string) int {
		if c := cmp.Compare(r.Violations[b], r.Violations[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	t := &mdTable{head: []string{"Violation", "Tasks", "First task", "Detail"}, align: "l r l l"}
	for _, code := range codes[:min(len(codes), mdTopViolations)] {
		f := firsts[code]
		t.add(mdCode(code), strconv.Itoa(r.Violations[code]), mdCode(f.task), mdText(clip.Runes(f.detail, 160, clip.Ellipsis)))
	}
	return t
}

// slowestTable lists the tasks with the longest end-to-end time.
func slowestTable(r *record.Report) *mdTable {
	var idx []int
	for i, tk := range r.Tasks {
		if tk.Metrics.E2EMs != nil {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := cmp.Compare(*r.Tasks[b].Metrics.E2EMs, *r.Tasks[a].Metrics.E2EMs); c != 0 {
			return c
		}
		return cmp.Compare(r.Tasks[a].ID, r.Tasks[b].ID)
	})
	t := &mdTable{head: []string{"Task", "Category", "Status", "e2e ms", "TTFT ms", "Max gap ms", "Output tokens", "Score"}, align: "l l l r r r r r"}
	for _, i := range idx[:min(len(idx), mdSlowest)] {
		tk := r.Tasks[i]
		m := tk.Metrics
		t.add(mdCode(tk.ID), mdCode(tk.Category), tk.Status, fmtF(*m.E2EMs), fmtPtr(m.TTFTMs), fmtPtr(m.MaxGapMs),
			strconv.Itoa(m.OutputTokens), fmt.Sprintf("%.2f", tk.Score))
	}
	return t
}

// notPassedTable lists the tasks that did not pass with why, and how many
// more there were beyond the first mdNotPassed.
func notPassedTable(r *record.Report) (*mdTable, int) {
	t := &mdTable{head: []string{"Task", "Category", "Status", "Score", "Why"}, align: "l l l r l"}
	more := 0
	for _, tk := range r.Tasks {
		if scorer.Passed(tk) {
			continue
		}
		if len(t.rows) == mdNotPassed {
			more++
			continue
		}
		_, msg, _ := taskVerdict(tk)
		t.add(mdCode(tk.ID), mdCode(tk.Category), tk.Status, fmt.Sprintf("%.2f", tk.Score), mdText(clip.Runes(msg, 160, clip.Ellipsis)))
	}
	if len(t.rows) == 0 {
		return nil, 0
	}
	return t, more
}

// mdTable is a GFM pipe table; cells are escaped when added.
type mdTable struct {
	head  []string
	align string // one of l, r per column, space separated
	rows  [][]string
}

func (t *mdTable) add(cells ...string) {
	for i, c := range cells {
		cells[i] = mdCell(c)
	}
	t.rows = append(t.rows, cells)
}

func (t *mdTable) write(b *strings.Builder) {
	b.WriteString("| " + strings.Join(t.head, " | ") + " |\n|")
	for _, a := range strings.Fields(t.align) {
		if a == "r" {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

// mdCell makes a cell one line with its pipes escaped (GFM unescapes them
// inside code spans too). Free text must have gone through mdText, code
// through mdCode.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return " "
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// mdText escapes free text: HTML metacharacters become entities, so a
// reason quoting "<b>" shows it rather than renders it, and Markdown
// emphasis, link and code characters are backslash-escaped.
func mdText(s string) string { return mdEscaper.Replace(strings.Join(strings.Fields(s), " ")) }

var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)

// mdCode wraps s in a code span long enough to hold any backticks in it.
func mdCode(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "–"
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func fmtWeight(w float64) string { return strconv.FormatFloat(w, 'f', -1, 64) }

// fmtF shows a metric to one decimal.
func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func fmtPtr(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmtF(*p)
}

func fmtCI(ci *[2]float64) string {
	if ci == nil {
		return "–"
	}
	return fmtF(ci[0]) + "–" + fmtF(ci[1])
}
