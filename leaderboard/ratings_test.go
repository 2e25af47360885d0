package leaderboard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/stats"
)

func vote(id, a, b, w string, k int) Vote {
	return Vote{ID: id, CompetitorA: a, CompetitorB: b, Winner: w, CreatedAt: t0, VotedAt: t0.Add(time.Duration(k) * time.Minute)}
}

func TestElo(t *testing.T) {
	cases := []struct {
		name  string
		votes []Vote
		want  map[string]float64
	}{
		// One win from equal ratings moves K/2 = 16 each way.
		{"win", []Vote{vote("1", "x", "y", WinnerA, 0)}, map[string]float64{"x": 1516, "y": 1484}},
		// B winning mirrors it.
		{"b wins", []Vote{vote("1", "x", "y", WinnerB, 0)}, map[string]float64{"x": 1484, "y": 1516}},
		// A tie between equals changes nothing.
		{"tie", []Vote{vote("1", "x", "y", WinnerTie, 0)}, map[string]float64{"x": 1500, "y": 1500}},
		// both_bad is a match scored like a tie: the pair is rated (the
		// PoC dropped it) and pulled together.
		{"both_bad", []Vote{vote("1", "x", "y", WinnerA, 0), vote("2", "x", "y", WinnerBothBad, 1)},
			map[string]float64{"x": 1516 + 32*(0.5-1/(1+math.Pow(10, -32.0/400))), "y": 1484 - 32*(0.5-1/(1+math.Pow(10, -32.0/400)))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := Elo(tc.votes, EloOptions{})
			if len(rs) != len(tc.want) {
				t.Fatalf("%s: %d ratings, want %d", tc.name, len(rs), len(tc.want))
			}
			for _, r := range rs {
				if math.Abs(r.Rating-tc.want[r.Competitor]) > 1e-9 {
					t.Errorf("%s: %s = %v, want %v", tc.name, r.Competitor, r.Rating, tc.want[r.Competitor])
				}
			}
		})
	}
	// Counts, and the vote order Elo uses is time then id, not input order.
	votes := []Vote{vote("1", "x", "y", WinnerA, 0), vote("2", "y", "z", WinnerBothBad, 1), vote("3", "x", "z", WinnerTie, 2)}
	rs := Elo(votes, EloOptions{})
	rev := Elo([]Vote{votes[2], votes[0], votes[1]}, EloOptions{})
	if !reflect.DeepEqual(rs, rev) {
		t.Errorf("Elo depends on input order:\n%+v\n%+v", rs, rev)
	}
	byName := map[string]Rating{}
	for _, r := range rs {
		byName[r.Competitor] = r
	}
	if x := byName["x"]; x.Matches != 2 || x.Wins != 1 || x.Ties != 1 {
		t.Errorf("x counts %+v", x)
	}
	if z := byName["z"]; z.Matches != 2 || z.BothBad != 1 || z.Ties != 1 {
		t.Errorf("z counts %+v", z)
	}
}

// trueRatings are the generating strengths on the reported scale (centred).
func trueRatings(beta []float64) map[string]float64 {
	mean := 0.0
	for _, b := range beta {
		mean += b / float64(len(beta))
	}
	m := map[string]float64{}
	for i, b := range beta {
		m[fmt.Sprintf("m%02d", i)] = 1500 + stats.EloScale*(b-mean)
	}
	return m
}

