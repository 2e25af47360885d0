package bench

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/stats"
	"github.com/janus-bench/janus/suites"
)

// decoyPrefix starts a decoy's task id (ids never reach the target).
const decoyPrefix = "decoy-"

// Decoys are judged slower when their median TTFT or e2e time is more than
// decoySlowFactor times the suite's and more than decoySlowFloorMs above
// it: a competitor that answers benchmark prompts fast and everything
// else slowly is fast only for the benchmark.
const (
	decoySlowFactor  = 2.0
	decoySlowFloorMs = 300.0
)

var (
	// decoyAsks take a name and a topic, in that order.
	decoyAsks = []string{
		"Write a short, friendly email to %[1]s asking to move our meeting about %[2]s to next week.",
		"My friend %[1]s wants three practical tips for %[2]s. What would you suggest?",
		"Explain %[2]s to my nephew %[1]s, who is twelve, in a few sentences.",
		"%[1]s asked me about the pros and cons of %[2]s. Can you summarise them in a short paragraph?",
		"Draft a polite reminder to %[1]s that the report on %[2]s is due on Friday.",
		"What should %[1]s pack for a weekend trip focused on %[2]s?",
	}
	decoyTopics = []string{"learning to cook", "remote work", "urban gardening", "saving for a holiday", "public speaking",
		"running a first 10k", "keeping houseplants alive", "the budget review", "the office move", "a team offsite",
		"birdwatching", "learning a second language", "time management", "home composting"}
	decoyNames = []string{"Priya", "Tom", "Aiko", "Marta", "Kwame", "Lena", "Diego", "Sofia", "Omar", "Hannah"}
)

// decoyTasks are n ordinary prompts of the kind a competitor's users send:
// not benchmark-shaped, no right answer, so a competitor that recognises
// the suite's prompts has no reason to treat them differently unless it
// treats the benchmark differently.
func decoyTasks(n int) ([]suites.Task, error) {
	pick := func(xs []string) (string, error) {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(xs))))
		if err != nil {
			return "", fmt.Errorf("draw a decoy: %w", err)
		}
		return xs[i.Int64()], nil
	}
	var out []suites.Task
	for range n {
		ask, err := pick(decoyAsks)
		if err != nil {
			return nil, err
		}
		name, _ := pick(decoyNames)
		topic, _ := pick(decoyTopics)
		prompt := fmt.Sprintf(ask, name, topic)
		var id [6]byte
		if _, err := rand.Read(id[:]); err != nil {
			return nil, fmt.Errorf("draw a decoy: %w", err)
		}
		mt := 200
		out = append(out, suites.Task{ID: decoyPrefix + hex.EncodeToString(id[:]), Category: suites.CatChat,
			Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}},
			Request:  suites.RequestOptions{MaxTokens: &mt},
			Expect:   suites.Expect{Checks: []suites.Check{{Type: "regex", Pattern: `\S`}}}})
	}
	return out, nil
}

// medianOf is the high median (stats.HighMedian) of the present values
// of metric over results; ok false when none.
func medianOf(results []record.TaskResult, metric func(record.TaskResult) *float64) (float64, bool) {
	var xs []float64
	for _, r := range results {
		if v := metric(r); v != nil {
			xs = append(xs, *v)
		}
	}
	return stats.HighMedian(xs)
}

func ttftOf(r record.TaskResult) *float64 { return r.Metrics.TTFTMs }
func e2eOf(r record.TaskResult) *float64  { return r.Metrics.E2EMs }

// judgeDecoys compares the decoys' latency with the suite's; when the
// decoys are notably slower, speed is scored on the decoys (the worse of
// the two) and the composite recomputed.
func judgeDecoys(decoys, tasks []record.TaskResult, scores *record.Scores, o scorer.Options) *record.Decoys {
	d := &record.Decoys{Sent: len(decoys)}
	d.TTFTp50Ms, _ = medianOf(decoys, ttftOf)
	d.SuiteTTFTp50Ms, _ = medianOf(tasks, ttftOf)
	d.E2Ep50Ms, _ = medianOf(decoys, e2eOf)
	d.SuiteE2Ep50Ms, _ = medianOf(tasks, e2eOf)
	slower := func(dec, suite float64) bool { return dec > decoySlowFactor*suite && dec-suite > decoySlowFloorMs }
	d.Slower = slower(d.TTFTp50Ms, d.SuiteTTFTp50Ms) || slower(d.E2Ep50Ms, d.SuiteE2Ep50Ms)
	o = o.WithDefaults()
	d.SuiteSpeed = (*scores)[record.Speed].Value
	d.DecoySpeed = scorer.Speed(decoys, o.Targets).Value
	if d.Slower && d.DecoySpeed < d.SuiteSpeed {
		sp := (*scores)[record.Speed]
		sp.Value = d.DecoySpeed
		sp.Note = "scored on the decoys: slower on ordinary prompts than on the suite's"
		(*scores)[record.Speed] = sp
		c := scorer.Composite(*scores, o.Weights)
		c.N = len(tasks)
		(*scores)[record.Composite] = c
	}
	return d
}

// withDecoys returns todo with n decoys at random places, and their ids.
func withDecoys(n int, todo []suites.Task) ([]suites.Task, map[string]bool, error) {
	if n <= 0 || len(todo) == 0 {
		return todo, nil, nil
	}
	ds, err := decoyTasks(n)
	if err != nil {
		return nil, nil, err
	}
	ids := map[string]bool{}
	out := append([]suites.Task(nil), todo...)
	for _, d := range ds {
		at, err := rand.Int(rand.Reader, big.NewInt(int64(len(out)+1)))
		if err != nil {
			return nil, nil, fmt.Errorf("place decoy: %w", err)
		}
		i := int(at.Int64())
		out = append(out[:i], append([]suites.Task{d}, out[i:]...)...)
		ids[d.ID] = true
	}
	return out, ids, nil
}
