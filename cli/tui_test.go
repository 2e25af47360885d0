package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTUINeedsTerminal: without a terminal (as under go test) the
// interactive commands refuse with a usage error that points elsewhere,
// and bench run prints plain progress lines with no escape codes.
func TestTUINeedsTerminal(t *testing.T) {
	for _, cmd := range []string{"tui", "up"} {
		code, _, stderr := run(t, cmd)
		if code != ExitUsage || !strings.Contains(stderr, "needs a terminal") {
			t.Errorf("janus %s: exit %d, stderr %q", cmd, code, stderr)
		}
	}
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	t.Setenv("CI", "true")
	code, _, stderr := run(t, "bench", "run", "--limit", "3", "--sim-ttft", "2ms", "--sim-token-interval", "1ms",
		"--out", filepath.Join(t.TempDir(), "r.json"), "--format", "json")
	if code != 0 {
		t.Fatalf("bench run: exit %d: %s", code, stderr)
	}
	if strings.ContainsAny(stderr, "\x1b\r") {
		t.Errorf("progress under CI has control characters: %q", stderr)
	}
	if !strings.Contains(stderr, "janus: run ") || strings.Count(stderr, "/3] pass") != 3 {
		t.Errorf("progress lines: %q", stderr)
	}
}
