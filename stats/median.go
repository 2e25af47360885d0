package stats

import (
	"slices"

	"gonum.org/v1/gonum/stat"
)

// InterpMedian is the 0.5 quantile of xs by linear interpolation of the
// empirical distribution function (Hyndman & Fan 1996, type 4; gonum
// stat.Quantile with stat.LinInterp). It is not the textbook median: for
// an even count it is the lower middle value, for an odd count halfway
// between the middle value and the one below it. `janus bench compare`
// reports it as a metric's median, and a seeded comparison must not
// change, hence the name that says what it is. xs is not modified; it
// must not be empty.
func InterpMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return stat.Quantile(0.5, stat.LinInterp, s, nil)
}

// HighMedian is the high median of xs: the middle value of the sorted
// values, the larger of the two middle ones when there are an even number
// (Knuth, TAOCP vol. 3, §5.3.3). It is always one of the values, which a
// figure read as "a typical request took" wants. ok is false when xs is
// empty. xs is not modified.
func HighMedian(xs []float64) (v float64, ok bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2], true
}

// Median is the textbook sample median of xs: the middle value of the
// sorted values, or the mean of the two middle ones when there are an
// even number. xs is not modified; it must not be empty.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
