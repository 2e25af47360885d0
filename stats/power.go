package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// PairedSampleSize is the number of pairs, before rounding up, that a
// two-sided test at level alpha needs to detect a mean paired difference
// of size effect with the given power, when one pair's difference has
// standard deviation sd (the normal approximation of Cohen, Statistical
// Power Analysis, ch. 2):
//
//	n = ((z₁₋α/₂ + z_power) · sd / effect)²
//
// A rank test needs more: divide by its asymptotic relative efficiency
// (3/π for the Wilcoxon signed-rank test against the t-test under
// normality).
func PairedSampleSize(alpha, power, sd, effect float64) float64 {
	normal := distuv.Normal{Mu: 0, Sigma: 1}
	zsum := normal.Quantile(1-alpha/2) + normal.Quantile(power)
	return math.Pow(zsum*sd/effect, 2)
}
