package stats

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestBootstrapP(t *testing.T) {
	cases := []struct {
		name string
		d    []float64
		want float64
	}{
		// Every resample identical to 0: no evidence at all.
		{"all zero", []float64{0, 0, 0, 0}, 1},
		// Every resample negative: the smallest p the count allows.
		{"all below", []float64{-3, -2, -1, -1}, 2.0 / 5},
		// Balanced around 0.
		{"balanced", []float64{-1, -1, 1, 1}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := BootstrapP(tc.d); math.Abs(got-tc.want) > 1e-12 {
				t.Fatalf("p %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStratifiedBootstrap(t *testing.T) {
	strata := []Stratum{{Start: 0, N: 3}, {Start: 3, N: 5}, {Start: 8, N: 1}}
	calls := 0
	StratifiedBootstrap(rand.New(rand.NewPCG(1, 2)), 9, 200, strata, func(counts []float64) {
		calls++
		for _, s := range strata {
			sum := 0.0
			for _, c := range counts[s.Start : s.Start+s.N] {
				sum += c
			}
			if sum != float64(s.N) {
				t.Fatalf("stratum %+v drew %v items, want its size", s, sum)
			}
		}
	})
	if calls != 200 {
		t.Errorf("%d resamples, want 200", calls)
	}
	// The same seed gives the same draws; fn sees each resample once.
	draw := func(seed uint64) [][]float64 {
		var out [][]float64
		StratifiedBootstrap(rand.New(rand.NewPCG(seed, 2)), 9, 5, strata, func(c []float64) { out = append(out, slices.Clone(c)) })
		return out
	}
	if a, b := draw(3), draw(3); !reflect.DeepEqual(a, b) {
		t.Error("same seed, different resamples")
	}
	if a, b := draw(3), draw(4); reflect.DeepEqual(a, b) {
		t.Error("different seeds, same resamples")
	}
	StratifiedBootstrap(rand.New(rand.NewPCG(1, 2)), 0, 10, nil, func([]float64) { t.Error("fn called with nothing to draw") })
}
