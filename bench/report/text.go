package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// Text writes a compact human summary: scores, key latencies, violations
// and one line per task.
func Text(r *record.Report) func(io.Writer) error {
	return func(w io.Writer) error {
		var b strings.Builder
		textHeader(&b, r)
		textScores(&b, r)
		textCategories(&b, r)
		textMetrics(&b, r)
		textViolations(&b, r)
		writeShape(&b, r.Shape)
		textTasks(&b, r)
		textHarness(&b, r)
		textResources(&b, r)
		_, err := io.WriteString(w, b.String())
		return err
	}
}

// textHeader writes the run's identity: target, suite, decoy and canary
// verdicts, a fresh seed, the elapsed time.
func textHeader(b *strings.Builder, r *record.Report) {
	run := r.Run
	fmt.Fprintf(b, "janus run %s  [%s]\n", run.ID, run.Status)
	target := run.Target
	if run.EmbeddedTarget {
		target += " (embedded reference target)"
	}
	fmt.Fprintf(b, "target  %s  model %s\n", target, run.Model)
	fmt.Fprintf(b, "suite   %s@%s  sha256 %.12s  tasks %d/%d  concurrency %d  seed %d\n",
		run.Suite.Name, run.Suite.Version, run.Suite.SHA256, len(r.Tasks), run.TasksPlanned, run.Concurrency, run.Seed)
	if d := r.Decoys; d != nil && d.Slower {
		fmt.Fprintf(b, "DECOYS  %d ordinary prompts answered slower (p50 TTFT %.0f ms vs %.0f, e2e %.0f ms vs %.0f): speed scored on them (%.1f, suite %.1f)\n",
			d.Sent, d.TTFTp50Ms, d.SuiteTTFTp50Ms, d.E2Ep50Ms, d.SuiteE2Ep50Ms, d.DecoySpeed, d.SuiteSpeed)
	} else if d != nil {
		fmt.Fprintf(b, "decoys  %d ordinary prompts, p50 TTFT %.0f ms vs the suite's %.0f: not slower\n", d.Sent, d.TTFTp50Ms, d.SuiteTTFTp50Ms)
	}
	if c := r.Canaries; c != nil && c.Answered > 0 {
		fmt.Fprintf(b, "CANARY  %d of %d canary tasks answered: the suite key or the secret seed has leaked to the target\n", c.Answered, c.Sent)
	} else if c != nil {
		fmt.Fprintf(b, "canary  %d canary tasks, none answered (no sign of a leaked key or seed)\n", c.Sent)
	}
	if run.SeedPolicy == record.SeedFresh {
		fmt.Fprintf(b, "seed    %d drawn fresh for this run: reproduce its tasks with --seed %d\n", run.Seed, run.Seed)
	}
	fmt.Fprintf(b, "elapsed %s\n\n", run.FinishedAt.Sub(run.StartedAt).Round(1e6))
}

// textScores writes the score table (one row per dimension) and the pass
// rate.
func textScores(b *strings.Builder, r *record.Report) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tVALUE\tWEIGHT\tN\tCI95\tNOTE")
	s, wt := r.Scores, r.Weights
	textScoreRow(tw, string(record.Composite), s[record.Composite], -1)
	for _, d := range s.Names() {
		textScoreRow(tw, string(d), s[d], wt[d])
	}
	tw.Flush()
	if pr := r.PassRate; pr != nil {
		fmt.Fprintf(b, "\npass rate  %d/%d = %.1f%%  CI95 [%.1f%%, %.1f%%]  (score >= %g, request ok)\n",
			pr.Passed, pr.N, pr.Value*100, pr.CI95[0]*100, pr.CI95[1]*100, scorer.PassScore)
	}
}

// textScoreRow writes one dimension's row; a negative weight (the
// composite's) prints as "-".
func textScoreRow(tw io.Writer, name string, d record.Score, weight float64) {
	ci := "-"
	if d.CI95 != nil {
		ci = fmt.Sprintf("[%.1f, %.1f]", d.CI95[0], d.CI95[1])
	}
	wt := "-"
	if weight >= 0 {
		wt = fmt.Sprintf("%.0f", weight)
	}
	note := d.Note
	if d.Coverage != nil && *d.Coverage < 1 {
		note = strings.TrimSpace(fmt.Sprintf("coverage %.0f%% %s", *d.Coverage*100, note))
	}
	fmt.Fprintf(tw, "%s\t%.1f\t%s\t%d\t%s\t%s\n", name, d.Value, wt, d.N, ci, note)
}

