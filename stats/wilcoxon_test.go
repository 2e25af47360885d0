package stats

import (
	"fmt"
	"math"
	"testing"
)

func TestWilcoxonSignedRank(t *testing.T) {
	// Reference values: z by the formula in the doc comment, p as
	// erfc(|z|/√2), both computed independently with Python's math module.
	cases := []struct {
		name  string
		d     []float64
		wantZ float64
		wantP float64
	}{
		// Hollander & Wolfe's depression data (R's wilcox.test example):
		// n = 9, no ties, W⁺ = 40.
		{"depression", []float64{0.952, -0.147, 1.022, 0.43, 0.62, 0.59, 0.49, -0.08, 0.01}, 2.0139861843809137, 0.04401098401295146},
		// Ties and a zero: the zero is dropped, n = 7, W⁺ = 26, two tie
		// groups of three reduce the variance from 35 to 34.
		{"ties and zero", []float64{1, 1, -1, 2, 2, 2, 0, 3}, 1.9722337291388516, 0.04858293092335843},
		// The same differences negated: z flips sign, p stays.
		{"mirrored", []float64{-1, -1, 1, -2, -2, -2, 0, -3}, -1.9722337291388516, 0.04858293092335843},
		// Nothing but zeros: nothing to test.
		{"all zero", []float64{0, 0, 0}, 0, 1},
		// One pair: the continuity correction swallows the deviation.
		{"single", []float64{-4}, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			z, p := WilcoxonSignedRank(tc.d)
			if math.Abs(z-tc.wantZ) > 1e-9 || math.Abs(p-tc.wantP) > 1e-9 {
				t.Fatalf("z %.12f p %.12f, want z %.12f p %.12f", z, p, tc.wantZ, tc.wantP)
			}
		})
	}
}

// FuzzWilcoxonSignedRank checks the test's invariants on any differences:
// p is in [0, 1]; negating every difference flips z and keeps p; the
// order of the differences does not matter.
func FuzzWilcoxonSignedRank(f *testing.F) {
	f.Add(0.952, -0.147, 1.022, 0.43, 0.0)
	f.Add(1.0, 1.0, -1.0, 2.0, 2.0)
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0)
	f.Add(math.NaN(), 1.0, math.Inf(1), -3.0, 3.0)
	f.Fuzz(func(t *testing.T, a, b, c, d, e float64) {
		xs := []float64{a, b, c, d, e}
		z, p := WilcoxonSignedRank(xs)
		if !(p >= 0 && p <= 1) {
			t.Fatalf("p = %v outside [0, 1] for %v", p, xs)
		}
		neg := make([]float64, len(xs))
		for i, x := range xs {
			neg[i] = -x
		}
		if nz, np := WilcoxonSignedRank(neg); nz != -z || np != p {
			t.Errorf("negated: z %v p %v, want %v %v", nz, np, -z, p)
		}
		rev := []float64{e, d, c, b, a}
		if rz, rp := WilcoxonSignedRank(rev); rz != z || rp != p {
			t.Errorf("reversed: z %v p %v, want %v %v", rz, rp, z, p)
		}
	})
}

func TestWilcoxonMinN(t *testing.T) {
	cases := []struct {
		alpha float64
		want  int
	}{
		// All positive, no ties: z = (n(n+1)/4 − ½)/√(n(n+1)(2n+1)/24).
		// n = 5: z ≈ 1.888, p ≈ 0.059; n = 6: z ≈ 2.097, p ≈ 0.036.
		{0.05, 6},
		// n = 8: p ≈ 0.0143; n = 9: p ≈ 0.0092.
		{0.01, 9},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.alpha), func(t *testing.T) {
			if got := WilcoxonMinN(tc.alpha); got != tc.want {
				t.Errorf("WilcoxonMinN(%v) = %d, want %d", tc.alpha, got, tc.want)
			}
		})
	}
}
