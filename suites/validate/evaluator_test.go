package validate

import (
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/scorer/coderun"
)

// testEval runs the references as `janus suites validate` does: janus's
// code runner, no judge.
var testEval = &scorer.Evaluator{Code: coderun.NewRunner(0)}
