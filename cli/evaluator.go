package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/scorer"
)

// newEvaluator builds what grades a command's answers: janus's code runner
// (one per process, one child per core) and the judge the --judge flags
// name, on commands that have them (off otherwise). The engine receives
// it; nothing in the scorer is set process-wide.
func newEvaluator(c *ucli.Context) (*scorer.Evaluator, error) {
	ev := &scorer.Evaluator{Code: coderun.NewRunner(0)}
	if c == nil || !hasFlag(c, "judge") {
		return ev, nil
	}
	j, err := scorer.NewJudge(scorer.JudgeConfig{URL: c.String("judge"), Model: c.String("judge-model"), APIKey: c.String("judge-api-key")})
	if err != nil {
		return nil, usageErrorf("--judge: %v", err)
	}
	ev.Judge = j
	return ev, nil
}

// hasFlag says whether the command defines the flag name.
func hasFlag(c *ucli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}
