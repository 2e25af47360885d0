package stats

import (
	"math"
	"slices"
	"testing"
)

func TestHolm(t *testing.T) {
	cases := []struct {
		name string
		p    []float64
		want []float64
	}{
		// m = 3: 0.01·3, 0.03·2, then max(0.06, 0.04·1).
		{"step-down", []float64{0.01, 0.04, 0.03}, []float64{0.03, 0.06, 0.06}},
		// Capped at 1.
		{"capped", []float64{0.6, 0.5}, []float64{1, 1}},
		// A family of one is left alone.
		{"single", []float64{0.02}, []float64{0.02}},
		{"empty", nil, []float64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Holm(tc.p)
			if len(got) != len(tc.want) {
				t.Fatalf("Holm(%v) = %v, want %v", tc.p, got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Errorf("Holm(%v)[%d] = %v, want %v", tc.p, i, got[i], tc.want[i])
				}
			}
		})
	}
}

// FuzzHolm checks the correction's invariants on any family: an adjusted
// p-value is at least the raw one and at most 1, adjusting keeps the
// order of the raw p-values, and the input is left alone.
func FuzzHolm(f *testing.F) {
	f.Add(0.01, 0.04, 0.03, 0.5)
	f.Add(0.0, 0.0, 1.0, 1.0)
	f.Add(0.2, 0.2, 0.2, 0.2)
	f.Fuzz(func(t *testing.T, a, b, c, d float64) {
		p := []float64{a, b, c, d}
		for i, v := range p {
			p[i] = math.Abs(math.Mod(v, 1)) // p-values are in [0, 1]
			if math.IsNaN(p[i]) {
				p[i] = 1
			}
		}
		before := slices.Clone(p)
		adj := Holm(p)
		if !slices.Equal(p, before) {
			t.Fatal("Holm modified its input")
		}
		for i := range p {
			if adj[i] < p[i] || adj[i] > 1 {
				t.Errorf("adjusted %v of p %v: outside [p, 1]", adj[i], p[i])
			}
			for j := range p {
				if p[i] < p[j] && adj[i] > adj[j] {
					t.Errorf("p %v < %v but adjusted %v > %v", p[i], p[j], adj[i], adj[j])
				}
			}
		}
	})
}
