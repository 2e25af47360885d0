package stats

import (
	"math"
	"testing"
)

func TestPairedSampleSize(t *testing.T) {
	cases := []struct {
		name                     string
		alpha, power, sd, effect float64
		want                     float64
	}{
		// Reference values computed separately (Python's
		// statistics.NormalDist). The textbook case: α = 0.05, 80% power,
		// an effect of half a standard deviation: (1.959964 + 0.841621)² · 4.
		{"half sd", 0.05, 0.8, 1, 0.5, 31.395518937396343},
		// Halving the effect quadruples the pairs.
		{"quarter sd", 0.05, 0.8, 1, 0.25, 125.58207574958537},
		// A stricter level needs more.
		{"alpha 0.01", 0.01, 0.8, 1, 0.5, 46.715872694696706},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := PairedSampleSize(tc.alpha, tc.power, tc.sd, tc.effect); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("PairedSampleSize = %.4f, want %.4f", got, tc.want)
			}
		})
	}
}
