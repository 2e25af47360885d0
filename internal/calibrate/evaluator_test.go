package calibrate

import (
	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/scorer"
)

// testEval grades the calibration tests' runs as `bench calibrate` does
// without a judge: code checks run in the sandbox, nothing is fetched.
var testEval = &scorer.Evaluator{Code: coderun.NewRunner(0)}
