package stats_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/janus-bench/janus/stats"
)

// A paired comparison as `janus bench compare` makes one: per-task
// latency differences tested with the Wilcoxon signed-rank test, and the
// family's p-values corrected with Holm's procedure.
func Example_pairedComparison() {
	// Time to first token of eight tasks, before and after a change.
	before := []float64{210, 190, 250, 230, 205, 220, 240, 199}
	after := []float64{260, 231, 270, 275, 246, 239, 290, 251}
	d := make([]float64, len(before))
	for i := range d {
		d[i] = after[i] - before[i]
	}
	z, p := stats.WilcoxonSignedRank(d)
	fmt.Printf("median difference %.1f ms, z %.2f, p %.4f\n", stats.InterpMedian(d), z, p)
	// Two more rows of the same comparison tested something else.
	adj := stats.Holm([]float64{p, 0.30, 0.02})
	fmt.Printf("Holm-adjusted: %.4f %.4f %.4f\n", adj[0], adj[1], adj[2])
	// Output:
	// median difference 41.0 ms, z 2.46, p 0.0140
	// Holm-adjusted: 0.0421 0.3000 0.0421
}

// A bootstrap interval of a mean, drawn from a seeded generator so the
// interval is the same on every run.
func ExamplePercentileCI() {
	scores := []float64{1, 1, 0, 1, 1, 1, 0, 1, 1, 1}
	rng := rand.New(rand.NewPCG(1, 2))
	var means []float64
	stats.StratifiedBootstrap(rng, len(scores), 2000, []stats.Stratum{{Start: 0, N: len(scores)}}, func(counts []float64) {
		sum := 0.0
		for i, c := range counts {
			sum += c * scores[i]
		}
		means = append(means, sum/float64(len(scores)))
	})
	ci := stats.PercentileCI(means)
	fmt.Printf("pass rate 0.8, bootstrap 95%% CI [%.1f, %.1f]\n", ci[0], ci[1])
	w := stats.Wilson(8, 10)
	fmt.Printf("Wilson 95%% CI [%.3f, %.3f]\n", w[0], w[1])
	// Output:
	// pass rate 0.8, bootstrap 95% CI [0.5, 1.0]
	// Wilson 95% CI [0.490, 0.943]
}

// Arena votes rated with Bradley–Terry, with bootstrap intervals and the
// rank ranges a leaderboard prints.
func ExampleBradleyTerry() {
	names := []string{"alpha", "beta", "gamma"}
	var matches []stats.Match
	add := func(a, b int, wins, losses, ties int) {
		for range wins {
			matches = append(matches, stats.Match{A: a, B: b, Score: 1})
		}
		for range losses {
			matches = append(matches, stats.Match{A: a, B: b, Score: 0})
		}
		for range ties {
			matches = append(matches, stats.Match{A: a, B: b, Score: 0.5})
		}
	}
	add(0, 1, 30, 10, 4) // alpha beat beta 30 to 10
	add(1, 2, 12, 11, 6) // beta and gamma are close
	add(0, 2, 25, 12, 3)
	r, ci, err := stats.BradleyTerry(len(names), matches, stats.BTOptions{Resamples: 200, Rand: rand.New(rand.NewPCG(1, 2)), Ridge: 1e-3})
	if err != nil {
		fmt.Println(err)
		return
	}
	lo, hi := make([]float64, len(r)), make([]float64, len(r))
	for i := range r {
		lo[i], hi[i] = ci[i][0], ci[i][1]
	}
	ranks := stats.RankRanges(lo, hi)
	for i, n := range names {
		fmt.Printf("%-5s %4.0f  rank %d–%d\n", n, r[i], ranks[i][0], ranks[i][1])
	}
	// Output:
	// alpha 1596  rank 1–1
	// beta  1446  rank 2–3
	// gamma 1458  rank 2–3
}
