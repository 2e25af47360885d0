package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

func TestHolm(t *testing.T) {
	// p = 0.01, 0.04, 0.03 and one untested row: m = 3, so 0.03, 0.06,
	// then max(0.06, 0.04·1) = 0.06.
	rows := []CompareRow{{P: 0.01}, {P: 0.04}, {Verdict: VerdictNotTested, P: 0}, {P: 0.03}}
	if m := holm(rows); m != 3 {
		t.Fatalf("family of %d, want 3", m)
	}
	want := []float64{0.03, 0.06, 0, 0.06}
	for i, w := range want {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if math.Abs(rows[i].PHolm-w) > 1e-12 {
				t.Errorf("row %d: p_holm %v, want %v", i, rows[i].PHolm, w)
			}
		})
	}
}

func TestParseCompareThresholds(t *testing.T) {
	cases := []struct {
		name    string
		specs   []string
		want    Thresholds
		wantErr string
	}{
		// The example: the sign is ignored.
		{"dimension", []string{"speed=-5"}, Thresholds{"speed": 5}, ""},
		// Comma-separated and repeated flags combine.
		{"several", []string{"speed=5,ttft_ms=10", "composite=1"}, Thresholds{"speed": 5, "ttft_ms": 10, "composite": 1}, ""},
		// A typo is an error, naming the valid names.
		{"unknown", []string{"sped=5"}, nil, "unknown name"},
		// So is a value that is not a number.
		{"not a number", []string{"speed=fast"}, nil, "not a number"},
		// And a name given twice.
		{"twice", []string{"speed=1", "speed=2"}, nil, "twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCompareThresholds(tc.specs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func verdicts(c *Comparison) map[string]string {
	out := map[string]string{}
	for _, r := range c.Rows {
		out[r.Name] = r.Verdict
	}
	return out
}

// TestCompareVerdicts checks direction, thresholds and pairing on
// synthetic runs with known differences.
func TestCompareVerdicts(t *testing.T) {
	tpls := smokeTemplates(t)
	base := synthesize(t, tpls, synthRun{n: 200, pace: baseline.DefaultPace(), seed: 1})
	cases := []struct {
		name string
		next []record.TaskResult
		th   Thresholds
		want map[string]string
	}{
		// The same run against itself: every p is 1.
		{"identical", base, nil, map[string]string{"composite": VerdictNoChange, "quality": VerdictNoChange, "ttft_ms": VerdictNoChange}},
		// Half the answers wrong: quality and the composite regress.
		{"wrong answers", synthesize(t, tpls, synthRun{n: 200, pace: baseline.DefaultPace(), wrongShare: 0.5, seed: 2}), nil,
			map[string]string{"quality": VerdictRegressed, "composite": VerdictRegressed}},
		// Twice the decode rate: faster tokens are an improvement on every
		// latency metric and on output_tps.
		{"faster decode", synthesize(t, tpls, synthRun{n: 200, pace: baseline.Pace{TTFT: 150 * time.Millisecond, PerToken: 10 * time.Millisecond}, seed: 3}), nil,
			map[string]string{"output_tps": VerdictImproved, "tpot_ms": VerdictImproved, "e2e_ms": VerdictImproved}},
		// The same, but with a 200% floor on output_tps: significant, yet
		// not large enough to count.
		{"below threshold", synthesize(t, tpls, synthRun{n: 200, pace: baseline.Pace{TTFT: 150 * time.Millisecond, PerToken: 10 * time.Millisecond}, seed: 3}),
			Thresholds{"output_tps": 200}, map[string]string{"output_tps": VerdictNoChange, "tpot_ms": VerdictImproved}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compare(synthReport("base", base), synthReport("new", tc.next), CompareOptions{Thresholds: tc.th})
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			got := verdicts(c)
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("%s: %s, want %s", name, got[name], want)
				}
			}
			for _, r := range c.Rows {
				if r.Note != "" && strings.Contains(r.Note, "not a plain mean") {
					t.Errorf("%s: %s", r.Name, r.Note)
				}
			}
		})
	}
}

// TestComparePairsByID leaves unmatched tasks out and refuses runs with
// nothing in common.
func TestComparePairsByID(t *testing.T) {
	tpls := smokeTemplates(t)
	a := synthesize(t, tpls, synthRun{n: 16, pace: baseline.DefaultPace(), seed: 1})
	b := synthesize(t, tpls, synthRun{n: 24, pace: baseline.DefaultPace(), seed: 2})
	c, err := Compare(synthReport("a", a[:12]), synthReport("b", b[4:]), CompareOptions{})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if c.Paired != 8 || len(c.OnlyBase) != 4 || len(c.OnlyNew) != 12 {
		t.Fatalf("paired %d, only base %d, only new %d; want 8, 4, 12", c.Paired, len(c.OnlyBase), len(c.OnlyNew))
	}
	for i := range b {
		b[i].ID += "-other"
	}
	var in *InputError
	if _, err := Compare(synthReport("a", a), synthReport("b", b), CompareOptions{}); !errors.As(err, &in) {
		t.Fatalf("no common task: err = %v, want an InputError", err)
	}
}

