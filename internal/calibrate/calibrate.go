// Package calibrate checks the scorer against the baseline sim's profiles,
// whose faults have a known order (`janus bench calibrate`): each runs a
// suite through the engine (bench.Run) and must score below the oracle on
// the dimension it degrades. It needs the sim, so it lives beside the
// engine, never in it.
package calibrate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// DefaultSeed seeds the sim in `janus bench calibrate`, which
// decides the tasks the noisy profile gets wrong.
const DefaultSeed uint64 = 1

// Options configure `janus bench calibrate`. Zero values mean the
// defaults.
type Options struct {
	// Suite is the suite every profile runs (default smoke).
	Suite  string
	Loader suites.Loader
	// Evaluator grades every profile's answers (RunOptions.Evaluator).
	Evaluator *scorer.Evaluator
	// TimeScale compresses every duration of the calibration alike: the
	// sim's pace, keep-alive period and profile delays, the contract's
	// budgets and the speed targets. Scores are then those of the full
	// scale run, and 0.1 runs it ten times faster. Default 1.
	TimeScale float64
	// Seed is the sim's seed (default DefaultSeed).
	Seed        uint64
	Concurrency int
	// Profiles to run (default all); the oracle always runs, since every
	// check compares against it.
	Profiles []string
	// OutDir, if set, keeps each profile's report as <profile>.json.
	OutDir string
	// SelftestFile is the saved selftest each profile's run cites
	// (bench.RunOptions.SelftestFile); empty cites none.
	SelftestFile string
	Logger       *slog.Logger
}

// CalibratedProfile is one profile's run.
type CalibratedProfile struct {
	Profile    string         `json:"profile"`
	Scores     record.Scores  `json:"scores"`
	Violations map[string]int `json:"violations"`
	Tasks      int            `json:"tasks"`
	Report     string         `json:"report,omitempty"`
}

// CalibrationCheck is one expected ordering.
type CalibrationCheck struct {
	// Profile is expected to score below the oracle on Dimension, or, for
	// Dimension "violations", to show the violation codes in Codes.
	Profile   string   `json:"profile"`
	Dimension string   `json:"dimension"`
	Codes     []string `json:"codes,omitempty"`
	Oracle    float64  `json:"oracle"`
	Value     float64  `json:"value"`
	// Diff is oracle − profile: above Margin when the order holds.
	Diff   float64 `json:"diff"`
	Margin float64 `json:"margin,omitempty"`
	// Separation is Diff over the combined CI95 half-width of the two
	// scores, √(h₁² + h₂²); absent when the scores carry no interval or
	// both intervals are points.
	Separation *float64 `json:"separation,omitempty"`
	OK         bool     `json:"ok"`
	Detail     string   `json:"detail,omitempty"`
}

// Calibration is the outcome of `janus bench calibrate`.
type Calibration struct {
	Suite     string              `json:"suite"`
	TimeScale float64             `json:"time_scale"`
	Seed      uint64              `json:"seed"`
	Profiles  []CalibratedProfile `json:"profiles"`
	Checks    []CalibrationCheck  `json:"checks"`
	Elapsed   float64             `json:"elapsed_s"`
}

// AdversaryMargin is how far, in points of 0–100, an adversarial sim
// profile (baseline "adv-*") must score below the oracle, both on the
// dimension it attacks and on composite: a trick that costs a fraction of
// a point is a trick that nearly pays, and the margin keeps load noise on
// the calibration machine from passing one. The honest profiles' known
// order needs only to hold (margin 0).
const AdversaryMargin = 1.0

// calibrationExpectation is one expected ordering: profile scores below
// the oracle on dimension by more than margin, or, for dimension
// "violations", shows codes.
type calibrationExpectation struct {
	profile, dimension string
	codes              []string
	margin             float64
}

