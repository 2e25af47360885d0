package suitecheck

import (
	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/scorer"
)

// testEval runs the references as `janus suites validate` does: janus's
// code runner, no judge.
var testEval = &scorer.Evaluator{Code: coderun.NewRunner(0)}
