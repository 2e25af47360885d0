package cli

import (
	"errors"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/calibrate"
)

// benchCalibrateCommand proves the scorer against targets whose ranking is
// known: the sim under each of its misbehaviour profiles.
func benchCalibrateCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "calibrate",
		Usage: "run the suite against the sim under each profile and check the scores rank them correctly",
		Description: "Profiles: " + strings.Join(baseline.Profiles(), ", ") + ". Each must score below the oracle\n" +
			"on the dimension it degrades (noisy: quality, slow: speed, stall/buffered/broken-sse/no-usage: streaming)\n" +
			"and broken-sse must show its violations; each adv-* adversary must lose on the dimension it attacks and\n" +
			"on composite by calibrate.AdversaryMargin (docs/SCORING.md). Exit 3 when an ordering fails.\n" +
			"--time-scale compresses every duration alike (pace, profile delays, budgets, targets).",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "suite", Value: "smoke", Usage: "suite to run under every profile"},
			&ucli.Float64Flag{Name: "time-scale", Value: 1, Usage: "multiply every duration by this (0.01 to 10); 0.1 runs ten times faster"},
			&ucli.Uint64Flag{Name: "seed", Value: calibrate.DefaultSeed, Usage: "sim seed (picks the tasks noisy gets wrong)"},
			&ucli.StringSliceFlag{Name: "profiles", Usage: "profiles to run (default all; oracle always runs)"},
			&ucli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 8, Usage: "concurrent requests per profile"},
			&ucli.StringFlag{Name: "out-dir", Usage: "keep each profile's report here as <profile>.json"},
			&ucli.StringFlag{Name: "format", Value: "text", Usage: "output: text or json"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("bench calibrate takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			format := c.String("format")
			if format != "text" && format != "json" {
				return usageErrorf("--format %q: want text or json", format)
			}
			var profiles []string
			for _, v := range c.StringSlice("profiles") {
				for _, p := range strings.Split(v, ",") {
					if p = strings.TrimSpace(p); p != "" {
						profiles = append(profiles, p)
					}
				}
			}
			ev, err := newEvaluator(c)
			if err != nil {
				return err
			}
			cal, err := calibrate.Run(c.Context, calibrate.Options{Suite: c.String("suite"), Evaluator: ev,
				TimeScale: c.Float64("time-scale"), Seed: c.Uint64("seed"), Profiles: profiles,
				Concurrency: c.Int("concurrency"), OutDir: c.String("out-dir"), SelftestFile: app.SelftestPath(), Logger: logger()})
			var th *bench.ThresholdError
			if err != nil && !errors.As(err, &th) {
				return fmt.Errorf("bench calibrate: %w", err)
			}
			w := calibrate.Text(cal)
			if format == "json" {
				w = calibrate.JSON(cal)
			}
			if werr := w(stdout(c)); werr != nil {
				return fmt.Errorf("bench calibrate: %w", werr)
			}
			return err
		},
	}
}
