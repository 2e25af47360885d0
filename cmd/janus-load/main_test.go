package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/internal/exitcode"
)

// TestJanusLoad drives the lean client's command tree as janus bench load
// is driven: a run against a reference target in this process writes the
// load report (citing no selftest: janus-load runs none), and bad command
// lines end with the usage code, a run without --target among them (the
// lean client has no embedded target).
func TestJanusLoad(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	t.Setenv("OPENAI_BASE_URL", "")
	url, stop, err := baseline.Start(t.Context(), "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	err = run(t.Context(), []string{"janus-load", "bench", "load", "--target", url,
		"--profile", "closed:c=2", "--max-requests", "6", "--duration", "10s", "--out", out, "--format", "text"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("janus-load bench load: %v\n%s", err, stderr.String())
	}
	rep, err := load.ReadReport(out)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Steps[0]; s.Requests != 6 || s.Passed != 6 || rep.Run.RSSPeakMB <= 0 {
		t.Errorf("report: %d requests, %d passed, rss %.1f MB", s.Requests, s.Passed, rep.Run.RSSPeakMB)
	}
	if src := rep.Harness.SelftestSource; rep.Harness.TimingMeasured || !strings.Contains(src, "runs no selftest") {
		t.Errorf("harness: measured %v, source %q; want not measured, saying janus-load runs no selftest", rep.Harness.TimingMeasured, src)
	}
	if !strings.Contains(stdout.String(), "report: "+out) {
		t.Errorf("stdout lacks the report path:\n%s", stdout.String())
	}
	for _, c := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"bench", "load", "--profile", "closed:c=1", "--max-requests", "1"}, "--target"},
		{[]string{"bench", "load", "--profile", "closed:c=0"}, ""},
		{[]string{"bench", "load", "--no-such-flag"}, ""},
		{[]string{"bench", "load", "--format", "pdf"}, ""},
		{[]string{"bench", "load", "stray"}, ""},
		{[]string{"--log-level", "loud", "bench", "load"}, ""},
		{[]string{"bench", "run"}, "unknown command"},
		{[]string{"bench", "load", "-o", "a.json", "--out", "b.json"}, "two forms"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			err := run(t.Context(), append([]string{"janus-load"}, c.args...), &stdout, &stderr)
			if code := exitcode.Of(err); code != exitcode.Usage || !strings.Contains(fmt.Sprint(err), c.want) {
				t.Errorf("exit code %d (%v), want %d and an error naming %q", code, err, exitcode.Usage, c.want)
			}
		})
	}
}
