package cli

import (
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
)

// benchReplayCommand rebuilds a run from its --record directory, so that a
// run can be audited, or re-read by a newer janus, after the fact.
func benchReplayCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "replay",
		Usage:     "re-parse a recorded run's raw SSE with its original timings and score it",
		ArgsUsage: "RECORD_DIR",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "suite", Value: "smoke", Usage: "the suite the recorded run ran"},
			&ucli.Uint64Flag{Name: "seed", Usage: "the recorded run's seed (janus-default is generated from it; its report's run.seed)"},
			&ucli.StringFlag{Name: "model", Usage: "the model the run asked for (default: the one the target named)"},
			&ucli.StringFlag{Name: "weights", Usage: "composite weights, e.g. quality=50,speed=10,cost=15,streaming=15,multimodal=10"},
			&ucli.StringFlag{Name: "prices", Usage: "price table (JSON or YAML) for tasks that report tokens but no cost_usd"},
			&ucli.DurationFlag{Name: "ttft-budget", Value: 2e9, Usage: "streaming contract: first token within this"},
			&ucli.DurationFlag{Name: "gap-budget", Value: 2e9, Usage: "streaming contract: no silence longer than this"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the replayed report as JSON to this path"},
			&ucli.StringFlag{Name: "format", Value: "text", Usage: "stdout: " + strings.Join(report.Formats, ", ")},
		},
		Action: func(c *ucli.Context) error {
			arg, format, err := oneArgAndFormat(c, "bench replay takes one RECORD_DIR")
			if err != nil {
				return err
			}
			args := []string{arg}
			opts, err := rescoreOptions(c)
			if err != nil {
				return err
			}
			ev, err := newEvaluator(c)
			if err != nil {
				return err
			}
			rep, err := bench.Replay(c.Context, bench.ReplayOptions{Evaluator: ev, Dir: args[0], Suite: c.String("suite"), Seed: c.Uint64("seed"),
				Model: c.String("model"), Weights: opts.Weights, Prices: opts.Prices, Out: c.String("out"),
				Budgets: trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")}, Logger: logger()})
			if err != nil {
				return fmt.Errorf("bench replay: %w", err)
			}
			w, err := report.Writer(format, rep, nil)
			if err != nil {
				return usageErrorf("--format: %v", err)
			}
			if err := w(stdout(c)); err != nil {
				return fmt.Errorf("bench replay: %w", err)
			}
			return nil
		},
	}
}
