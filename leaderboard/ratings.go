package leaderboard

import (
	"cmp"
	"math/rand/v2"
	"slices"

	"github.com/janus-bench/janus/stats"
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

// matchesOf is votes as stats matches between the competitors of idx,
// a both_bad vote a tie.
func matchesOf(votes []Vote, idx map[string]int) []stats.Match {
	ms := make([]stats.Match, len(votes))
	for k, v := range votes {
		ms[k] = stats.Match{A: idx[v.CompetitorA], B: idx[v.CompetitorB], Score: outcome(v.Winner)}
	}
	return ms
}

// Elo replays votes in time order (then id) with the classic update
// (stats.Elo: K=32, initial 1500, tie 0.5), for continuity with the Janus
// PoC. Elo depends on vote order by design; Bradley-Terry does not.
// Ratings come highest first.
func Elo(votes []Vote, o EloOptions) []Rating {
	if o.K == 0 {
		o.K = 32
	}
	if o.Initial == 0 {
		o.Initial = 1500
	}
	names, idx := competitorsOf(votes)
	elo := stats.Elo(len(names), matchesOf(sortVotes(votes), idx), o.K, o.Initial)
	rs := make([]Rating, len(names))
	for i, n := range names {
		rs[i] = Rating{Competitor: n, Rating: elo[i]}
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
	for i, rr := range stats.RankRanges(lo, hi) {
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

// BradleyTerry fits the Bradley-Terry model to votes (stats.BradleyTerry:
// P(i beats j) = 1/(1+exp(βj−βi)) by maximum likelihood, ties and
// both_bad as half a win each, a small ridge penalty for finiteness) and
// reports 1500 + 400/ln10·β with β centred at 0. The CI95 is a percentile
// bootstrap over votes. Votes are put in canonical order (time, then id)
// first, and the resampling is seeded, so the result does not depend on
// the order votes were inserted.
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
	so := stats.BTOptions{Resamples: o.Bootstrap, Ridge: o.Ridge}
	if o.Bootstrap > 0 {
		so.Rand = rand.New(rand.NewPCG(o.Seed, 0x6a616e7573))
	}
	ratings, ci, err := stats.BradleyTerry(len(names), matchesOf(votes, idx), so)
	if err != nil {
		return nil, err // already "bradley-terry: …", as before the move
	}
	rs := make([]Rating, len(names))
	for i, name := range names {
		rs[i] = Rating{Competitor: name, Rating: ratings[i]}
		if ci != nil {
			rs[i].CI95 = &ci[i]
		}
	}
	counts(votes, idx, rs)
	return finishRatings(rs), nil
}
