package stats

import "slices"

// RankRanges gives each of n items, known by an interval lo[i]..hi[i],
// its best and worst possible rank, highest first: best = 1 + #{j: lo[j]
// > hi[i]}, worst = n − #{j: hi[j] < lo[i]}. Disjoint intervals give
// single ranks; overlapping ones share a range (touching bounds overlap).
// Ties in the point values are read the same way: intervals that are
// single points and equal share their ranks.
func RankRanges(lo, hi []float64) [][2]int {
	n := len(lo)
	out := make([][2]int, n)
	// Sorted bounds make it O(n log n): counts by binary search.
	slo, shi := slices.Clone(lo), slices.Clone(hi)
	slices.Sort(slo)
	slices.Sort(shi)
	for i := range n {
		// #{j: lo[j] > hi[i]}; i itself never counts because lo[i] ≤ hi[i].
		above := n - upperBound(slo, hi[i])
		// #{j: hi[j] < lo[i]}
		below := lowerBound(shi, lo[i])
		out[i] = [2]int{1 + above, n - below}
	}
	return out
}

// upperBound is the number of elements ≤ x in sorted s.
func upperBound(s []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(s, x, func(e, t float64) int {
		if e <= t {
			return -1
		}
		return 1
	})
	return i
}

// lowerBound is the number of elements < x in sorted s.
func lowerBound(s []float64, x float64) int {
	i, _ := slices.BinarySearchFunc(s, x, func(e, t float64) int {
		if e < t {
			return -1
		}
		return 1
	})
	return i
}
