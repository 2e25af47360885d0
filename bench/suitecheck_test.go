package bench

import (
	"errors"
	"strings"
	"testing"

	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// A run whose tasks need a judge its evaluator lacks is refused with a
// typed error that places the first such task and names no flag: the
// application adds how to configure a judge in its own terms (Hint).
func TestJudgeNeededErrorIsTyped(t *testing.T) {
	judged := suites.Task{ID: "judged", File: "tasks.yaml", Line: 7,
		Expect: suites.Expect{Checks: []suites.Check{{Type: scorer.CheckJudge, Rubric: "Did it say hi?", RubricVersion: "1"}}}}
	s := &suites.Suite{Name: "s", Tasks: []suites.Task{judged}}
	err := checkRunnable(s, s.Tasks, testEval)
	var jn *JudgeNeededError
	if !errors.As(err, &jn) {
		t.Fatalf("err = %v, want a *JudgeNeededError", err)
	}
	if jn.Tasks != 1 || jn.File != "tasks.yaml" || jn.Line != 7 || jn.TaskID != "judged" {
		t.Errorf("error places %+v, want 1 task, tasks.yaml:7 judged", jn)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("engine error names a flag: %v", err)
	}
	jn.Hint = "use the judge option"
	if !strings.HasSuffix(err.Error(), "no judge is configured: use the judge option") {
		t.Errorf("the application's hint is not the fix the error gives: %v", err)
	}
}
