package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// WilcoxonSignedRank tests whether paired differences d are symmetric
// about 0 (Wilcoxon 1945; Hollander & Wolfe, Nonparametric Statistical
// Methods, §3.1). Zero differences are dropped (Wilcoxon's convention),
// NaNs ignored, the rest ranked by |d| with tied ranks averaged, and W⁺
// (the sum of the positive ranks) compared with its null distribution
// through the normal approximation
//
//	z = (W⁺ − n(n+1)/4 ∓ ½) / √(n(n+1)(2n+1)/24 − Σ(t³−t)/48)
//
// with a continuity correction of ½ towards the mean and the variance
// reduced for every group of t tied ranks. It returns z and the two-sided
// p-value 2·(1 − Φ(|z|)) from gonum's standard normal. With no non-zero
// difference there is nothing to test: z = 0, p = 1.
func WilcoxonSignedRank(d []float64) (z, p float64) {
	abs := make([]float64, 0, len(d))
	pos := make([]bool, 0, len(d))
	for _, x := range d {
		if x != 0 && !math.IsNaN(x) {
			abs = append(abs, math.Abs(x))
			pos = append(pos, x > 0)
		}
	}
	n := len(abs)
	if n == 0 {
		return 0, 1
	}
	wPlus, tieSum := signedRanks(abs, pos)
	nf := float64(n)
	mean := nf * (nf + 1) / 4
	variance := nf*(nf+1)*(2*nf+1)/24 - tieSum/48
	if !(variance > 0) {
		return 0, 1
	}
	dev := wPlus - mean
	switch {
	case dev > 0.5:
		dev -= 0.5
	case dev < -0.5:
		dev += 0.5
	default:
		dev = 0
	}
	z = dev / math.Sqrt(variance)
	normal := distuv.Normal{Mu: 0, Sigma: 1}
	p = math.Min(1, 2*normal.CDF(-math.Abs(z)))
	return z, p
}

// signedRanks ranks abs ascending, ties averaged, and returns W⁺ (the sum
// of the ranks whose pos is set) and Σ(t³−t) over the groups of t ties.
func signedRanks(abs []float64, pos []bool) (wPlus, tieSum float64) {
	n := len(abs)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return abs[idx[a]] < abs[idx[b]] })
	for i := 0; i < n; {
		j := i
		for j+1 < n && abs[idx[j+1]] == abs[idx[i]] {
			j++
		}
		rank := float64(i+j+2) / 2 // ranks i+1 … j+1 averaged
		for k := i; k <= j; k++ {
			if pos[idx[k]] {
				wPlus += rank
			}
		}
		if t := float64(j - i + 1); t > 1 {
			tieSum += t*t*t - t
		}
		i = j + 1
	}
	return wPlus, tieSum
}

// WilcoxonMinN is the least number of pairs at which WilcoxonSignedRank
// can give p < alpha at all (every difference of one sign, no ties); a
// test on fewer pairs cannot reject at that level whatever the data. It
// is capped at 10000.
func WilcoxonMinN(alpha float64) int {
	for n := 1; n < 10000; n++ {
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(i + 1)
		}
		if _, p := WilcoxonSignedRank(d); p < alpha {
			return n
		}
	}
	return 10000
}