// textCategories writes the per-category table, sorted by category, when
// the report has categories.
func textCategories(b *strings.Builder, r *record.Report) {
	if len(r.Categories) == 0 {
		return
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tSCORE\tPASSED\tN")
	cats := make([]string, 0, len(r.Categories))
	for c := range r.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		cs := r.Categories[c]
		fmt.Fprintf(tw, "%s\t%.1f\t%d\t%d\n", c, cs.Score, cs.Passed, cs.N)
	}
	tw.Flush()
}

// textMetrics writes the latency and throughput percentiles that have
// samples.
func textMetrics(b *strings.Builder, r *record.Report) {
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tP50\tP90\tP99\tMAX\tN")
	for _, name := range []string{"ttft_ms", "itl_ms", "tpot_ms", "e2e_ms", "max_gap_ms", "output_tps"} {
		m, ok := r.Metrics[name]
		if !ok || m.N == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%d\n", name, m.P50, m.P90, m.P99, m.Max, m.N)
	}
	tw.Flush()
}

// textViolations writes the violation counts, sorted by code.
func textViolations(b *strings.Builder, r *record.Report) {
	var vs []string
	for code, n := range r.Violations {
		if n > 0 {
			vs = append(vs, fmt.Sprintf("%s=%d", code, n))
		}
	}
	sort.Strings(vs)
	if len(vs) == 0 {
		b.WriteString("\nviolations: none\n")
	} else {
		fmt.Fprintf(b, "\nviolations: %s\n", strings.Join(vs, " "))
	}
}

// textTasks writes one line per task, with its error or its reason cut to
// 70 runes.
func textTasks(b *strings.Builder, r *record.Report) {
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tCATEGORY\tSTATUS\tSCORE\tTTFT_MS\tREASON")
	for _, t := range r.Tasks {
		ttft := "-"
		if t.Metrics.TTFTMs != nil {
			ttft = fmt.Sprintf("%.0f", *t.Metrics.TTFTMs)
		}
		reason := t.Reason
		if t.Error != nil {
			reason = string(t.Error.Class) + ": " + t.Error.Message
		}
		reason = clip.Runes(reason, 70, clip.Ellipsis)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%s\n", t.ID, t.Category, t.Status, t.Score, ttft, reason)
	}
	tw.Flush()
}

// textHarness writes the harness's own timing error, or that it was not
// measured.
func textHarness(b *strings.Builder, r *record.Report) {
	if r.Harness != nil {
		fmt.Fprintf(b, "\nharness timing error (%s, c=%d): ttft p99 %.3f ms, gap p99 %.3f ms\n",
			r.Harness.Provenance(), r.Harness.Concurrency, r.Harness.TTFTErrP99Ms, r.Harness.GapErrP99Ms)
	} else {
		b.WriteString("\nharness timing error: not measured (no selftest of this binary on this machine; run janus bench selftest)\n")
	}
}

// textResources writes what a container target used, when the run had
// one.
func textResources(b *strings.Builder, r *record.Report) {
	c := r.Resources
	if c == nil {
		return
	}
	fmt.Fprintf(b, "\ncontainer %s (%s; limits %g CPU, %s): ready in %.0f ms; %.2f CPU-seconds, memory peak %s mean %s (%.3f GB-s), net rx %s tx %s, %d pids peak, oom-killed %t, restarts %d",
		c.Image, c.Container, c.CPUs, bytesText(c.MemoryLimit), c.ReadyMs, c.CPUSeconds, bytesText(c.MemPeakBytes), bytesText(c.MemMeanBytes),
		c.GBSeconds, bytesText(c.NetRxBytes), bytesText(c.NetTxBytes), c.PIDsPeak, c.OOMKilled, c.Restarts)
	if c.ComputeCostUSD > 0 {
		fmt.Fprintf(b, "; compute cost $%.6f (in the cost score)", c.ComputeCostUSD)
	}
	b.WriteString("\n")
	if c.LogFile != "" {
		fmt.Fprintf(b, "container log: %s\n", c.LogFile)
	}
}

// bytesText writes a byte count in binary units (KiB, MiB, GiB).
func bytesText(n int64) string {
	v, units := float64(n), []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for ; v >= 1024 && i < len(units)-1; i++ {
		v /= 1024
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// writeShape writes the run's shape notes in trace.ShapeCodes order, or
// nothing when no task got one.
func writeShape(b *strings.Builder, shape map[string]int) {
	var ns []string
	for _, code := range trace.ShapeCodes {
		if n := shape[code]; n > 0 {
			ns = append(ns, fmt.Sprintf("%s=%d", code, n))
		}
	}
	if len(ns) > 0 {
		fmt.Fprintf(b, "shape notes (not violations; tasks): %s\n", strings.Join(ns, " "))
	}
}