// calibrationExpectations are the known orderings: each profile loses to
// the oracle on the dimension it degrades, the honest ones with a fault
// that breaks clients also on composite, and every adversary on the
// dimension it attacks and on composite by AdversaryMargin. Append new
// profiles' rows at the end.
var calibrationExpectations = []calibrationExpectation{
	{baseline.ProfileNoisy, "quality", nil, 0},
	{baseline.ProfileSlow, "speed", nil, 0},
	{baseline.ProfileSlow, "composite", nil, 0},
	{baseline.ProfileStall, "streaming", nil, 0},
	{baseline.ProfileStall, "composite", nil, 0},
	// A burst is not a stream: buffered must lose clearly, not by noise.
	{baseline.ProfileBuffered, "streaming", nil, AdversaryMargin},
	{baseline.ProfileBrokenSSE, "streaming", nil, 0},
	{baseline.ProfileBrokenSSE, "composite", nil, 0},
	{baseline.ProfileBrokenSSE, "violations", []string{trace.VBadJSON, trace.VMissingDone}, 0},
	// Missing usage is priced from janus's own count (not neutral, not
	// free), so no-usage loses on streaming (the missing_usage penalty),
	// not on cost.
	{baseline.ProfileNoUsage, "streaming", nil, 0},
	{baseline.ProfileNoUsage, "violations", []string{trace.VMissingUsage}, 0},
	{baseline.ProfileAdvFakeFirstToken, "speed", nil, AdversaryMargin},
	{baseline.ProfileAdvFakeFirstToken, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvReasoningDrip, "speed", nil, AdversaryMargin},
	{baseline.ProfileAdvReasoningDrip, "streaming", nil, AdversaryMargin},
	{baseline.ProfileAdvReasoningDrip, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvPingStall, "streaming", nil, AdversaryMargin},
	{baseline.ProfileAdvPingStall, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvEmptyStall, "streaming", nil, AdversaryMargin},
	{baseline.ProfileAdvEmptyStall, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvBurstDrip, "streaming", nil, AdversaryMargin},
	{baseline.ProfileAdvBurstDrip, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvZeroCost, "cost", nil, AdversaryMargin},
	{baseline.ProfileAdvZeroCost, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvUnderCost, "cost", nil, AdversaryMargin},
	{baseline.ProfileAdvUnderCost, "composite", nil, AdversaryMargin},
	// Evaluator adversaries (issue 15): each loses on what it attacks and
	// on composite.
	{baseline.ProfileAdvShadowCode, "quality", nil, AdversaryMargin},
	{baseline.ProfileAdvShadowCode, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvToolShotgun, "quality", nil, AdversaryMargin},
	{baseline.ProfileAdvToolShotgun, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvFakeArtifact, "multimodal", nil, AdversaryMargin},
	{baseline.ProfileAdvFakeArtifact, "composite", nil, AdversaryMargin},
	{baseline.ProfileAdvTemplateResearch, "quality", nil, AdversaryMargin},
	{baseline.ProfileAdvTemplateResearch, "composite", nil, AdversaryMargin},
	// Content filler does not start the answer.
	{baseline.ProfileAdvFiller, "speed", nil, AdversaryMargin},
	{baseline.ProfileAdvFiller, "composite", nil, AdversaryMargin},
}

// Run runs a suite against the embedded sim under each of its
// profiles and checks that the scores rank them in the order their faults
// dictate: a scorer that cannot tell a slow target from an oracle on
// speed, or a broken stream from a clean one, is miscalibrated, whatever
// its formulas say. It returns the calibration and, when an ordering
// fails, a *bench.ThresholdError naming every failed check.
func Run(ctx context.Context, o Options) (*Calibration, error) {
	if err := calibrateDefaults(&o); err != nil {
		return nil, err
	}
	profiles, err := calibrationProfiles(o.Profiles)
	if err != nil {
		return nil, err
	}
	suite, err := o.Loader.Load(ctx, o.Suite)
	if err != nil {
		return nil, &bench.InputError{Op: "load suite", Err: err}
	}
	dir, cleanup, err := calibrationDir(o.OutDir)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	s := o.TimeScale
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) * s) }
	def, db, dt := baseline.DefaultPace(), trace.DefaultBudgets(), record.DefaultTargets()
	pace := baseline.Pace{TTFT: scale(def.TTFT), PerToken: scale(def.PerToken)}
	budgets := trace.Budgets{TTFTMs: db.TTFTMs * s, GapMs: db.GapMs * s}
	targets := record.Targets{TTFTMs: dt.TTFTMs * s, TPS: dt.TPS / s, E2EMs: dt.E2EMs * s, GapMs: dt.GapMs * s,
		CostPerTaskUSD: dt.CostPerTaskUSD}

	started := time.Now()
	cal := &Calibration{Suite: suite.Name, TimeScale: s, Seed: o.Seed}
	byName := map[string]*CalibratedProfile{}
	for _, p := range profiles {
		rep, path, err := calibrateOne(ctx, o, suite, p, pace, scale(time.Second), budgets, targets, dir)
		if err != nil {
			return nil, err
		}
		cp := CalibratedProfile{Profile: p, Scores: rep.Scores, Violations: rep.Violations, Tasks: len(rep.Tasks)}
		if o.OutDir != "" {
			cp.Report = path
		}
		cal.Profiles = append(cal.Profiles, cp)
		byName[p] = &cal.Profiles[len(cal.Profiles)-1]
		o.Logger.Info("calibration profile done", "profile", p, "composite", rep.Scores[record.Composite].Value)
	}
	failed := checkCalibration(cal, byName)
	cal.Elapsed = time.Since(started).Seconds()
	if len(failed) > 0 {
		return cal, &bench.ThresholdError{Msg: "calibration failed:\n" + strings.Join(failed, "\n")}
	}
	return cal, nil
}

