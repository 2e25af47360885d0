package scorer_test

import (
	"fmt"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// Judging an answer against a task's checks, as the engine does for every
// response.
func ExampleEvaluateAnswer() {
	task := &suites.Task{ID: "capital", Category: suites.CatChat,
		Expect: suites.Expect{Checks: []suites.Check{{Type: scorer.CheckExact, Value: "Paris"}}}}
	for _, answer := range []string{"Paris", "paris.", "Lyon"} {
		v := scorer.EvaluateAnswer(task, answer, nil)
		fmt.Printf("%q scores %.0f\n", answer, v.Score)
	}
	// Output:
	// "Paris" scores 1
	// "paris." scores 1
	// "Lyon" scores 0
}

// Scoring a run's task results, with the pass rate's Wilson interval and a
// CI gate on the composite, as `janus bench run --min-score` applies it.
func ExampleScoreWith() {
	var tasks []record.TaskResult
	for i := range 10 {
		score := 1.0
		if i%4 == 0 {
			score = 0 // three of the ten answers are wrong
		}
		tasks = append(tasks, record.TaskResult{ID: fmt.Sprint("t", i), Category: suites.CatChat, Status: record.StatusOK, Score: score})
	}
	s := scorer.ScoreWith(tasks, scorer.Options{}) // seeded bootstrap: the same tasks give the same interval
	pr := scorer.PassRate(tasks)
	fmt.Printf("passed %d of %d, 95%% CI %.2f–%.2f\n", pr.Passed, pr.N, pr.CI95[0], pr.CI95[1])
	q, _ := s.Lookup("quality")
	fmt.Printf("quality %.0f [%.0f, %.0f]\n", q.Value, q.CI95[0], q.CI95[1])
	gates, err := scorer.ParseThresholds("quality=80")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range scorer.CheckThresholds(s, gates) {
		fmt.Println("gate passed:", g.Passed)
	}
	// Output:
	// passed 7 of 10, 95% CI 0.40–0.89
	// quality 70 [40, 90]
	// gate passed: false
}
