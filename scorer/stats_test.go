package scorer

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/stats"
)

func TestPassRate(t *testing.T) {
	tasks := []record.TaskResult{
		{Status: record.StatusOK, Score: 1},      // passed
		{Status: record.StatusOK, Score: 0.5},    // passed: the threshold is inclusive
		{Status: record.StatusOK, Score: 0.49},   // below the threshold
		{Status: record.StatusError, Score: 1},   // a failed request never passes
		{Status: record.StatusTimeout, Score: 0}, // nor does a timeout
	}
	r := PassRate(tasks)
	if r.Passed != 2 || r.N != 5 || r.Value != 0.4 || r.CI95 != stats.Wilson(2, 5) {
		t.Errorf("PassRate = %+v, want 2 of 5 with the Wilson interval", r)
	}
	if r := PassRate(nil); r.N != 0 || r.Value != 0 || r.CI95 != [2]float64{0, 1} {
		t.Errorf("PassRate(nil) = %+v", r)
	}
}

func TestResampleStratifiedAndOrderFree(t *testing.T) {
	tasks := randomTasks(rand.New(rand.NewPCG(5, 6)), 60)
	for i := range tasks {
		tasks[i].ID = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	perCat := map[string]float64{}
	for _, tk := range tasks {
		perCat[tk.Category]++
	}
	b := record.Bootstrap{Resamples: 50, Seed: 9}
	byID := func(ts []record.TaskResult) [][]float64 {
		var out [][]float64
		Resample(b, ts, func(counts []float64) {
			got := map[string]float64{}
			for i, c := range counts {
				got[ts[i].Category] += c
			}
			for cat, n := range perCat {
				if got[cat] != n {
					t.Fatalf("resample has %v %s tasks, want %v: strata must keep their size", got[cat], cat, n)
				}
			}
			row := make([]float64, len(ts))
			order := CanonicalOrder(ts)
			for k, i := range order {
				row[k] = counts[i]
			}
			out = append(out, row)
		})
		return out
	}
	want := byID(tasks)
	if len(want) != 50 {
		t.Fatalf("%d resamples, want 50", len(want))
	}
	shuffled := slices.Clone(tasks)
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(shuffled), func(a, c int) { shuffled[a], shuffled[c] = shuffled[c], shuffled[a] })
	got := byID(shuffled)
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("resample %d differs after shuffling the tasks", i)
		}
	}
}

// ciWidth is the width of a dimension's interval.
func ciWidth(d record.Score) float64 { return d.CI95[1] - d.CI95[0] }

func TestCINarrowsWithMoreTasks(t *testing.T) {
	small := ScoreWith(randomTasks(rand.New(rand.NewPCG(11, 12)), 50), Options{})
	large := ScoreWith(randomTasks(rand.New(rand.NewPCG(11, 12)), 500), Options{})
	for _, name := range record.WithComposite(record.DefaultDimensions()) {
		t.Run(string(name), func(t *testing.T) {
			s, _ := small.Lookup(name)
			l, _ := large.Lookup(name)
			if s.CI95 == nil || l.CI95 == nil {
				t.Fatalf("%s: no interval", name)
			}
			// Ten times the tasks: about √10 ≈ 3.2 times narrower; demand at least 1.6.
			if !(ciWidth(l) > 0) || ciWidth(l) > ciWidth(s)/1.6 {
				t.Errorf("%s: 95%% interval width %.2f over 50 tasks, %.2f over 500; want it to narrow", name, ciWidth(s), ciWidth(l))
			}
			for _, d := range []record.Score{s, l} {
				if d.CI95[0] > d.Value || d.CI95[1] < d.Value {
					t.Errorf("%s: interval %v does not contain the value %v", name, *d.CI95, d.Value)
				}
			}
		})
	}
}

func TestScoreWithSeed(t *testing.T) {
	tasks := randomTasks(rand.New(rand.NewPCG(13, 14)), 200)
	a := ScoreWith(tasks, Options{})
	b := ScoreWith(tasks, Options{Bootstrap: record.DefaultBootstrap()})
	c := ScoreWith(tasks, Options{Bootstrap: record.Bootstrap{Seed: 42}})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	jc, _ := json.Marshal(c)
	if string(ja) != string(jb) {
		t.Error("zero Bootstrap and DefaultBootstrap gave different scores")
	}
	if string(ja) == string(jc) {
		t.Error("another seed gave the very same intervals")
	}
	if a[record.Composite].Value != c[record.Composite].Value {
		t.Error("the seed changed a point estimate; it may only move intervals")
	}
}

func TestScoreEmpty(t *testing.T) {
	s := Score(nil, record.DefaultWeights(), record.DefaultTargets())
	for _, name := range record.WithComposite(record.DefaultDimensions()) {
		d, _ := s.Lookup(name)
		if d.Value != 0 || d.N != 0 || d.CI95 == nil || *d.CI95 != [2]float64{0, 0} {
			t.Errorf("%s of no tasks: %+v", name, d)
		}
	}
}

// BenchmarkScoreWith500 measures the case the bootstrap is sized for:
// 2,000 resamples of 500 tasks, every dimension and the composite.
func BenchmarkScoreWith500(b *testing.B) {
	tasks := randomTasks(rand.New(rand.NewPCG(1, 2)), 500)
	for b.Loop() {
		ScoreWith(tasks, Options{})
	}
}

func TestStratumOf(t *testing.T) {
	cats := []string{"quality/chat", "quality/chat", "quality/code", "tools", "multimodal", "streaming", "cost"}
	want := []string{
		"quality/chat", "quality/chat", // two tasks: a stratum of its own
		"~quality", "~quality", // singletons of the quality group pool together
		"~multimodal",      // the lone multimodal task stays apart from the rest
		"~other", "~other", // other singletons pool
	}
	var tasks []record.TaskResult
	for _, c := range cats {
		t.Run(c, func(t *testing.T) {
			tasks = append(tasks, record.TaskResult{Category: c})
		})
	}
	if got := StratumOf(tasks); !slices.Equal(got, want) {
		t.Errorf("StratumOf = %v, want %v", got, want)
	}
}
