package scorer

import (
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/suites"
)

// evalCase is one answer judged by one check through EvaluateAnswer, the
// path suite validation and live runs share.
type evalCase struct {
	name    string
	check   suites.Check
	content string
	want    float64
	// reason, when set, must occur in the verdict's reason.
	reason string
}

// runEvalCases runs cases as parallel subtests: each must give the wanted
// score and a reason naming the check type.
// testEval is the Evaluator the check cases run with: janus's code
// runner, no judge, no fetch.
var testEval = &Evaluator{Code: coderun.NewRunner(0)}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := testEval.CheckSpec(c.check); err != nil {
				t.Fatalf("spec rejected: %v", err)
			}
			v := testEval.EvaluateAnswer(task(c.check), c.content, nil)
			t.Logf("%v %s", v.Score, v.Reason)
			if v.Score != c.want {
				t.Errorf("score %v, want %v (reason %q) for %q", v.Score, c.want, v.Reason, c.content)
			}
			body, ok := strings.CutPrefix(strings.TrimPrefix(v.Reason, "failed "), c.check.Type+": ")
			if !ok || body == "" {
				t.Errorf("reason %q does not explain the verdict", v.Reason)
			}
			if c.reason != "" && !strings.Contains(v.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", v.Reason, c.reason)
			}
		})
	}
}

// specCase is a check spec CheckSpec must accept or reject.
type specCase struct {
	name  string
	check suites.Check
	ok    bool
	// has, when set, must occur in the rejection.
	has string
}

func runSpecCases(t *testing.T, cases []specCase) {
	t.Helper()
	for _, c := range cases {
		err := testEval.CheckSpec(c.check)
		if (err == nil) != c.ok {
			t.Errorf("%s: CheckSpec = %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if err != nil && c.has != "" && !strings.Contains(err.Error(), c.has) {
			t.Errorf("%s: error %q lacks %q", c.name, err, c.has)
		}
		if err != nil {
			// A broken spec scores 0 in a run too, never passes.
			if v := testEval.EvaluateAnswer(task(c.check), "anything", nil); v.Score != 0 {
				t.Errorf("%s: broken spec scored %v", c.name, v.Score)
			}
		}
	}
}
