package stats

import (
	"reflect"
	"testing"
)

func TestRankRanges(t *testing.T) {
	cases := []struct {
		name   string
		lo, hi []float64
		want   [][2]int
	}{
		// Disjoint intervals: single ranks.
		{"disjoint", []float64{8, 5, 1}, []float64{9, 6, 2}, [][2]int{{1, 1}, {2, 2}, {3, 3}}},
		// All overlapping: everyone 1–3.
		{"overlap", []float64{4, 3, 2}, []float64{9, 8, 7}, [][2]int{{1, 3}, {1, 3}, {1, 3}}},
		// A chain: the first overlaps the second only, the second both.
		{"chain", []float64{7, 4, 1}, []float64{9, 7.5, 4.5}, [][2]int{{1, 2}, {1, 3}, {2, 3}}},
		// Point estimates (no CI) that tie share the range.
		{"tie", []float64{5, 5}, []float64{5, 5}, [][2]int{{1, 2}, {1, 2}}},
		// Touching bounds overlap (strict inequalities).
		{"touching", []float64{5, 3}, []float64{7, 5}, [][2]int{{1, 2}, {1, 2}}},
		{"empty", nil, nil, [][2]int{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := RankRanges(tc.lo, tc.hi); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}
