package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// rescore scores a copy of r's tasks in the given order and returns the
// JSON of everything computed from them.
func rescore(t *testing.T, r *record.Report, order []int) []byte {
	t.Helper()
	c := *r
	c.Tasks = make([]record.TaskResult, len(order))
	for i, j := range order {
		c.Tasks[i] = r.Tasks[j]
	}
	c.Scores = scorer.ScoreWith(c.Tasks, ScoringOptions(c.Scoring, c.Weights, c.Run.Model))
	Aggregate(&c)
	b, err := json.MarshalIndent(struct {
		Scores     record.Scores             `json:"scores"`
		PassRate   *record.Rate              `json:"pass_rate"`
		Metrics    map[string]record.Summary `json:"metrics"`
		Violations map[string]int            `json:"violations"`
	}{c.Scores, c.PassRate, c.Metrics, c.Violations}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestRescoreStoredRunIsBitIdentical scores a stored run (generated once
// with `janus bench run` against the embedded target, testdata/smoke-run.json)
// 20 times in its own order and 20 times shuffled: the scores, intervals,
// pass rate and metric summaries must be the same bytes every time, and
// the same as the golden file.
func TestRescoreStoredRunIsBitIdentical(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "smoke-run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := record.Validate(b); err != nil {
		t.Fatalf("stored run: %v", err)
	}
	var r record.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	// A bigger run from the same tasks: five copies with distinct ids and
	// perturbed timings, so every interval has something to vary.
	base := len(r.Tasks)
	for k := 1; k < 5; k++ {
		for i := range base {
			tk := r.Tasks[i]
			tk.ID += "#" + string(rune('0'+k))
			m := tk.Metrics
			if m.TTFTMs != nil {
				v := *m.TTFTMs * (1 + 0.37*float64(k))
				m.TTFTMs = &v
			}
			if m.E2EMs != nil {
				v := *m.E2EMs * (1 + 0.21*float64(k))
				m.E2EMs = &v
			}
			tk.Metrics = m
			tk.Score = float64((i+k)%3) / 2
			r.Tasks = append(r.Tasks, tk)
		}
	}
	order := make([]int, len(r.Tasks))
	for i := range order {
		order[i] = i
	}
	want := rescore(t, &r, order)
	// The golden file holds full float64 digits, and gonum sums with SSE on
	// amd64 and in plain Go elsewhere, which may differ in a last bit
	// (docs/SCORING.md, section 11); the runs below compare exactly on any
	// architecture.
	if runtime.GOARCH == "amd64" {
		golden(t, "smoke-rescore.golden.json", want)
	}
	rng := rand.New(rand.NewPCG(20, 26))
	for i := range 20 {
		if got := rescore(t, &r, order); !bytes.Equal(got, want) {
			t.Fatalf("rescore %d in stored order differs", i)
		}
		shuffled := slices.Clone(order)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if got := rescore(t, &r, shuffled); !bytes.Equal(got, want) {
			t.Fatalf("rescore %d with shuffled tasks differs:\n%s", i, got)
		}
	}
}

// BenchmarkAggregate500 measures the metric intervals on 500 streamed
// tasks of 100 tokens each (50,000 pooled inter-token gaps).
func BenchmarkAggregate500(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := &record.Report{}
	cats := []string{"quality/chat", "quality/code", "tools", "streaming", "multimodal", "cost"}
	for i := range 500 {
		ttft, e2e := 100+rng.Float64()*900, 1000+rng.Float64()*4000
		itls := make([]float64, 99)
		for j := range itls {
			itls[j] = 10 + rng.Float64()*30
		}
		r.Tasks = append(r.Tasks, record.TaskResult{ID: string(rune('a'+i%26)) + string(rune('a'+i/26)), Category: cats[i%len(cats)],
			Status: record.StatusOK, Score: 1, Stream: true, ITLs: itls})
		r.Tasks[i].Metrics.TTFTMs, r.Tasks[i].Metrics.E2EMs = &ttft, &e2e
	}
	for b.Loop() {
		Aggregate(r)
	}
}
