package leaderboard_test

import (
	"fmt"
	"strings"

	"github.com/janus-bench/janus/leaderboard"
)

// Arena votes, one JSON object a line as the gateway writes them, rated
// with Bradley–Terry (bootstrap intervals, seeded, so the same votes give
// the same table) and, for continuity with older boards, Elo.
func ExampleBradleyTerry() {
	var b strings.Builder
	line := func(id, a, bb, winner string, minute int) {
		fmt.Fprintf(&b, `{"id":%q,"prompt_id":"p","competitor_a":%q,"competitor_b":%q,"winner":%q,"voter":"h","voted_at":"2026-11-23T12:%02d:00Z"}`+"\n",
			id, a, bb, winner, minute)
	}
	outcomes := []string{leaderboard.WinnerA, leaderboard.WinnerA, leaderboard.WinnerTie, leaderboard.WinnerB, leaderboard.WinnerA}
	for i := range 40 {
		line(fmt.Sprint("v", i), "big", "small", outcomes[i%len(outcomes)], i)
	}
	for i := range 10 {
		w := leaderboard.WinnerA
		if i%4 == 0 {
			w = leaderboard.WinnerB // tiny wins one in four
		}
		line(fmt.Sprint("w", i), "small", "tiny", w, i)
	}
	votes, err := leaderboard.ParseVotes(strings.NewReader(b.String()), "votes.jsonl")
	if err != nil {
		fmt.Println(err)
		return
	}
	rs, err := leaderboard.BradleyTerry(votes, leaderboard.BTOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rs {
		fmt.Printf("rank %d–%d %-5s %4.0f [%4.0f, %4.0f]  won %d lost %d tied %d\n", r.RankLo, r.RankHi, r.Competitor, r.Rating,
			r.CI95[0], r.CI95[1], r.Wins, r.Losses, r.Ties)
	}
	for _, r := range leaderboard.Elo(votes, leaderboard.EloOptions{}) {
		fmt.Printf("elo %-5s %4.0f\n", r.Competitor, r.Rating)
	}
	// Output:
	// rank 1–2 big   1647 [1560, 1968]  won 24 lost 8 tied 8
	// rank 1–3 small 1500 [1420, 1852]  won 15 lost 27 tied 8
	// rank 2–3 tiny  1353 [ 666, 1469]  won 3 lost 7 tied 0
	// elo big   1592
	// elo small 1465
	// elo tiny  1443
}