// Votes simulated from fixed strengths: the fit recovers the ordering
// exactly, and does not depend on the order votes come in.
func TestBradleyTerryRecoversOrdering(t *testing.T) {
	beta := []float64{-1.2, 0.9, -0.3, 1.5, 0.2, -0.8, 0.5, 0}
	votes := simVotes(beta, 6000, 11)
	rs, err := BradleyTerry(votes, BTOptions{Bootstrap: 50})
	if err != nil {
		t.Fatal(err)
	}
	truth := trueRatings(beta)
	var got, want []string
	for _, r := range rs {
		got = append(got, r.Competitor)
	}
	want = slices.Clone(got)
	slices.SortFunc(want, func(a, b string) int { return int(math.Copysign(1, truth[b]-truth[a])) })
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	for _, r := range rs {
		if math.Abs(r.Rating-truth[r.Competitor]) > 40 {
			t.Errorf("%s: %.0f, true %.0f", r.Competitor, r.Rating, truth[r.Competitor])
		}
	}
	shuffled := slices.Clone(votes)
	rand.New(rand.NewPCG(5, 5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again, err := BradleyTerry(shuffled, BTOptions{Bootstrap: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rs, again) {
		t.Error("Bradley-Terry depends on vote order")
	}
}

// The bootstrap CI95 covers the true strength in at least 90% of seeded
// repetitions (nominally 95%).
func TestBradleyTerryCoverage(t *testing.T) {
	beta := []float64{-0.9, -0.4, 0, 0.3, 0.8, 1.1}
	truth := trueRatings(beta)
	const reps = 30
	covered, total := 0, 0
	for rep := range reps {
		rs, err := BradleyTerry(simVotes(beta, 1500, uint64(100+rep)), BTOptions{Bootstrap: 100, Seed: uint64(rep + 1)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			total++
			if r.CI95[0] <= truth[r.Competitor] && truth[r.Competitor] <= r.CI95[1] {
				covered++
			}
		}
	}
	share := float64(covered) / float64(total)
	t.Logf("coverage %.3f over %d intervals", share, total)
	if share < 0.90 {
		t.Errorf("CI95 covered the truth in %.1f%% of %d cases, want ≥ 90%%", 100*share, total)
	}
}

// A competitor that only ever had both_bad votes is still rated (the PoC
// dropped it), and one that never lost stays finite.
func TestBradleyTerryEdgeCases(t *testing.T) {
	votes := []Vote{
		vote("1", "a", "b", WinnerA, 0), vote("2", "a", "b", WinnerA, 1), vote("3", "b", "c", WinnerA, 2),
		vote("4", "c", "d", WinnerBothBad, 3), vote("5", "c", "b", WinnerTie, 4),
	}
	rs, err := BradleyTerry(votes, BTOptions{Bootstrap: 20})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.Competitor)
		if math.IsNaN(r.Rating) || math.IsInf(r.Rating, 0) || r.CI95 == nil || r.RankLo > r.Rank || r.RankHi < r.Rank {
			t.Errorf("bad rating %+v", r)
		}
	}
	if strings.Join(names, ",") != "a,b,c,d" && strings.Join(names, ",") != "a,b,d,c" {
		t.Errorf("order %v", names)
	}
	if rs, err := BradleyTerry(nil, BTOptions{}); err != nil || len(rs) != 0 {
		t.Errorf("no votes: %v, %v", rs, err)
	}
}

func TestParseVotes(t *testing.T) {
	good := `{"id":"v1","prompt_id":"p","prompt_hash":"ab","competitor_a":"x","competitor_b":"y","winner":"A","voter":"h","created_at":"2026-11-23T12:00:00Z","voted_at":"2026-11-23T12:00:05+01:00"}`
	cases := []struct {
		name, in string
		n        int
		errLine  int // 0: no error
		errHas   string
	}{
		// Two good lines and a blank one.
		{"ok", good + "\n\n" + strings.Replace(good, `"v1"`, `"v2"`, 1) + "\n", 2, 0, ""},
		// A bad winner names the line and the field.
		{"winner", good + "\n" + strings.Replace(good, `"A"`, `"C"`, 1), 0, 2, "winner"},
		// Unknown fields are rejected.
		{"unknown field", strings.Replace(good, `"voter"`, `"voterx"`, 1), 0, 1, "unknown field"},
		// Same competitor twice.
		{"self", strings.Replace(good, `"y"`, `"x"`, 1), 0, 1, "competitor_b"},
		// Not JSON.
		{"garbage", "{", 0, 1, ""},
		// An empty created_at is allowed (the prompt time may be unknown).
		{"empty created_at", strings.Replace(good, `"2026-11-23T12:00:00Z"`, `""`, 1), 1, 0, ""},
		// A bad time names the field.
		{"bad time", strings.Replace(good, `"2026-11-23T12:00:00Z"`, `"yesterday"`, 1), 0, 1, "created_at"},
		// Missing vote time.
		{"no voted_at", strings.Replace(good, `,"voted_at":"2026-11-23T12:00:05+01:00"`, "", 1), 0, 1, "voted_at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := ParseVotes(strings.NewReader(tc.in), "votes.jsonl")
			if tc.errLine == 0 {
				if err != nil || len(vs) != tc.n {
					t.Errorf("%s: %d votes, %v", tc.name, len(vs), err)
				}
				if len(vs) > 0 && vs[0].VotedAt.Location() != time.UTC {
					t.Errorf("%s: times not normalised to UTC", tc.name)
				}
				return
			}
			ve, ok := err.(*VoteError)
			if !ok || ve.Line != tc.errLine || !strings.Contains(err.Error(), tc.errHas) || !strings.HasPrefix(err.Error(), "votes.jsonl:") {
				t.Errorf("%s: error %v, want votes.jsonl:%d mentioning %q", tc.name, err, tc.errLine, tc.errHas)
			}
		})
	}
}

func FuzzParseVotes(f *testing.F) {
	f.Add(`{"id":"v1","competitor_a":"x","competitor_b":"y","winner":"tie","created_at":"2026-11-23T12:00:00Z","voted_at":"2026-11-23T12:00:00Z"}`)
	f.Add("\n\n{}\n")
	f.Add(`{"id":"v","competitor_a":"a","competitor_b":"b","winner":"both_bad","voted_at":"2026-01-01T00:00:00Z"}` + "\n[]")
	f.Fuzz(func(t *testing.T, in string) {
		vs, err := ParseVotes(strings.NewReader(in), "f")
		if err != nil {
			return
		}
		for _, v := range vs {
			if err := v.Validate(); err != nil {
				t.Fatalf("parsed an invalid vote %+v: %v", v, err)
			}
		}
		if len(vs) > 0 {
			if _, err := BradleyTerry(vs, BTOptions{Bootstrap: -1}); err != nil {
				t.Fatalf("BT on parsed votes: %v", err)
			}
			Elo(vs, EloOptions{})
		}
	})
}
