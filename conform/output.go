package conform

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for people: a header naming the target, one
// row per check with its verdict and evidence, the rule behind every FAIL
// and WARN (so the table explains itself without --list), and a one-line
// verdict for the run.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	target := r.Target
	if r.Embedded {
		target += " (embedded reference baseline)"
	}
	if r.Image != "" {
		target += " (image " + r.Image + ")"
	}
	tool := r.Tool
	if tool == "" {
		tool = "janus conform"
	}
	model := r.Model
	if model == "" {
		model = "(none)"
	}
	fmt.Fprintf(&b, "%s  %s  model %s\n", tool, target, model)
	if r.Budgets.TTFTMs > 0 || r.Budgets.GapMs > 0 {
		fmt.Fprintf(&b, "budgets: first token %.0f ms, max gap %.0f ms\n", r.Budgets.TTFTMs, r.Budgets.GapMs)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tLEVEL\tCHECK\tEVIDENCE")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Status, c.Level, c.ID, c.Evidence)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("conform: format table: %w", err)
	}
	var rules []string
	for _, c := range r.Checks {
		if c.Status == Fail || c.Status == Warn {
			rules = append(rules, fmt.Sprintf("  %-22s %s", c.ID, c.Title))
		}
	}
	if len(rules) > 0 {
		b.WriteString("\nrules not met:\n" + strings.Join(rules, "\n") + "\n")
	}
	s := r.Summary
	fmt.Fprintf(&b, "\n%d checks: %d pass, %d fail, %d warn, %d skip. ", len(r.Checks), s.Pass, s.Fail, s.Warn, s.Skip)
	if s.OK {
		b.WriteString("All required checks pass.\n")
	} else {
		fmt.Fprintf(&b, "Required checks failed: %s.\n", strings.Join(s.RequiredFailed, ", "))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("conform: write report: %w", err)
	}
	return nil
}

// WriteJSON writes the report as indented JSON, the form scripts and CI
// jobs read.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("conform: write JSON report: %w", err)
	}
	return nil
}

// WriteList writes the check catalogue, so that a team can read every rule
// before it runs anything.
func WriteList(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tLEVEL\tRULE")
	for _, c := range Checks() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ID, c.Level, c.Title)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("conform: format list: %w", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("conform: write list: %w", err)
	}
	return nil
}
