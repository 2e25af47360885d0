package scorer

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/janus-bench/janus/record"
)

const (
	// pcgStream is the PCG's second seed word; fixed, so the seed alone
	// picks the sequence.
	pcgStream uint64 = 0x626f6f7473747261 // "bootstra"
)

// resample draws b.Resamples stratified resamples of n tasks laid out in
// strata and calls fn with each one's counts: counts[k] is how many times
// task k (in canonical order) was drawn. Each stratum keeps its size, so
// every resample has the same category mix as the run. counts is reused
// between calls.
func resample(b record.Bootstrap, n int, strata []stratum, fn func(counts []float64)) {
	if n == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(b.Seed, pcgStream))
	counts := make([]float64, n)
	for range b.Resamples {
		clear(counts)
		for _, s := range strata {
			for range s.n {
				counts[s.start+rng.IntN(s.n)]++
			}
		}
		fn(counts)
	}
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

// PercentileCI is the 95% percentile interval of bootstrap samples: their
// empirical 2.5th and 97.5th percentiles (gonum stat.Quantile,
// stat.Empirical). samples is not modified; it must not be empty.
func PercentileCI(samples []float64) [2]float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	return [2]float64{stat.Quantile(0.025, stat.Empirical, s, nil), stat.Quantile(0.975, stat.Empirical, s, nil)}
}

// z975 is the standard normal's 97.5th percentile, ≈ 1.959964.
var z975 = distuv.UnitNormal.Quantile(0.975)

// Wilson is the 95% Wilson score interval of a proportion of k successes
// in n trials:
//
//	(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n),  z = Φ⁻¹(0.975)
//
// Unlike p̂ ± z·SE it stays inside [0, 1] and does not collapse to a point
// at 0 or n successes. With n = 0 nothing is known: [0, 1].
func Wilson(k, n int) [2]float64 {
	if n <= 0 {
		return [2]float64{0, 1}
	}
	k = min(max(k, 0), n)
	nf, z2 := float64(n), z975*z975
	p := float64(k) / nf
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z975 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	lo, hi := math.Max(0, center-half), math.Min(1, center+half)
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return [2]float64{lo, hi}
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
	r.CI95 = Wilson(r.Passed, r.N)
	return r
}
