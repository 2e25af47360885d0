package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestWilson(t *testing.T) {
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		// Reference values were computed separately (Python, z = 1.959963984540054).
		{7, 8, 0.529112, 0.977583},  // the smoke suite with one task failed
		{5, 10, 0.236593, 0.763407}, // symmetric around one half
		{0, 10, 0, 0.277533},        // no successes: lower bound exactly 0, upper bound still informative
		{10, 10, 0.722467, 1},       // all successes: mirror image
		{1, 1, 0.206549, 1},         // one trial says little
		{0, 0, 0, 1},                // no trials: nothing known
		{12, 10, 0.722467, 1},       // k above n is clamped to n
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := Wilson(c.k, c.n)
			if math.Abs(got[0]-c.lo) > 1e-6 || math.Abs(got[1]-c.hi) > 1e-6 {
				t.Errorf("Wilson(%d, %d) = %v, want [%v, %v]", c.k, c.n, got, c.lo, c.hi)
			}
		})
	}
}

func TestPercentileCI(t *testing.T) {
	s := make([]float64, 2000)
	for i := range s {
		s[i] = float64(i + 1)
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(s), func(a, b int) { s[a], s[b] = s[b], s[a] })
	before := slices.Clone(s)
	// Empirical quantiles of 1..2000: the 50th and 1950th values.
	if got := PercentileCI(s); got != [2]float64{50, 1950} {
		t.Errorf("PercentileCI = %v, want [50, 1950]", got)
	}
	if !slices.Equal(s, before) {
		t.Error("PercentileCI modified its input")
	}
}

func TestCentralInterval(t *testing.T) {
	s := make([]float64, 1000)
	for i := range s {
		s[i] = float64(i + 1)
	}
	cases := []struct {
		alpha float64
		want  [2]float64
	}{
		// The empirical quantile is the smallest value with at least the
		// level's share of the values at or below it.
		{0.1, [2]float64{50, 950}},
		{0.01, [2]float64{5, 995}},
		{1, [2]float64{500, 500}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.alpha), func(t *testing.T) {
			if got := CentralInterval(s, tc.alpha); got != tc.want {
				t.Errorf("CentralInterval(1..1000, %v) = %v, want %v", tc.alpha, got, tc.want)
			}
		})
	}
}
