package bench

import (
	"fmt"

	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// checkRunnable refuses, before any request, a suite whose checks the
// scorer cannot evaluate (an unknown check type, a malformed spec: each
// named by file:line and task) and a run whose selected tasks need an LLM
// judge when none is configured. Either would otherwise score the
// competitor 0 on those tasks for the suite's or the set-up's fault.
func checkRunnable(s *suites.Suite, selected []suites.Task, ev *scorer.Evaluator) error {
	var probs []suites.FormatError
	for i := range s.Tasks {
		t := &s.Tasks[i]
		for j, c := range t.Expect.Checks {
			if err := ev.CheckSpec(c); err != nil {
				probs = append(probs, suites.FormatError{File: t.File, Line: t.Line, TaskID: t.ID,
					Msg: fmt.Sprintf("expect.checks[%d]: %v", j, err)})
			}
		}
	}
	if len(probs) > 0 {
		return &InputError{Op: "load suite", Err: &suites.ValidationError{Suite: s.Name, Problems: probs}}
	}
	if ev.JudgeConfigured() {
		return nil
	}
	var first *suites.Task
	n := 0
	for i := range selected {
		for _, c := range selected[i].Expect.Checks {
			if c.Type == scorer.CheckJudge {
				if first == nil {
					first = &selected[i]
				}
				n++
				break
			}
		}
	}
	if n == 0 {
		return nil
	}
	return &InputError{Op: "check suite", Err: fmt.Errorf(
		"%d selected task(s) of suite %s have judge checks (first: %s:%d task %s) but no judge is configured: pass --judge URL --judge-model MODEL, or leave those tasks out with --categories",
		n, s.Name, first.File, first.Line, first.ID)}
}
