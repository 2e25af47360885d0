package scorer

import (
	"fmt"
	"math"

	"github.com/janus-bench/janus/suites"
)

// CheckSpec reports what is wrong with a check's spec (unknown type,
// invalid regex, missing value, bad weight), or nil. Suite validation calls
// it so that a broken check is reported at its file and line before a run,
// rather than as a task that silently scores 0 in every run. A code
// check's hidden tests are compiled by e's CodeRunner, when it has one.
func (e *Evaluator) CheckSpec(c suites.Check) error {
	build, ok := checkBuilders[c.Type]
	if !ok {
		return fmt.Errorf("unknown check type %q (known: %v)", c.Type, KnownCheckTypes())
	}
	ev, err := build(c)
	if err == nil {
		if b, ok := ev.(binder); ok {
			_, err = b.bind(e)
		}
	}
	if err != nil {
		return fmt.Errorf("invalid %s check: %w", c.Type, err)
	}
	if c.Weight < 0 || math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0) {
		return fmt.Errorf("invalid %s check: weight %v must be a finite number ≥ 0", c.Type, c.Weight)
	}
	return nil
}

// CheckSpec is (*Evaluator)(nil).CheckSpec: a code check's tests are
// checked for being there, not compiled.
func CheckSpec(c suites.Check) error { return (*Evaluator)(nil).CheckSpec(c) }
