package stats

import (
	"slices"
	"testing"
)

func TestMedians(t *testing.T) {
	cases := []struct {
		name   string
		xs     []float64
		interp float64
		high   float64
		median float64
	}{
		// Odd: type 4 is halfway between the middle value and the one
		// below; the high median is the middle value.
		{"odd", []float64{5, 1, 3}, 2, 3, 3},
		// Even: type 4 is the lower middle value, the high median the upper.
		// The textbook median averages the two.
		{"even", []float64{4, 1, 3, 2}, 2, 3, 2.5},
		{"one", []float64{7}, 7, 7, 7},
		{"ties", []float64{2, 2, 2, 9}, 2, 2, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.xs)
			if got := InterpMedian(tc.xs); got != tc.interp {
				t.Errorf("InterpMedian(%v) = %v, want %v", tc.xs, got, tc.interp)
			}
			if got := Median(tc.xs); got != tc.median {
				t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.median)
			}
			if got, ok := HighMedian(tc.xs); !ok || got != tc.high {
				t.Errorf("HighMedian(%v) = %v, %v, want %v", tc.xs, got, ok, tc.high)
			}
			if !slices.Equal(tc.xs, before) {
				t.Error("input modified")
			}
		})
	}
	if _, ok := HighMedian(nil); ok {
		t.Error("HighMedian(nil) reported a value")
	}
}
