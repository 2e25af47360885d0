package selftest

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
)

func TestSelftestMeasuresEveryStream(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "selftest.json")
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Levels: []int{1, 8}, Tokens: 5, MinStreams: 4,
		Pace: baseline.Pace{TTFT: 2 * time.Millisecond, PerToken: time.Millisecond}, SaveTo: saved, Stdout: &out})
	if err != nil {
		t.Fatalf("Selftest: %v", err)
	}
	if len(res.Levels) != 2 {
		t.Fatalf("%d levels, want 2", len(res.Levels))
	}
	for _, l := range res.Levels {
		// Every stream matched the sim's frames one for one: 5 tokens, 4 gaps.
		if l.Failed != 0 || l.Gaps != 4*l.Streams {
			t.Errorf("level %d: failed %d, gaps %d of %d streams", l.Concurrency, l.Failed, l.Gaps, l.Streams)
		}
	}
	if !strings.Contains(out.String(), "gap err") {
		t.Errorf("no table printed:\n%s", out.String())
	}
	// The saved result becomes the harness block of later reports.
	h := bench.LoadHarness(saved, 4)
	if h == nil || h.Concurrency != 1 {
		t.Fatalf("bench.LoadHarness(4) = %+v, want the c=1 level", h)
	}
	if h := bench.LoadHarness(saved, 100); h == nil || h.Concurrency != 8 {
		t.Fatalf("bench.LoadHarness(100) = %+v, want the c=8 level", h)
	}
}

// BenchmarkSelftest measures the harness's timing error against the sim's
// true send times at concurrency 1 and 1,000 (the acceptance levels), with
// the sim in this process and in a process of its own (the test binary
// re-run as the sim, as `janus bench selftest` runs `janus bench
// selftest-sim`). Run it on an idle machine: `go test -run '^$' -bench
// Selftest ./bench/`.
func BenchmarkSelftest(b *testing.B) {
	// As the CLI does (cli.HarnessGCPercent).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	b.Setenv(simHelperEnv, filepath.Join(b.TempDir(), "pid"))
	for _, sim := range []string{"in-process", "process"} {
		for _, c := range []int{1, 1000} {
			b.Run("sim="+sim+"/c="+strconv.Itoa(c), func(b *testing.B) {
				o := Options{Levels: []int{c}}
				if sim == "process" {
					o.SimCommand = simHelperCommand()
				}
				for i := 0; i < b.N; i++ {
					res, err := Run(context.Background(), o)
					if err != nil {
						b.Fatal(err)
					}
					l := res.Levels[0]
					b.ReportMetric(l.TTFTErrP50Ms, "ttft-err-p50-ms")
					b.ReportMetric(l.TTFTErrP99Ms, "ttft-err-p99-ms")
					b.ReportMetric(l.GapErrP50Ms, "gap-err-p50-ms")
					b.ReportMetric(l.GapErrP99Ms, "gap-err-p99-ms")
					b.ReportMetric(l.EventsPerSec, "events/s")
					b.ReportMetric(float64(l.Failed), "failed")
				}
			})
		}
	}
}
