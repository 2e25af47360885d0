package stats

import (
	"math"
	"sort"
)

// Holm adjusts the p-values of a family of tests by Holm's step-down
// procedure (Holm 1979), which holds the family-wise error rate at any
// level α when an adjusted value below α is read as significant: sorted
// ascending, the k-th smallest (from 0) is multiplied by m − k, capped at
// 1, and the adjusted values are made non-decreasing in that order. Equal
// p-values keep their input order. The result is parallel to p; p is not
// modified.
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	adj := make([]float64, m)
	running := 0.0
	for k, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-k)*p[i]))
		adj[i] = running
	}
	return adj
}
