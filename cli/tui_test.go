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
		t.Run(cmd, func(t *testing.T) {
			code, _, stderr := run(t, cmd)
			if code != ExitUsage || !strings.Contains(stderr, "needs a terminal") {
				t.Errorf("janus %s: exit %d, stderr %q", cmd, code, stderr)
			}
		})
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

// TestTUILoadFlags: a bad --load profile, a bad --duration or both --load
// and --load-report are usage errors, found before the terminal is asked
// for; good ones get as far as the terminal check.
func TestTUILoadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		// An unknown profile kind.
		{"bad kind", []string{"--load", "burst:c=4"}, `--load "burst:c=4": unknown kind`},
		// A concurrency that is not a number.
		{"bad step", []string{"--load", "closed:c=1,x"}, "step 2: concurrency"},
		// A step of no time.
		{"zero duration", []string{"--load", "closed:c=1", "--duration", "0s"}, "--duration 0s"},
		// A run and a report at once.
		{"both", []string{"--load", "closed:c=1", "--load-report", "r.json"}, "pick one"},
		// Good flags: refused only for want of a terminal.
		{"good", []string{"--load", "poisson:rate=5,10", "--duration", "2s"}, "needs a terminal"},
		// A report to open: the same.
		{"report", []string{"--load-report", "r.json"}, "needs a terminal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"tui"}, c.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want usage error with %q", code, stderr, c.want)
			}
		})
	}
}
