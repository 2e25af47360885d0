//go:build long

package suitegen

import (
	"fmt"
	"testing"

	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/internal/suitecheck"
	"github.com/janus-bench/janus/scorer"
)

// Every reference of several generated suites, code included (each code
// reference runs in the sandbox against its hidden tests).
func TestFreshSuiteWithCodeIsValid(t *testing.T) {
	for _, seed := range []uint64{1, DefaultSeed} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s, err := Fresh(seed)
			if err != nil {
				t.Fatal(err)
			}
			reportProblems(t, suitecheck.Suite(s, &scorer.Evaluator{Code: coderun.NewRunner(0)}))
		})
	}
}
