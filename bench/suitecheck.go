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
	return &InputError{Op: "check suite", Err: &JudgeNeededError{Suite: s.Name, Tasks: n, File: first.File, Line: first.Line, TaskID: first.ID}}
}

// JudgeNeededError is a run whose selected tasks have judge checks while
// its evaluator has no judge. Hint, when the application sets it, says
// how to configure one in its own terms (the CLI names its flags); the
// engine names none.
type JudgeNeededError struct {
	Suite string
	// Tasks is how many selected tasks have a judge check; File, Line and
	// TaskID place the first.
	Tasks  int
	File   string
	Line   int
	TaskID string
	Hint   string
}

func (e *JudgeNeededError) Error() string {
	hint := e.Hint
	if hint == "" {
		hint = "give the run an evaluator with a judge, or leave those tasks out"
	}
	return fmt.Sprintf("%d selected task(s) of suite %s have judge checks (first: %s:%d task %s) but no judge is configured: %s",
		e.Tasks, e.Suite, e.File, e.Line, e.TaskID, hint)
}
