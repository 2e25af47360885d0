package tui

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgressPlain: without a terminal every finished task is one plain
// line and no escape code is written.
func TestProgressPlain(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	p := NewProgress(&buf, false, fixedClock())
	p.Plan(f.run, f.tasks)
	for _, r := range f.results {
		p.Result(r)
	}
	p.Finish()
	out := buf.String()
	if strings.ContainsRune(out, '\x1b') || strings.ContainsRune(out, '\r') {
		t.Fatalf("plain progress has control characters: %q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+len(f.results) {
		t.Fatalf("%d lines for %d tasks:\n%s", len(lines), len(f.results), out)
	}
	for _, want := range []string{"] pass  smoke-chat-capital", "FAIL  smoke-code-even", "violations=gap_over_2s", "ERROR smoke-vision-color", "[10/10]"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(out, want) {
				t.Errorf("progress lacks %q:\n%s", want, out)
			}
		})
	}
}

// TestProgressTTY: on a terminal the line is rewritten in place and ends
// with a newline once the run is done.
func TestProgressTTY(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	p := NewProgress(&buf, true, fixedClock())
	p.Plan(f.run, f.tasks)
	for _, r := range f.results {
		p.Result(r)
	}
	out := buf.String()
	if n := strings.Count(out, "\r\x1b[2K"); n != len(f.results) {
		t.Errorf("%d rewrites for %d tasks", n, len(f.results))
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") || !strings.Contains(out, "10/10  3 failed") {
		t.Errorf("final line: %q", out[strings.LastIndex(out, "\r"):])
	}
}
