package stats

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Stratum is a run of items, [Start, Start+N), that a stratified
// bootstrap resamples among themselves.
type Stratum struct{ Start, N int }

// StratifiedBootstrap draws resamples stratified bootstrap resamples of n
// items laid out in strata (Davison & Hinkley, Bootstrap Methods and
// their Application, §3.2) and calls fn with each one's counts: counts[k]
// is how many times item k was drawn. Each stratum is redrawn with
// replacement to its own size, so every resample keeps the strata's mix.
// The draws are rng.IntN(s.N), stratum by stratum in the order given, so
// the same rng state, strata and n give the same resamples. counts is
// reused between calls; fn must not keep it. With n = 0 there is nothing
// to draw and fn is never called.
func StratifiedBootstrap(rng *rand.Rand, n, resamples int, strata []Stratum, fn func(counts []float64)) {
	if n == 0 {
		return
	}
	counts := make([]float64, n)
	for range resamples {
		clear(counts)
		for _, s := range strata {
			for range s.N {
				counts[s.Start+rng.IntN(s.N)]++
			}
		}
		fn(counts)
	}
}

// BootstrapP is the two-sided bootstrap p-value of "no difference" from
// sorted resampled differences: twice the smaller share of them on either
// side of 0 (a difference of exactly 0 counts on both), with the +1
// correction of Davison & Hinkley (eq. 4.11) that keeps it valid at
// small resample counts, capped at 1. With no samples it is 1.
func BootstrapP(sorted []float64) float64 {
	b := len(sorted)
	if b == 0 {
		return 1
	}
	le := sort.SearchFloat64s(sorted, math.Nextafter(0, 1)) // d ≤ 0
	ge := b - sort.SearchFloat64s(sorted, 0)                // d ≥ 0
	return math.Min(1, 2*float64(min(le, ge)+1)/float64(b+1))
}
