package scorer

import (
	"math/rand/v2"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/stats"
)

const (
	// pcgStream is the PCG's second seed word; fixed, so the seed alone
	// picks the sequence.
	pcgStream uint64 = 0x626f6f7473747261 // "bootstra"
)

// resample draws b.Resamples stratified resamples of n tasks laid out in
// strata (stats.StratifiedBootstrap, from a PCG seeded with b.Seed and
// pcgStream) and calls fn with each one's counts: counts[k] is how many
// times task k (in canonical order) was drawn. Each stratum keeps its
// size, so every resample has the same category mix as the run. counts is
// reused between calls.
func resample(b record.Bootstrap, n int, strata []stratum, fn func(counts []float64)) {
	ss := make([]stats.Stratum, len(strata))
	for i, s := range strata {
		ss[i] = stats.Stratum{Start: s.start, N: s.n}
	}
	stats.StratifiedBootstrap(rand.New(rand.NewPCG(b.Seed, pcgStream)), n, b.Resamples, ss, fn)
}

// Resample runs the stratified bootstrap over tasks (zero fields of b take
// their defaults) and calls fn once per resample with counts[i], the
// number of times tasks[i] was drawn. The draws walk the tasks in
// CanonicalOrder, so the same tasks in any order get the same resamples.
// counts is reused between calls; fn must not keep it.
func Resample(b record.Bootstrap, tasks []record.TaskResult, fn func(counts []float64)) {
	b = b.WithDefaults()
	order, strata := canonical(tasks)
	out := make([]float64, len(tasks))
	resample(b, len(tasks), strata, func(c []float64) {
		for k, i := range order {
			out[i] = c[k]
		}
		fn(out)
	})
}

// PassScore is the evaluator score at or above which a task counts as
// passed.
const PassScore = 0.5

// Passed says whether a task passed: its request succeeded and its
// evaluator score is at least PassScore.
func Passed(t record.TaskResult) bool { return !failed(t) && t.Score >= PassScore }

// PassRate is the share of tasks that passed (Passed), over every task,
// with its 95% Wilson interval.
func PassRate(tasks []record.TaskResult) record.Rate {
	r := record.Rate{N: len(tasks)}
	for _, t := range tasks {
		if Passed(t) {
			r.Passed++
		}
	}
	if r.N > 0 {
		r.Value = float64(r.Passed) / float64(r.N)
	}
	r.CI95 = stats.Wilson(r.Passed, r.N)
	return r
}
