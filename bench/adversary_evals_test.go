package bench

import (
	"context"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/suites"
)

// TestEvalAdversariesOnDefaultSuite judges each evaluator adversary's
// answers (baseline.AdversarialReference) against janus-default's tasks
// with the evaluators of a live run: the references pass, and not one
// adversarial answer does (issue 15: 10/10 shadowed Go tests, 40/40 tool
// shotguns, 15/15 research templates and fetched-or-not fake artifacts
// all passed before).
func TestEvalAdversariesOnDefaultSuite(t *testing.T) {
	s, err := suites.DefaultLoader{}.Load(context.Background(), "janus-default")
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []string{baseline.ProfileAdvShadowCode, baseline.ProfileAdvToolShotgun,
		baseline.ProfileAdvFakeArtifact, baseline.ProfileAdvTemplateResearch} {
		t.Run(profile, func(t *testing.T) {
			attacked, passed := 0, 0
			for i := range s.Tasks {
				task := &s.Tasks[i]
				ref, ok := baseline.AdversarialReference(profile, task)
				if !ok {
					continue
				}
				if profile == baseline.ProfileAdvShadowCode && task.Reference.Content == "" {
					continue
				}
				attacked++
				if v := testEval.EvaluateReference(task, task.Reference); v.Score < 1 {
					t.Errorf("%s: the reference scores %v: %s", task.ID, v.Score, v.Reason)
				}
				if v := testEval.EvaluateReference(task, ref); v.Score > 0 {
					passed++
					t.Errorf("%s: the %s answer scores %v: %s", task.ID, profile, v.Score, v.Reason)
				}
			}
			if attacked == 0 {
				t.Fatalf("%s attacks no task of janus-default", profile)
			}
			t.Logf("%s: %d of %d attacked tasks pass", profile, passed, attacked)
		})
	}
}
