package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestElo(t *testing.T) {
	cases := []struct {
		name    string
		matches []Match
		want    []float64
	}{
		// Equal ratings expect ½: a win moves each by K/2.
		{"one win", []Match{{0, 1, 1}}, []float64{1516, 1484}},
		{"one tie", []Match{{0, 1, 0.5}}, []float64{1500, 1500}},
		{"no matches", nil, []float64{1500, 1500, 1500}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Elo(len(tc.want), tc.matches, 32, 1500)
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-9 {
					t.Errorf("rating %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
	// The second win is worth less: 0 was already expected to win.
	r := Elo(2, []Match{{0, 1, 1}, {0, 1, 1}}, 32, 1500)
	if gain := r[0] - 1516; !(gain > 0 && gain < 16) {
		t.Errorf("second win gained %v, want between 0 and 16", gain)
	}
}

// btMatches draws n matches among items of log-strengths beta.
func btMatches(beta []float64, n int, seed uint64) []Match {
	rng := rand.New(rand.NewPCG(seed, 7))
	ms := make([]Match, n)
	for k := range ms {
		i := rng.IntN(len(beta))
		j := (i + 1 + rng.IntN(len(beta)-1)) % len(beta)
		s := 0.0
		if rng.Float64() < sigmoid(beta[i]-beta[j]) {
			s = 1
		}
		ms[k] = Match{i, j, s}
	}
	return ms
}

func TestBradleyTerry(t *testing.T) {
	beta := []float64{-1, 0, 0.5, 1.5}
	ms := btMatches(beta, 4000, 1)
	r, ci, err := BradleyTerry(len(beta), ms, BTOptions{Resamples: 40, Rand: rand.New(rand.NewPCG(1, 2)), Ridge: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for i := range r {
		mean += r[i] / float64(len(r))
		// The fit recovers each strength within its interval's reach.
		want := 1500 + EloScale*(beta[i]-0.25)
		if math.Abs(r[i]-want) > 60 {
			t.Errorf("item %d rated %.1f, want ≈ %.1f", i, r[i], want)
		}
		if !(ci[i][0] <= r[i] && r[i] <= ci[i][1]) {
			t.Errorf("item %d: rating %.1f outside its interval %v", i, r[i], ci[i])
		}
		if i > 0 && r[i] <= r[i-1] {
			t.Errorf("item %d rated %.1f, not above item %d's %.1f", i, r[i], i-1, r[i-1])
		}
	}
	if math.Abs(mean-1500) > 1e-6 {
		t.Errorf("ratings average %v, want 1500 (β centred)", mean)
	}
	again, ci2, _ := BradleyTerry(len(beta), ms, BTOptions{Resamples: 40, Rand: rand.New(rand.NewPCG(1, 2)), Ridge: 1e-3})
	for i := range r {
		if again[i] != r[i] || ci2[i] != ci[i] {
			t.Fatalf("same seed, different result at %d", i)
		}
	}
}

func TestBradleyTerryEdges(t *testing.T) {
	// One item that never lost stays finite through the ridge.
	r, ci, err := BradleyTerry(2, []Match{{0, 1, 1}, {0, 1, 1}}, BTOptions{Ridge: 1e-3})
	if err != nil || ci != nil || !finite(r) || r[0] <= r[1] {
		t.Errorf("unbeaten item: %v %v %v", r, ci, err)
	}
	if _, _, err := BradleyTerry(2, []Match{{0, 1, 1}}, BTOptions{Resamples: 5, Ridge: 1e-3}); err == nil {
		t.Error("resamples without a random source accepted")
	}
}
