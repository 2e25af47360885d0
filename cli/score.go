package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// compatJanusPoC names the Janus PoC result format for --compat.
const compatJanusPoC = "janus-poc"

// scoreCommand re-scores what a run left behind, without the target: a
// report (current formulas, any weights), a --record directory (re-parsed
// from the raw bytes, as bench replay), or a Janus PoC result file.
func scoreCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "score",
		Usage:     "re-score a stored report, a recorded run or a Janus PoC result without calling the target",
		ArgsUsage: "REPORT.json | RECORD_DIR | --compat janus-poc FILE",
		Description: "A report keeps every input the dimension formulas read, so it can be scored again with\n" +
			"today's formulas and other weights or prices. A directory written by bench run --record is\n" +
			"replayed from its raw bytes first (see bench replay). --compat janus-poc reads the PoC's\n" +
			"bench result JSON and scores it with janus's formulas (field mapping in docs/SCORING.md).",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "weights", Usage: "composite weights, e.g. quality=50,speed=10,cost=15,streaming=15,multimodal=10 (default: the report's)"},
			&ucli.StringFlag{Name: "prices", Usage: "price table (JSON or YAML) for tasks that report tokens but no cost_usd"},
			&ucli.StringFlag{Name: "format", Value: "text", Usage: "output: " + strings.Join(report.Formats, ", ")},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "also write the re-scored report as JSON to this path"},
			&ucli.StringFlag{Name: "compat", Usage: "read a foreign result format: " + compatJanusPoC},
			&ucli.StringFlag{Name: "suite", Value: "smoke", Usage: "suite of a recorded run (RECORD_DIR only)"},
			unsafeSandboxFlag(),
		},
		Action: scoreReport,
	}
}

// scoreReport is the score command's action: it re-scores a report, a recording
// or a PoC result, writes it (--out, stdout) and, for a PoC result in
// text, prints the PoC's own scores beside janus's.
func scoreReport(c *ucli.Context) error {
	arg, format, err := oneArgAndFormat(c, "score takes one REPORT, RECORD_DIR or FILE")
	if err != nil {
		return err
	}
	args := []string{arg}
	opts, err := rescoreOptions(c)
	if err != nil {
		return err
	}
	rep, poc, err := rescoreInput(c, args[0], opts)
	if err != nil {
		return err
	}
	if out := c.String("out"); out != "" {
		if err := record.WriteAtomic(out, record.JSON(rep)); err != nil {
			return fmt.Errorf("score: write %s: %w", out, err)
		}
	}
	w, err := report.Writer(format, rep, nil)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	if err := w(stdout(c)); err != nil {
		return fmt.Errorf("score: %w", err)
	}
	if poc != nil && format == "text" {
		return writePoCSideBySide(stdout(c), rep, poc)
	}
	return nil
}

// rescoreInput re-scores what path holds: a PoC result (--compat), a
// --record directory, or a report. poc is the PoC's own scores, nil for
// the others.
func rescoreInput(c *ucli.Context, path string, opts bench.RescoreOptions) (rep *record.Report, poc map[string]float64, err error) {
	switch compat := c.String("compat"); {
	case compat == compatJanusPoC:
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, &bench.InputError{Op: "score", Err: err}
		}
		res, err := bench.FromJanusPoC(f, filepath.Base(path), opts)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("score: %w", err)
		}
		return res.Report, res.PoC, nil
	case compat != "":
		return nil, nil, usageErrorf("--compat %q: want %s", compat, compatJanusPoC)
	case bench.IsRecordingDir(path):
		ev, err := newEvaluator(c)
		if err != nil {
			return nil, nil, err
		}
		rep, err = bench.Replay(c.Context, bench.ReplayOptions{Evaluator: ev, Dir: path, Suite: c.String("suite"),
			Weights: opts.Weights, Prices: opts.Prices, Logger: logger()})
		if err != nil {
			return nil, nil, fmt.Errorf("score: %w", err)
		}
		return rep, nil, nil
	default:
		in, err := bench.ReadReport(path)
		if err != nil {
			return nil, nil, fmt.Errorf("score: %w", err)
		}
		return bench.Rescore(in, opts), nil, nil
	}
}

// rescoreOptions reads --weights and --prices.
func rescoreOptions(c *ucli.Context) (bench.RescoreOptions, error) {
	var o bench.RescoreOptions
	if s := c.String("weights"); s != "" {
		w, warn, err := scorer.ParseWeights(s)
		if err != nil {
			return o, usageErrorf("--weights: %v", err)
		}
		if warn != "" {
			logger().Warn(warn)
		}
		o.Weights = w
	}
	if p := c.String("prices"); p != "" {
		prices, err := pricing.LoadPrices(p)
		if err != nil {
			return o, usageErrorf("--prices: %v", err)
		}
		o.Prices = &prices
	}
	return o, nil
}

// writePoCSideBySide prints the PoC's own scores beside janus's.
func writePoCSideBySide(w io.Writer, rep *record.Report, poc map[string]float64) error {
	var b strings.Builder
	b.WriteString("\nJANUS-POC vs JANUS (same tasks, janus's formulas; docs/SCORING.md explains the mapping)\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DIMENSION\tJANUS-POC\tJANUS")
	order := record.WithComposite(record.DefaultDimensions())
	names := make([]string, 0, len(poc))
	for n := range poc {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		return slices.Index(order, record.Dimension(names[i])) < slices.Index(order, record.Dimension(names[j]))
	})
	for _, n := range names {
		d := rep.Scores[record.Dimension(n)]
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\n", n, poc[n], d.Value)
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// positional returns a command's arguments. Flags written after them
// (`janus score r.json --weights quality=100`) were already moved in front
// by interspersed before urfave/cli parsed the command line.
func positional(c *ucli.Context) ([]string, error) {
	return c.Args().Slice(), nil
}

// oneArgAndFormat takes the one positional argument of score and bench
// replay (what says which, for the usage error) and checks --format.
func oneArgAndFormat(c *ucli.Context, what string) (arg, format string, err error) {
	args, err := positional(c)
	if err != nil {
		return "", "", err
	}
	if len(args) != 1 {
		return "", "", usageErrorf("%s, got %d arguments", what, len(args))
	}
	format = c.String("format")
	if !contains(report.Formats, format) {
		return "", "", usageErrorf("--format %q: want one of %s", format, strings.Join(report.Formats, ", "))
	}
	return args[0], format, nil
}
