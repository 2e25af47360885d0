package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// PercentileCI is the 95% percentile bootstrap interval of samples (Efron
// & Tibshirani, An Introduction to the Bootstrap, §13.3): their empirical
// 2.5th and 97.5th percentiles (gonum stat.Quantile, stat.Empirical).
// samples is not modified; it must not be empty.
func PercentileCI(samples []float64) [2]float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	return [2]float64{stat.Quantile(0.025, stat.Empirical, s, nil), stat.Quantile(0.975, stat.Empirical, s, nil)}
}

// CentralInterval is the central 1−alpha percentile interval of sorted
// bootstrap samples: their empirical alpha/2 and 1−alpha/2 quantiles. It
// is PercentileCI at any level, for an interval that must agree with a
// test at a corrected level (see Holm). sorted must be sorted and not
// empty.
func CentralInterval(sorted []float64, alpha float64) [2]float64 {
	return [2]float64{stat.Quantile(alpha/2, stat.Empirical, sorted, nil), stat.Quantile(1-alpha/2, stat.Empirical, sorted, nil)}
}

// z975 is the standard normal's 97.5th percentile, ≈ 1.959964; computed
// once, never written.
var z975 = distuv.UnitNormal.Quantile(0.975)

// Wilson is the 95% Wilson score interval of a proportion of k successes
// in n trials (Wilson 1927; Brown, Cai & DasGupta 2001):
//
//	(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n),  z = Φ⁻¹(0.975)
//
// Unlike p̂ ± z·SE it stays inside [0, 1] and does not collapse to a point
// at 0 or n successes. With n = 0 nothing is known: [0, 1]. k is clamped
// to [0, n].
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
