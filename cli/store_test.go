package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreCLI drives bench run --save, runs, leaderboard and arena end to
// end on a SQLite store: flags may follow arguments, bad input exits 2.
func TestStoreCLI(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	dir := t.TempDir()
	store := filepath.Join(dir, "s.db")
	t.Setenv("JANUS_STORE", store)
	rep := filepath.Join(dir, "r.json")
	if code, _, stderr := run(t, "bench", "run", "--sim-ttft", "2ms", "--sim-token-interval", "1ms", "--limit", "3",
		"--out", rep, "--format", "json", "--save", "--competitor", "house"); code != 0 {
		t.Fatalf("bench run --save: exit %d: %s", code, stderr)
	}
	code, out, stderr := run(t, "runs", "list", "--json")
	var runs []struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		Competitor struct {
			Name     string `json:"name"`
			Baseline bool   `json:"baseline"`
		} `json:"competitor"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 1 || runs[0].Status != "completed" ||
		runs[0].Competitor.Name != "house" || !runs[0].Competitor.Baseline {
		t.Fatalf("runs list: exit %d %s %s", code, out, stderr)
	}
	id := runs[0].ID
	cases := []struct {
		name string
		args []string
		code int
		want string // substring of stdout (exit 0) or stderr
	}{
		// Re-importing the saved run's report is a no-op.
		{"import again", []string{"runs", "import", rep}, 0, "0 imported, 1 already stored"},
		// Flags after the argument apply (--store to another, empty store: imported there).
		{"import elsewhere", []string{"runs", "import", rep, "--store", filepath.Join(dir, "other.db")}, 0, "1 imported"},
		{"show", []string{"runs", "show", id}, 0, "competitor  house"},
		{"show json", []string{"runs", "show", id, "--json"}, 0, `"report": {`},
		{"leaderboard json", []string{"leaderboard", "--json"}, 0, `"run_id": "` + id + `"`},
		{"leaderboard text", []string{"leaderboard"}, 0, "house (baseline)"},
		{"leaderboard exclude baseline", []string{"leaderboard", "--baseline", "exclude"}, 0, "no completed runs"},
		{"arena ratings empty", []string{"arena", "ratings"}, 0, "no votes"},
		// Bad input: exit 2 naming what is wrong.
		{"show unknown", []string{"runs", "show", "nope"}, 2, `no run "nope"`},
		{"bad baseline", []string{"leaderboard", "--baseline", "maybe"}, 2, "--baseline"},
		{"bad method", []string{"arena", "ratings", "--method", "glicko"}, 2, "--method"},
		{"import missing", []string{"runs", "import", filepath.Join(dir, "missing.json")}, 2, "missing.json"},
		{"arena import missing", []string{"arena", "import"}, 2, "VOTES.jsonl"},
		{"delete", []string{"runs", "delete", id}, 0, "deleted " + id},
		{"delete again", []string{"runs", "delete", id}, 2, "no run " + id},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, tc.args...)
			text := out
			if tc.code != 0 {
				text = stderr
			}
			if code != tc.code || !strings.Contains(text, tc.want) {
				t.Errorf("%s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.name, code, tc.code, tc.want, out, stderr)
			}
		})
	}
}
