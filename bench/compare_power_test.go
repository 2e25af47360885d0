package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
)

// TestCompareTooFewTasks is issue 24's 10-task suite whose TTFT grew 20×:
// the signed-rank test cannot reach the corrected level with 10 pairs, so
// the verdict says so, with how many tasks it would take, instead of "no
// significant change".
func TestCompareTooFewTasks(t *testing.T) {
	tpls := smokeTemplates(t)
	base := synthesize(t, tpls, synthRun{n: 10, pace: baseline.Pace{TTFT: 150 * time.Millisecond, PerToken: 20 * time.Millisecond}, seed: 1})
	slow := synthesize(t, tpls, synthRun{n: 10, pace: baseline.Pace{TTFT: 3 * time.Second, PerToken: 20 * time.Millisecond}, seed: 2})
	c, err := Compare(synthReport("a", base), synthReport("b", slow), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ttft *CompareRow
	for i := range c.Rows {
		if c.Rows[i].Name == "ttft_ms" {
			ttft = &c.Rows[i]
		}
	}
	if ttft == nil {
		t.Fatal("no ttft_ms row")
	}
	if ttft.Verdict == VerdictNoChange {
		t.Fatalf("ttft_ms 20× slower on 10 tasks: verdict %q (%s)", ttft.Verdict, ttft.Note)
	}
	if ttft.Verdict == VerdictTooFew && (ttft.Need <= ttft.N || !strings.Contains(ttft.Note, "n=10, need ≈")) {
		t.Fatalf("too few: need %d for n %d, note %q", ttft.Need, ttft.N, ttft.Note)
	}
	if s := c.summary(); strings.Contains(s, "no significant change") {
		t.Fatalf("summary %q", s)
	}
}

// TestCompareIntervalAgreesWithVerdict checks every dimension row of
// comparisons small and large: the interval printed excludes 0 exactly
// when the row is significant (improved, regressed, or significant but
// under its floor).
func TestCompareIntervalAgreesWithVerdict(t *testing.T) {
	tpls := smokeTemplates(t)
	for _, tc := range []struct {
		name string
		n    int
		b    synthRun
	}{
		{"same, 10 tasks", 10, synthRun{pace: baseline.DefaultPace(), seed: 4}},
		{"wrong answers, 10 tasks", 10, synthRun{pace: baseline.DefaultPace(), wrongShare: 0.5, seed: 5}},
		{"wrong answers, 200 tasks", 200, synthRun{pace: baseline.DefaultPace(), wrongShare: 0.3, seed: 6}},
		{"slower, 30 tasks", 30, synthRun{pace: baseline.Pace{TTFT: time.Second, PerToken: 40 * time.Millisecond}, seed: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.n = tc.n
			a := synthesize(t, tpls, synthRun{n: tc.n, pace: baseline.DefaultPace(), seed: 3})
			c, err := Compare(synthReport("a", a), synthReport("b", synthesize(t, tpls, tc.b)), CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range c.Rows {
				if r.Kind != KindDimension || r.CIHolm == nil {
					continue
				}
				excludes := r.CIHolm[0] > 0 || r.CIHolm[1] < 0
				sig := r.Verdict == VerdictImproved || r.Verdict == VerdictRegressed || strings.Contains(r.Note, "below the threshold")
				if excludes != sig {
					t.Errorf("%s: interval [%.2f, %.2f] with verdict %q (%s)", r.Name, r.CIHolm[0], r.CIHolm[1], r.Verdict, r.Note)
				}
			}
		})
	}
}
