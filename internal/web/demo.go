package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/calibrate"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// DemoOptions configure Demo. Zero values mean the defaults.
type DemoOptions struct {
	// Dir receives the calibration's report files (required; the caller
	// owns it).
	Dir string
	// Suite is the suite every sim competitor runs (default smoke).
	Suite string
	// TimeScale compresses the sim's pace (default 0.05: a smoke run
	// takes about a second per profile).
	TimeScale float64
	// Rounds is how many calibrations are stored, each with its own seed,
	// so each competitor has a score history (default 2).
	Rounds int
	// Profiles are the sim profiles to run (default all).
	Profiles []string
	Logger   *slog.Logger
}

// Demo fills a store with the embedded sim's calibrated profiles as
// competitors ("sim-oracle", "sim-slow", …; the oracle is the baseline),
// Rounds runs each, plus arena votes drawn from their composite scores so
// the ratings tab has something to show. The votes are simulated and
// their prompt ids say so.
func Demo(ctx context.Context, st *leaderboard.Store, o DemoOptions) error {
	if o.Dir == "" {
		return errors.New("demo: a directory for the calibration reports is required")
	}
	if o.TimeScale == 0 {
		o.TimeScale = 0.05
	}
	if o.Rounds <= 0 {
		o.Rounds = 2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	composite := map[string]float64{}
	for round := range o.Rounds {
		cal, err := calibrate.Run(ctx, calibrate.Options{Suite: o.Suite, TimeScale: o.TimeScale, Seed: uint64(round + 1),
			Profiles: o.Profiles, OutDir: fmt.Sprintf("%s/round-%d", o.Dir, round+1), Logger: o.Logger})
		var te *bench.ThresholdError
		if err != nil && !errors.As(err, &te) { // a failed ordering check still leaves the reports
			return fmt.Errorf("demo: %w", err)
		}
		for _, p := range cal.Profiles {
			name := "sim-" + p.Profile
			if err := saveDemoReport(ctx, st, p.Report, leaderboard.Competitor{Name: name, Team: "janus demo",
				Baseline: p.Profile == baseline.ProfileOracle}); err != nil {
				return err
			}
			composite[name] = p.Scores[record.Composite].Value
		}
		o.Logger.Info("demo round stored", "round", round+1, "competitors", len(cal.Profiles))
	}
	_, err := st.AddVotes(ctx, demoVotes(composite))
	if err != nil {
		return fmt.Errorf("demo: votes: %w", err)
	}
	return nil
}

func saveDemoReport(ctx context.Context, st *leaderboard.Store, path string, c leaderboard.Competitor) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var rep record.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("demo: decode %s: %w", path, err)
	}
	if _, err := st.SaveReport(ctx, &rep, c); err != nil {
		return fmt.Errorf("demo: store %s: %w", path, err)
	}
	return nil
}

// demoVotes are 12 votes per pair, each won by A with the logistic
// probability of the composite difference (10 points ≈ 2.7:1), from a
// fixed seed.
func demoVotes(composite map[string]float64) []leaderboard.Vote {
	names := make([]string, 0, len(composite))
	for n := range composite {
		names = append(names, n)
	}
	slices.Sort(names)
	rng := rand.New(rand.NewPCG(7, 11))
	at := time.Now().UTC().Add(-time.Hour)
	var out []leaderboard.Vote
	for i, a := range names {
		for _, b := range names[i+1:] {
			p := 1 / (1 + math.Exp(-(composite[a]-composite[b])/10))
			for k := range 12 {
				w := leaderboard.WinnerB
				switch u := rng.Float64(); {
				case u < 0.08:
					w = leaderboard.WinnerTie
				case u < 0.08+0.92*p:
					w = leaderboard.WinnerA
				}
				at = at.Add(time.Second)
				out = append(out, leaderboard.Vote{ID: fmt.Sprintf("demo-%s-%s-%d", a, b, k), PromptID: "demo-simulated",
					CompetitorA: a, CompetitorB: b, Winner: w, Voter: "demo", VotedAt: at})
			}
		}
	}
	return out
}