// TestCompareIsDeterministic: the same reports, in any task order, give
// the same comparison.
func TestCompareIsDeterministic(t *testing.T) {
	tpls := smokeTemplates(t)
	a := synthesize(t, tpls, synthRun{n: 80, pace: baseline.DefaultPace(), wrongShare: 0.3, seed: 5})
	b := synthesize(t, tpls, synthRun{n: 80, pace: baseline.DefaultPace(), wrongShare: 0.3, seed: 6})
	c1, _ := Compare(synthReport("a", a), synthReport("b", b), CompareOptions{})
	rev := make([]record.TaskResult, len(b))
	for i := range b {
		rev[len(b)-1-i] = b[i]
	}
	c2, _ := Compare(synthReport("a", a), synthReport("b", rev), CompareOptions{})
	j1, _ := json.Marshal(c1)
	j2, _ := json.Marshal(c2)
	if !bytes.Equal(j1, j2) {
		t.Fatalf("comparison depends on task order:\n%s\n%s", j1, j2)
	}
}

// TestCompareFalsePositiveRate is the acceptance test for noise: two runs
// of the same sim with different seeds must show no significant change on
// any row in at least 95 of 100 seeded repetitions. It runs for the oracle
// (only delivery jitter differs) and for the noisy profile (each seed
// also picks other tasks to get wrong).
func TestCompareFalsePositiveRate(t *testing.T) {
	tpls := smokeTemplates(t)
	reps := 100
	if raceEnabled {
		reps = 20 // the race detector makes this ~10× slower; the full count runs without it
	}
	// Without floors the statistics alone must hold the rate (the runs
	// differ only in per-task noise here); with the default floors too.
	noFloors := Thresholds{}
	for _, n := range ThresholdNames() {
		noFloors[n] = 0
	}
	floors := []struct {
		name string
		th   Thresholds
	}{{"default floors", nil}, {"no floors", noFloors}}
	type tasksPair struct{ a, b []record.TaskResult }
	for i, share := range []float64{0, 0.3} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			runs := make([]tasksPair, reps)
			for r := range reps {
				seed := uint64(1000 + 2*r)
				runs[r] = tasksPair{synthesize(t, tpls, synthRun{n: 200, pace: baseline.DefaultPace(), wrongShare: share, seed: seed}),
					synthesize(t, tpls, synthRun{n: 200, pace: baseline.DefaultPace(), wrongShare: share, seed: seed + 1})}
			}
			for _, fl := range floors {
				clean := 0
				for r, p := range runs {
					c, err := Compare(synthReport("a", p.a), synthReport("b", p.b), CompareOptions{Thresholds: fl.th})
					if err != nil {
						t.Fatalf("Compare: %v", err)
					}
					// No false positive: neither improved nor regressed ("too
					// few tasks to decide" is no claim either way).
					if s := c.summary(); s == "verdict: no significant change" || strings.HasPrefix(s, "verdict: too few tasks to decide") {
						clean++
					} else {
						t.Logf("share %.1f, %s, rep %d: %s", share, fl.name, r, c.summary())
					}
				}
				t.Logf("noisy share %.1f, %s: no significant change in %d of %d repetitions", share, fl.name, clean, reps)
				if float64(clean) < 0.95*float64(reps) {
					t.Errorf("noisy share %.1f, %s: no significant change in only %d of %d repetitions, want ≥ 95%%", share, fl.name, clean, reps)
				}
			}
		})
	}
}

// TestCompareDetectsTTFTSlowdown is the acceptance test for power: the
// sim's TTFT slowed by 10% on 200 tasks must read as a speed regression.
// At the default pace (150 ms) TTFT is far inside its 2 s target, so the
// speed dimension cannot move and the regression shows on ttft_ms; at the
// slow profile's 3 s it also costs speed points.
func TestCompareDetectsTTFTSlowdown(t *testing.T) {
	tpls := smokeTemplates(t)
	reps := 20
	if raceEnabled {
		reps = 5
	}
	cases := []struct {
		name string
		pace baseline.Pace
		// want lists the rows that must regress in every repetition.
		want []string
	}{
		// Default pace: the metric regresses, the dimension is capped.
		{"default pace", baseline.DefaultPace(), []string{"ttft_ms"}},
		// Slow profile's TTFT: past the target, speed loses points too.
		{"slow profile", baseline.Pace{TTFT: 3 * time.Second, PerToken: 20 * time.Millisecond}, []string{"ttft_ms", "speed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			slowed := tc.pace
			slowed.TTFT = tc.pace.TTFT * 11 / 10
			for r := range reps {
				seed := uint64(5000 + 2*r)
				a := synthesize(t, tpls, synthRun{n: 200, pace: tc.pace, seed: seed})
				b := synthesize(t, tpls, synthRun{n: 200, pace: slowed, seed: seed + 1})
				c, err := Compare(synthReport("a", a), synthReport("b", b), CompareOptions{})
				if err != nil {
					t.Fatalf("Compare: %v", err)
				}
				got := verdicts(c)
				for _, name := range tc.want {
					if got[name] != VerdictRegressed {
						t.Fatalf("rep %d: %s is %q, want regressed\n%s", r, name, got[name], c.summary())
					}
				}
				if err := c.RegressionError(); err == nil {
					t.Fatalf("rep %d: no regression error", r)
				}
			}
		})
	}
}

