package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the CLI in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), append([]string{"janus"}, args...), &out, &errb)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return ExitCode(err), out.String(), errb.String()
}

// TestScoreCompareReplayCLI drives the commands end to end on one recorded
// run: flags may follow the arguments, and bad input exits 2.
func TestScoreCompareReplayCLI(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	dir := t.TempDir()
	rep, rec := filepath.Join(dir, "r.json"), filepath.Join(dir, "rec")
	if code, _, stderr := run(t, "bench", "run", "--sim-ttft", "2ms", "--sim-token-interval", "1ms",
		"--out", rep, "--record", rec, "--format", "json"); code != 0 {
		t.Fatalf("bench run: exit %d: %s", code, stderr)
	}
	cases := []struct {
		name string
		args []string
		code int
		// want is a substring of stdout (exit 0) or stderr.
		want string
	}{
		// Flags after the report are applied.
		{"score weights after arg", []string{"score", rep, "--weights", "quality=100", "--format", "json"}, 0, `"quality": 100`},
		// A recorded directory is replayed (fresh smoke: from the seed the
		// recording kept).
		{"score a recording", []string{"score", rec}, 0, "replay:"},
		{"replay", []string{"bench", "replay", rec, "--format", "text"}, 0, "composite"},
		// A run against itself: no change, exit 0 even with --fail-on.
		{"compare self", []string{"bench", "compare", rep, rep, "--fail-on", "regression", "--format", "md"}, 0, "no significant change"},
		{"compare one arg", []string{"bench", "compare", rep}, 2, "BASE.json and NEW.json"},
		{"compare bad threshold", []string{"bench", "compare", rep, rep, "--threshold", "sped=5"}, 2, "unknown name"},
		{"compare bad fail-on", []string{"bench", "compare", rep, rep, "--fail-on", "anything"}, 2, "want regression"},
		{"score missing file", []string{"score", filepath.Join(dir, "none.json")}, 2, "no such file"},
		{"score bad format", []string{"score", rep, "--format", "yaml"}, 2, "--format"},
		{"score unknown flag", []string{"score", rep, "--bogus", "1"}, 2, "not defined"},
		{"score bad compat", []string{"score", "--compat", "other", rep}, 2, "janus-poc"},
		{"replay not a dir", []string{"bench", "replay", rep}, 2, "replay"},
		{"calibrate bad scale", []string{"bench", "calibrate", "--time-scale", "100"}, 2, "time scale"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, stdout, stderr)
			}
			hay := stderr
			if code == 0 {
				hay = stdout
			}
			if !strings.Contains(hay, tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, hay)
			}
		})
	}
	// JSON from compare decodes.
	code, stdout, _ := run(t, "bench", "compare", rep, rep, "--format", "json")
	var v map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || v["paired"] == nil {
		t.Fatalf("compare json: exit %d\n%s", code, stdout)
	}
}
