package calibrate

import (
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/scorer/coderun"
)

// testEval grades the calibration tests' runs as `bench calibrate` does
// without a judge: code checks run in the sandbox, nothing is fetched.
var testEval = &scorer.Evaluator{Code: coderun.NewRunner(0)}