// calibrateDefaults fills the options Calibrate may be given unset and
// rejects a time scale out of range.
func calibrateDefaults(o *Options) error {
	if o.Suite == "" {
		o.Suite = "smoke"
	}
	if o.Loader == nil {
		o.Loader = suites.DefaultLoader{}
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if math.IsNaN(o.TimeScale) || o.TimeScale < 0.01 || o.TimeScale > 10 {
		return &bench.InputError{Op: "calibrate", Err: fmt.Errorf("time scale %v: want 0.01 to 10", o.TimeScale)}
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// calibrationProfiles is the oracle (the reference every check compares
// with) followed by the profiles asked for, every one by default.
func calibrationProfiles(want []string) ([]string, error) {
	profiles := []string{baseline.ProfileOracle}
	if len(want) == 0 {
		want = baseline.Profiles()
	}
	for _, p := range want {
		if !slices.Contains(baseline.Profiles(), p) {
			return nil, &bench.InputError{Op: "calibrate", Err: fmt.Errorf("unknown profile %q (want %s)", p, strings.Join(baseline.Profiles(), ", "))}
		}
		if !slices.Contains(profiles, p) {
			profiles = append(profiles, p)
		}
	}
	return profiles, nil
}

// calibrationDir is where the profiles' reports go: outDir (created), or
// a temporary directory that cleanup removes.
func calibrationDir(outDir string) (dir string, cleanup func(), err error) {
	if outDir != "" {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return "", nil, fmt.Errorf("calibrate: %w", err)
		}
		return outDir, func() {}, nil
	}
	dir, err = os.MkdirTemp("", "janus-calibrate-*")
	if err != nil {
		return "", nil, fmt.Errorf("calibrate: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// checkCalibration runs every expectation whose profile was calibrated
// against the oracle, appends the checks to cal and returns the failed
// ones, each naming its profile.
func checkCalibration(cal *Calibration, byName map[string]*CalibratedProfile) []string {
	oracle := byName[baseline.ProfileOracle]
	var failed []string
	for _, e := range calibrationExpectations {
		p, ok := byName[e.profile]
		if !ok {
			continue
		}
		c := check(oracle, p, e.dimension, e.codes, e.margin)
		if !c.OK {
			failed = append(failed, fmt.Sprintf("%s: %s", c.Profile, c.Detail))
		}
		cal.Checks = append(cal.Checks, c)
	}
	return failed
}

// calibrateOne boots the sim under one profile and runs the suite on it.
func calibrateOne(ctx context.Context, o Options, suite *suites.Suite, profile string, pace baseline.Pace,
	keepAlive time.Duration, budgets trace.Budgets, targets record.Targets, dir string) (*record.Report, string, error) {
	cfg := baseline.Config{Pace: pace, KeepAlive: keepAlive,
		Suites: []*suites.Suite{suite}, Seed: o.Seed, Profile: profile, TimeScale: o.TimeScale, Logger: o.Logger}
	var url string
	var stop func()
	var err error
	if slices.ContainsFunc(suite.Tasks, func(t suites.Task) bool { return t.Memory != nil }) {
		// Every profile gets a memory service, as `bench run`'s reference
		// target does, so memory tasks measure the profile, not a missing
		// service.
		url, stop, err = reference.StartWithMemory(ctx, cfg, time.Second)
	} else {
		// A short stop: nothing is in flight once Run returns, and a short
		// grace avoids the 5 s a graceful shutdown spends on a dialled but
		// unused connection.
		url, stop, err = reference.Start(ctx, cfg, 100*time.Millisecond)
	}
	if err != nil {
		return nil, "", fmt.Errorf("calibrate %s: start sim: %w", profile, err)
	}
	defer stop()
	path := filepath.Join(dir, profile+".json")
	// The sim bills at janus's default table: for it that table is declared.
	prices := pricing.DefaultPrices()
	prices.Declared = true
	rep, err := bench.Run(ctx, bench.RunOptions{Target: url, Suite: o.Suite, Loader: staticSuite{suite}, Concurrency: o.Concurrency,
		Budgets: budgets, Targets: targets, Prices: &prices, Out: path, Logger: o.Logger, Evaluator: o.Evaluator, SelftestFile: o.SelftestFile})
	if err != nil {
		return nil, "", fmt.Errorf("calibrate %s: %w", profile, err)
	}
	return rep, path, nil
}

// staticSuite serves the one suite calibration loaded, so every profile
// runs exactly the same tasks.
type staticSuite struct{ s *suites.Suite }

func (l staticSuite) Load(context.Context, string) (*suites.Suite, error) { return l.s, nil }

// dimensionOf is the score an expectation names: a dimension (the zero
// Score for a default one the run lacks), or else the composite.
func dimensionOf(s record.Scores, name string) record.Score {
	d, ok := s[record.Dimension(name)]
	if ok || slices.Contains(record.DefaultDimensions(), record.Dimension(name)) {
		return d
	}
	return s[record.Composite]
}

// check evaluates one expected ordering.
func check(oracle, p *CalibratedProfile, dimension string, codes []string, margin float64) CalibrationCheck {
	c := CalibrationCheck{Profile: p.Profile, Dimension: dimension, Codes: codes, Margin: margin}
	if dimension == "violations" {
		var missing []string
		for _, code := range codes {
			c.Value += float64(p.Violations[code])
			c.Oracle += float64(oracle.Violations[code])
			if p.Violations[code] == 0 {
				missing = append(missing, code)
			}
		}
		c.Diff = c.Oracle - c.Value
		c.OK = len(missing) == 0
		if !c.OK {
			c.Detail = "no " + strings.Join(missing, ", ") + " violation"
		}
		return c
	}
	od, pd := dimensionOf(oracle.Scores, dimension), dimensionOf(p.Scores, dimension)
	c.Oracle, c.Value, c.Diff = od.Value, pd.Value, od.Value-pd.Value
	c.OK = c.Diff > margin
	if od.CI95 != nil && pd.CI95 != nil {
		h1, h2 := (od.CI95[1]-od.CI95[0])/2, (pd.CI95[1]-pd.CI95[0])/2
		if w := math.Hypot(h1, h2); w > 0 {
			sep := c.Diff / w
			c.Separation = &sep
		}
	}
	if !c.OK {
		c.Detail = fmt.Sprintf("%s %.1f is not below the oracle's %.1f by more than %g", dimension, pd.Value, od.Value, margin)
	}
	return c
}

// Text writes the per-profile scores and the checks.
func Text(c *Calibration) func(io.Writer) error {
	return func(w io.Writer) error {
		var b strings.Builder
		fmt.Fprintf(&b, "janus calibrate  suite %s  time scale %g  seed %d  (%.1f s)\n\n", c.Suite, c.TimeScale, c.Seed, c.Elapsed)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PROFILE\tCOMPOSITE\tQUALITY\tSPEED\tCOST\tSTREAMING\tMULTIMODAL\tVIOLATIONS")
		for _, p := range c.Profiles {
			s := p.Scores
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\n", p.Profile, s[record.Composite].Value, s[record.Quality].Value,
				s[record.Speed].Value, s[record.Cost].Value, s[record.Streaming].Value, s[record.Multimodal].Value, violationSummary(p.Violations))
		}
		tw.Flush()
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EXPECTED\tORACLE\tPROFILE\tDIFF\tSEPARATION\tRESULT")
		for _, ch := range c.Checks {
			exp := fmt.Sprintf("%s < oracle on %s", ch.Profile, ch.Dimension)
			if ch.Dimension == "violations" {
				exp = fmt.Sprintf("%s shows %s", ch.Profile, strings.Join(ch.Codes, ", "))
			}
			sep := "-"
			if ch.Separation != nil {
				sep = fmt.Sprintf("%.1f", *ch.Separation)
			}
			res := "ok"
			if !ch.OK {
				res = "FAIL: " + ch.Detail
			}
			diff := fmt.Sprintf("%+.1f", ch.Diff)
			if ch.Dimension == "violations" {
				diff = "-" // ORACLE and PROFILE count violations there
			}
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%s\t%s\t%s\n", exp, ch.Oracle, ch.Value, diff, sep, res)
		}
		tw.Flush()
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write calibration: %w", err)
		}
		return nil
	}
}

func violationSummary(v map[string]int) string {
	var parts []string
	for _, code := range trace.ViolationCodes {
		if n := v[code]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", code, n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// JSON writes the calibration as indented JSON.
func JSON(c *Calibration) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write calibration: %w", err)
		}
		return nil
	}
}