// TestCompareWriters renders every format: the Markdown table has one
// column count throughout, the JSON decodes back.
func TestCompareWriters(t *testing.T) {
	tpls := smokeTemplates(t)
	a := synthesize(t, tpls, synthRun{n: 40, pace: baseline.DefaultPace(), seed: 1})
	b := synthesize(t, tpls, synthRun{n: 40, pace: baseline.DefaultPace(), wrongShare: 0.5, seed: 2})
	c, err := Compare(synthReport("a", a), synthReport("b", b), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var txt, md, js bytes.Buffer
	if err := CompareText(c)(&txt); err != nil || !strings.Contains(txt.String(), "VERDICT") {
		t.Fatalf("text: %v\n%s", err, txt.String())
	}
	if err := CompareMarkdown(c)(&md); err != nil {
		t.Fatal(err)
	}
	cols := -1
	for _, line := range strings.Split(md.String(), "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols < 0 {
			cols = n
		} else if n != cols {
			t.Errorf("markdown row with %d pipes, header has %d: %s", n, cols, line)
		}
	}
	if err := CompareJSON(c)(&js); err != nil {
		t.Fatal(err)
	}
	var back Comparison
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Rows) != len(c.Rows) {
		t.Fatalf("json round trip: %v", err)
	}
}

// staticLoader serves one in-memory suite whatever the name.
type staticLoader struct{ s *suites.Suite }

func (l staticLoader) Load(context.Context, string) (*suites.Suite, error) { return l.s, nil }

// tiledSmoke is the smoke suite repeated to n tasks with distinct ids; the
// sim answers the copies like the originals (same messages).
func tiledSmoke(t *testing.T, n int) *suites.Suite {
	t.Helper()
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		t.Fatal(err)
	}
	out := *s
	out.Name, out.Tasks = "smoke-tiled", nil
	for i := range n {
		tk := s.Tasks[i%len(s.Tasks)]
		tk.ID = fmt.Sprintf("%s-%03d", tk.ID, i)
		out.Tasks = append(out.Tasks, tk)
	}
	if out.SHA256, err = suites.Hash(&out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestCompareAcceptanceRealSim repeats the acceptance measurements on the
// real sim over loopback: 100 pairs of 200-task runs with different sim
// seeds, and 10 pairs with the second run's TTFT slowed by 10%. It takes
// about ten minutes, so it runs only with JANUS_ACCEPTANCE=1; the figures
// it logs are the ones docs/SCORING.md quotes.
func TestCompareAcceptanceRealSim(t *testing.T) {
	if os.Getenv("JANUS_ACCEPTANCE") == "" {
		t.Skip("set JANUS_ACCEPTANCE=1 to run the ten-minute real-sim acceptance measurement")
	}
	suite := tiledSmoke(t, 200)
	run := func(seed uint64, pace baseline.Pace) *record.Report {
		url := startSim(t, baseline.Config{Pace: pace, Seed: seed, Suites: []*suites.Suite{suite}})
		rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: url, Loader: staticLoader{suite}, Concurrency: 32,
			Out: filepath.Join(t.TempDir(), "r.json")})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		return rep
	}
	reps, slowReps := 100, 10
	if n, err := strconv.Atoi(os.Getenv("JANUS_ACCEPTANCE_REPS")); err == nil && n > 0 {
		reps = n
	}
	clean := 0
	for r := range reps {
		a, b := run(uint64(2*r+1), baseline.DefaultPace()), run(uint64(2*r+2), baseline.DefaultPace())
		c, err := Compare(a, b, CompareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s := c.summary(); s == "verdict: no significant change" || strings.HasPrefix(s, "verdict: too few tasks to decide") {
			clean++ // no false positive
		} else {
			var b strings.Builder
			_ = CompareText(c)(&b)
			t.Logf("rep %d:\n%s", r, b.String())
		}
	}
	t.Logf("real sim, different seeds: no significant change in %d of %d repetitions", clean, reps)
	slowed := baseline.DefaultPace()
	slowed.TTFT = slowed.TTFT * 11 / 10
	detected := 0
	for r := range slowReps {
		a, b := run(uint64(1000+2*r), baseline.DefaultPace()), run(uint64(1001+2*r), slowed)
		c, err := Compare(a, b, CompareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if verdicts(c)["ttft_ms"] == VerdictRegressed {
			detected++
		}
		t.Logf("slowed rep %d: %s", r, c.summary())
	}
	t.Logf("real sim, TTFT +10%%: ttft_ms regressed in %d of %d repetitions", detected, slowReps)
	if float64(clean) < 0.95*float64(reps) || detected < slowReps {
		t.Errorf("acceptance not met: %d/%d clean, %d/%d slowdowns detected", clean, reps, detected, slowReps)
	}
}
