package leaderboard

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// Rating is one competitor's arena rating on the Elo scale (1500 average,
// 400 points = 10:1 odds), with its vote counts. A both_bad vote counts as
// a match and a tie (half a win each): the pair was compared and neither
// was preferred — unlike the Janus PoC, which dropped such votes and with
// them competitors that only had those.
type Rating struct {
	Competitor string  `json:"competitor"`
	Rating     float64 `json:"rating"`
	// CI95 is the 95% bootstrap interval (Bradley-Terry only).
	CI95    *[2]float64 `json:"ci95,omitempty"`
	Rank    int         `json:"rank"`
	RankLo  int         `json:"rank_lo"`
	RankHi  int         `json:"rank_hi"`
	Matches int         `json:"matches"`
	Wins    int         `json:"wins"`
	Losses  int         `json:"losses"`
	Ties    int         `json:"ties"`
	BothBad int         `json:"both_bad"`
}

// EloOptions tune Elo; zero values are the Janus PoC's K=32 and 1500.
type EloOptions struct {
	K       float64
	Initial float64
}

// outcome is A's score in a vote: 1 win, 0 loss, 0.5 tie or both_bad.
func outcome(w string) float64 {
	switch w {
	case WinnerA:
		return 1
	case WinnerB:
		return 0
	}
	return 0.5
}

// counts fills the win/loss/tie tallies of ratings indexed by name.
func counts(votes []Vote, idx map[string]int, rs []Rating) {
	for _, v := range votes {
		a, b := idx[v.CompetitorA], idx[v.CompetitorB]
		rs[a].Matches++
		rs[b].Matches++
		switch v.Winner {
		case WinnerA:
			rs[a].Wins++
			rs[b].Losses++
		case WinnerB:
			rs[b].Wins++
			rs[a].Losses++
		case WinnerTie:
			rs[a].Ties++
			rs[b].Ties++
		case WinnerBothBad:
			rs[a].BothBad++
			rs[b].BothBad++
		}
	}
}

