package cli

import (
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

// benchCompareCommand tells a real change between two runs from noise, so
// that a CI job can fail on a regression rather than on a lucky run.
func benchCompareCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "compare",
		Usage:     "test two runs for significant differences per dimension and metric",
		ArgsUsage: "BASE.json NEW.json",
		Description: "Pairs the runs' tasks by id. Dimensions get a paired bootstrap, per-task metrics the\n" +
			"Wilcoxon signed-rank test; Holm's correction holds the family-wise error at --alpha. A row\n" +
			"is improved or regressed only when significant and at least its floor (--threshold; by\n" +
			"default 1 point on dimensions and 1% on metrics). docs/SCORING.md has the details.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "fail-on", Usage: "exit 3 when this happens: regression"},
			&ucli.StringSliceFlag{Name: "threshold", Usage: "practical-significance floor NAME=VALUE (points for a dimension, % for a metric; repeatable), e.g. speed=-5"},
			&ucli.StringFlag{Name: "format", Value: "text", Usage: "output: text, md or json"},
			&ucli.StringFlag{Name: "weights", Usage: "composite weights for both runs (default: the base report's)"},
			&ucli.IntFlag{Name: "resamples", Value: bench.DefaultCompareResamples, Usage: "paired bootstrap resamples"},
			&ucli.Uint64Flag{Name: "seed", Value: bench.DefaultCompareSeed, Usage: "paired bootstrap seed"},
			&ucli.Float64Flag{Name: "alpha", Value: bench.DefaultAlpha, Usage: "family-wise significance level"},
		},
		Action: benchCompare,
	}
}

// benchCompare is bench compare's action: it compares two reports, prints
// the comparison, appends it to the CI step summary and, with --fail-on
// regression, fails on a significant regression.
func benchCompare(c *ucli.Context) error {
	args, err := positional(c)
	if err != nil {
		return err
	}
	if len(args) != 2 {
		return usageErrorf("bench compare takes BASE.json and NEW.json, got %d arguments", len(args))
	}
	failOn := c.String("fail-on")
	if failOn != "" && failOn != "regression" {
		return usageErrorf("--fail-on %q: want regression", failOn)
	}
	write, err := compareWriter(c.String("format"))
	if err != nil {
		return err
	}
	opts, err := compareOptions(c)
	if err != nil {
		return err
	}
	base, err := bench.ReadReport(args[0])
	if err != nil {
		return fmt.Errorf("bench compare: %w", err)
	}
	next, err := bench.ReadReport(args[1])
	if err != nil {
		return fmt.Errorf("bench compare: %w", err)
	}
	cmp, err := bench.Compare(base, next, opts)
	if err != nil {
		return fmt.Errorf("bench compare: %w", err)
	}
	if err := write(cmp)(stdout(c)); err != nil {
		return fmt.Errorf("bench compare: %w", err)
	}
	// A CI job's summary gets the comparison and its verdict too.
	if err := bench.AppendStepSummary(os.Getenv("GITHUB_STEP_SUMMARY"), bench.CompareMarkdown(cmp)); err != nil {
		return fmt.Errorf("bench compare: %w", err)
	}
	if failOn == "regression" {
		return cmp.RegressionError()
	}
	return nil
}

// compareWriter is the comparison writer --format names.
func compareWriter(format string) (func(*bench.Comparison) func(io.Writer) error, error) {
	switch format {
	case "text":
		return bench.CompareText, nil
	case "md":
		return bench.CompareMarkdown, nil
	case "json":
		return bench.CompareJSON, nil
	}
	return nil, usageErrorf("--format %q: want text, md or json", format)
}

// compareOptions checks bench compare's statistical flags and turns them
// into the comparison's options; unset --weights leaves the base report's.
func compareOptions(c *ucli.Context) (bench.CompareOptions, error) {
	th, err := bench.ParseCompareThresholds(c.StringSlice("threshold"))
	if err != nil {
		return bench.CompareOptions{}, usageErrorf("--threshold: %v", err)
	}
	if c.Int("resamples") < 100 {
		return bench.CompareOptions{}, usageErrorf("--resamples %d: want at least 100", c.Int("resamples"))
	}
	if a := c.Float64("alpha"); !(a > 0 && a < 1) {
		return bench.CompareOptions{}, usageErrorf("--alpha %v: want a level between 0 and 1", a)
	}
	w, err := weightsFlag(c, record.Weights{})
	if err != nil {
		return bench.CompareOptions{}, err
	}
	return bench.CompareOptions{Weights: w, Thresholds: th,
		Resamples: c.Int("resamples"), Seed: c.Uint64("seed"), Alpha: c.Float64("alpha")}, nil
}
