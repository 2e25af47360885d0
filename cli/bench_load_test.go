package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchLoadCLI runs a short load against the embedded target and
// checks the exit codes of bad input.
func TestBenchLoadCLI(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	out := filepath.Join(t.TempDir(), "load.json")
	code, stdout, stderr := run(t, "bench", "load", "--profile", "closed:c=1,2", "--duration", "300ms", "--no-selftest",
		"--sim-ttft", "2ms", "--sim-token-interval", "1ms", "--out", out, "--out-format", "md="+out+".md")
	if code != 0 {
		t.Fatalf("bench load: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "knee (capacity): c=2") || !strings.Contains(stdout, "harness overhead") {
		t.Errorf("stdout:\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Schema string `json:"schema"`
		Steps  []struct {
			Requests int `json:"requests"`
			Passed   int `json:"passed"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Schema != "janus.load/v1" || len(rep.Steps) != 2 || rep.Steps[1].Passed == 0 {
		t.Errorf("report: %v %+v", err, rep)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		// A profile that does not parse.
		{[]string{"--profile", "closed:c=0"}, "concurrency"},
		{[]string{"--profile", "ramp:rate=5"}, "unknown kind"},
		// Synthetic prompts need both sizes.
		{[]string{"--prompt-tokens", "10"}, "--output-tokens"},
		// More streams than the open-file hard limit allows.
		{[]string{"--profile", "closed:c=1000000"}, "open-file limit"},
		{[]string{"--format", "csv"}, "--format"},
		// The CLI names its flags; the load library's errors do not.
		{[]string{"--out-format", "csv=x.csv"}, "--out-format"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"bench", "load", "--duration", "10ms", "--out", out}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, stderr, tc.want)
			}
		})
	}
}