// competitorsOf indexes the competitors of votes in name order.
func competitorsOf(votes []Vote) ([]string, map[string]int) {
	var names []string
	for _, v := range votes {
		names = append(names, v.CompetitorA, v.CompetitorB)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	idx := make(map[string]int, len(names))
	for i, n := range names {
		idx[n] = i
	}
	return names, idx
}

// sortVotes orders votes by vote time then id: the order Elo replays them
// in and the canonical order Bradley-Terry resamples from.
func sortVotes(votes []Vote) []Vote {
	v := slices.Clone(votes)
	slices.SortFunc(v, func(a, b Vote) int {
		if c := a.VotedAt.Compare(b.VotedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return v
}

// Elo replays votes in time order (then id) with the classic update
// (expected score 1/(1+10^((Rb−Ra)/400)), K=32, initial 1500, tie 0.5),
// for continuity with the Janus PoC. Elo depends on vote order by design;
// Bradley-Terry does not. Ratings come highest first.
func Elo(votes []Vote, o EloOptions) []Rating {
	if o.K == 0 {
		o.K = 32
	}
	if o.Initial == 0 {
		o.Initial = 1500
	}
	names, idx := competitorsOf(votes)
	rs := make([]Rating, len(names))
	for i, n := range names {
		rs[i] = Rating{Competitor: n, Rating: o.Initial}
	}
	for _, v := range sortVotes(votes) {
		a, b := idx[v.CompetitorA], idx[v.CompetitorB]
		ea := 1 / (1 + math.Pow(10, (rs[b].Rating-rs[a].Rating)/400))
		sa := outcome(v.Winner)
		rs[a].Rating += o.K * (sa - ea)
		rs[b].Rating += o.K * ((1 - sa) - (1 - ea))
	}
	counts(votes, idx, rs)
	return finishRatings(rs)
}

// finishRatings sorts ratings best first and ranks them (ranges from the
// CIs when there are any).
func finishRatings(rs []Rating) []Rating {
	slices.SortFunc(rs, func(a, b Rating) int {
		if c := cmp.Compare(b.Rating, a.Rating); c != 0 {
			return c
		}
		return cmp.Compare(a.Competitor, b.Competitor)
	})
	lo, hi := make([]float64, len(rs)), make([]float64, len(rs))
	for i, r := range rs {
		lo[i], hi[i] = r.Rating, r.Rating
		if r.CI95 != nil {
			lo[i], hi[i] = r.CI95[0], r.CI95[1]
		}
	}
	for i, rr := range RankRanges(lo, hi) {
		rs[i].Rank, rs[i].RankLo, rs[i].RankHi = i+1, rr[0], rr[1]
	}
	return rs
}

// BTOptions tune the Bradley-Terry fit; zero values are the defaults.
type BTOptions struct {
	// Bootstrap is the number of resamples for the CI (default 200; a
	// negative value skips the CI).
	Bootstrap int
	// Seed seeds the resampling (default 1), so the same votes give the
	// same intervals.
	Seed uint64
	// Ridge is the L2 penalty on log-strengths that keeps the fit finite
	// when a competitor never lost or never won (default 1e-3 per vote
	// pair-cell scale; see docs).
	Ridge float64
}

// eloScale maps a log-strength to Elo points: 400/ln 10.
const eloScale = 400 / math.Ln10

// BradleyTerry fits P(i beats j) = 1/(1+exp(βj−βi)) by maximum likelihood
// (gonum/optimize Newton on the summed log-likelihood of the pairwise
// tallies, ties and both_bad as half a win each, a small ridge penalty for
// finiteness), centres the β at 0 and reports 1500 + 400/ln10·β. The CI95
// is a percentile bootstrap over votes. Votes are put in canonical order
// (time, then id) first, and the resampling is seeded, so the result does
// not depend on the order votes were inserted.
func BradleyTerry(votes []Vote, o BTOptions) ([]Rating, error) {
	if len(votes) == 0 {
		return nil, nil
	}
	if o.Bootstrap == 0 {
		o.Bootstrap = 200
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Ridge == 0 {
		o.Ridge = 1e-3
	}
	votes = sortVotes(votes)
	names, idx := competitorsOf(votes)
	n := len(names)
	// Each vote as (pair cell, A's score) once, so resampling is a loop
	// over ints.
	type obs struct {
		i, j int
		s    float64
	}
	data := make([]obs, len(votes))
	for k, v := range votes {
		data[k] = obs{idx[v.CompetitorA], idx[v.CompetitorB], outcome(v.Winner)}
	}
	w := make([]float64, n*n) // w[i*n+j]: wins of i over j (ties as halves)
	tally := func(weight func(k int) float64) {
		clear(w)
		for k, d := range data {
			c := weight(k)
			if c == 0 {
				continue
			}
			w[d.i*n+d.j] += c * d.s
			w[d.j*n+d.i] += c * (1 - d.s)
		}
	}
	tally(func(int) float64 { return 1 })
	beta, err := fitBT(w, n, o.Ridge, nil)
	if err != nil {
		return nil, fmt.Errorf("bradley-terry: %w", err)
	}
	rs := make([]Rating, n)
	for i, name := range names {
		rs[i] = Rating{Competitor: name, Rating: 1500 + eloScale*beta[i]}
	}
	if o.Bootstrap > 0 {
		rng := rand.New(rand.NewPCG(o.Seed, 0x6a616e7573))
		samples := make([][]float64, n)
		mult := make([]float64, len(data))
		for range o.Bootstrap {
			clear(mult)
			for range data {
				mult[rng.IntN(len(data))]++
			}
			tally(func(k int) float64 { return mult[k] })
			b, err := fitBT(w, n, o.Ridge, beta)
			if err != nil {
				return nil, fmt.Errorf("bradley-terry bootstrap: %w", err)
			}
			for i := range n {
				samples[i] = append(samples[i], 1500+eloScale*b[i])
			}
		}
		for i := range n {
			slices.Sort(samples[i])
			ci := [2]float64{stat.Quantile(0.025, stat.Empirical, samples[i], nil),
				stat.Quantile(0.975, stat.Empirical, samples[i], nil)}
			rs[i].CI95 = &ci
		}
	}
	counts(votes, idx, rs)
	return finishRatings(rs), nil
}

// fitBT maximises the Bradley-Terry log-likelihood of the tallies w (n×n)
// minus ridge·Σβ², from start (nil: zeros), and returns β centred at 0.
func fitBT(w []float64, n int, ridge float64, start []float64) ([]float64, error) {
	// Only pairs with games contribute; listing them once keeps each
	// evaluation O(pairs) rather than O(n²).
	type pair struct {
		i, j     int
		wij, wji float64
	}
	var ps []pair
	for i := range n {
		for j := i + 1; j < n; j++ {
			if a, b := w[i*n+j], w[j*n+i]; a+b > 0 {
				ps = append(ps, pair{i, j, a, b})
			}
		}
	}
	// Each pair term is wij·softplus(−d) + wji·softplus(d) with d = βi−βj;
	// softplus(d) = softplus(−d) + d, so one log1p per pair suffices.
	p := optimize.Problem{
		Func: func(x []float64) float64 {
			f := 0.0
			for _, q := range ps {
				d := x[q.i] - x[q.j]
				f += (q.wij+q.wji)*softplus(-d) + q.wji*d
			}
			for _, v := range x {
				f += ridge * v * v
			}
			return f
		},
		Grad: func(g, x []float64) {
			clear(g)
			for _, q := range ps {
				d := x[q.i] - x[q.j]
				s := sigmoid(d)
				// d/dd of the pair term: −wij·(1−σ) + wji·σ
				gd := -q.wij*(1-s) + q.wji*s
				g[q.i] += gd
				g[q.j] -= gd
			}
			for k, v := range x {
				g[k] += 2 * ridge * v
			}
		},
		// The Hessian is cheap (n ≤ a few hundred) and lets Newton's
		// method converge in a handful of steps instead of BFGS's dozens.
		Hess: func(h *mat.SymDense, x []float64) {
			for i := range n {
				for j := i; j < n; j++ {
					h.SetSym(i, j, 0)
				}
				h.SetSym(i, i, 2*ridge)
			}
			for _, q := range ps {
				d := x[q.i] - x[q.j]
				s := sigmoid(d)
				c := (q.wij + q.wji) * s * (1 - s)
				h.SetSym(q.i, q.i, h.At(q.i, q.i)+c)
				h.SetSym(q.j, q.j, h.At(q.j, q.j)+c)
				h.SetSym(q.i, q.j, h.At(q.i, q.j)-c)
			}
		},
	}
	x0 := make([]float64, n)
	if start != nil {
		copy(x0, start)
	}
	res, err := optimize.Minimize(p, x0, &optimize.Settings{GradientThreshold: 1e-8}, &optimize.Newton{})
	if err != nil && res == nil {
		return nil, err
	}
	if res == nil || !finite(res.X) {
		return nil, errors.New("fit did not converge")
	}
	x := res.X
	mean := stat.Mean(x, nil)
	for i := range x {
		x[i] -= mean
	}
	return x, nil
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1+e^x), computed without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}
