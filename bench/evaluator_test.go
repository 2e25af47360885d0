package bench

import (
	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/scorer"
)

// testEval grades the bench tests' runs as `bench run` does without a
// judge: janus's code runner, no judge (the run adds its artifact
// fetcher).
var testEval = &scorer.Evaluator{Code: coderun.NewRunner(0)}
