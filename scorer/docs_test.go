package scorer

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/stats"
)

// docExamples computes, for each worked example in docs/SCORING.md (marked
// <!-- example: NAME -->), every number the example prints in bold, in
// order.
var docExamples = map[string]func() []float64{
	"piecewise": func() []float64 {
		var out []float64
		for _, r := range []float64{0.5, 1, 1.5, 2, 2.5, 4, 7} {
			out = append(out, piecewise(r*2000, 2000))
		}
		return out
	},
	"quality": func() []float64 {
		tasks := []record.TaskResult{
			{Category: "quality/chat", Status: record.StatusOK, Score: 1},
			{Category: "quality/reasoning", Status: record.StatusOK, Score: 1},
			{Category: "quality/code", Status: record.StatusOK, Score: 1},
			{Category: "quality/chat", Status: record.StatusOK, Score: 1},
			{Category: "tools", Status: record.StatusOK, Score: 0},
		}
		return []float64{Quality(tasks).Value}
	},
	"quality-weights": func() []float64 {
		tasks := []record.TaskResult{
			{Category: "quality/chat", Status: record.StatusOK, Score: 1},
			{Category: "quality/chat", Status: record.StatusOK, Score: 1},
			{Category: "quality/code", Status: record.StatusOK, Score: 1},
			{Category: "quality/code", Status: record.StatusOK, Score: 0},
			{Category: "tools", Status: record.StatusOK, Score: 0},
		}
		return []float64{Quality(tasks).Value, QualityWeighted(tasks, map[string]float64{"quality/code": 3}).Value}
	},
	"speed": func() []float64 {
		tasks := []record.TaskResult{
			{Status: record.StatusOK, Metrics: trace.Metrics{TTFTMs: f(1000), OutputTPS: f(20)}},
			{Status: record.StatusOK, Metrics: trace.Metrics{TTFTMs: f(3000), OutputTPS: f(5)}},
			{Status: record.StatusError, Metrics: trace.Metrics{E2EMs: f(20)}},
		}
		tg := record.DefaultTargets()
		return []float64{speedTask(tasks[0], tg), speedTask(tasks[1], tg), speedTask(tasks[2], tg), Speed(tasks, tg).Value}
	},
	"continuity": func() []float64 {
		buffered := record.TaskResult{ITLs: evenGaps(49, 0.02, 0.01), Metrics: trace.Metrics{TTFTMs: f(5000), E2EMs: f(5002), OutputTokens: 50}}
		paced := record.TaskResult{ITLs: evenGaps(49, 40, 1), Metrics: trace.Metrics{TTFTMs: f(100), E2EMs: f(2070), OutputTokens: 50}}
		var out []float64
		for _, t := range []record.TaskResult{buffered, paced} {
			ev, cov, _ := continuityFactors(t)
			out = append(out, ev, cov, continuity(t))
		}
		return out
	},
	"streaming": func() []float64 {
		t := record.TaskResult{Status: record.StatusOK, Stream: true, Budgets: trace.DefaultBudgets(), ITLs: []float64{100, 100, 100, 100},
			Metrics:    trace.Metrics{TTFTMs: f(500), MaxGapMs: f(3000), E2EMs: f(1000)},
			Violations: []trace.Violation{{Code: trace.VMissingUsage}}}
		return []float64{streamTask(t, record.DefaultTargets())}
	},
	"cost": func() []float64 {
		tasks := costExample()
		var out []float64
		for i := range tasks {
			s, _ := costTask(&tasks[i], record.DefaultTargets(), pricing.DefaultPrices(), "")
			out = append(out, s)
		}
		d := Cost(tasks, record.DefaultTargets())
		return append(out, d.Value, *d.Coverage)
	},
	"multimodal": func() []float64 {
		tasks := []record.TaskResult{
			{Category: "multimodal", Status: record.StatusOK, Score: 1},
			{Category: "multimodal/audio", Status: record.StatusOK, Score: 1},
			{Category: "multimodal", Status: record.StatusTimeout},
		}
		return []float64{Multimodal(tasks).Value}
	},
	"composite": func() []float64 {
		s := record.Scores{record.Quality: record.Score{Value: 80, N: 5}, record.Speed: record.Score{Value: 60, N: 8}, record.Cost: record.Score{Value: 40, N: 8},
			record.Streaming: record.Score{Value: 50, N: 8}}
		return []float64{Composite(s, record.DefaultWeights()).Value}
	},
	"weights": func() []float64 {
		w, _, _ := ParseWeights("quality=1,speed=1")
		return []float64{w[record.Quality], w[record.Speed]}
	},
	"wilson": func() []float64 {
		ci := stats.Wilson(7, 8)
		return []float64{100 * 7.0 / 8, 100 * ci[0], 100 * ci[1]}
	},
	"bootstrap": func() []float64 {
		s := ScoreWith(bootstrapExample(), Options{})
		pr := PassRate(bootstrapExample())
		return []float64{s[record.Quality].Value, s[record.Quality].CI95[0], s[record.Quality].CI95[1], 100 * pr.CI95[0], 100 * pr.CI95[1]}
	},
	"threshold": func() []float64 {
		r := CheckThresholds(record.Scores{record.Composite: record.Score{Value: 69.96}}, []Threshold{{"composite", 70}})[0]
		v, _ := strconv.ParseFloat(strings.Fields(r.Message())[1], 64)
		return []float64{v}
	},
}

// costExample is the cost section's five tasks.
func costExample() []record.TaskResult {
	return []record.TaskResult{
		{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 10000, CompletionTokens: 4000}},
		{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 50, CostUSD: f(0.01), SandboxSeconds: f(100)}},
		{Status: record.StatusOK, Score: 1},
		{Status: record.StatusOK, Score: 0.5, Usage: &wire.Usage{PromptTokens: 50, CostUSD: f(0.004)}},
		{Status: record.StatusOK, Score: 0, Usage: &wire.Usage{PromptTokens: 50, CostUSD: f(0.0001)}},
	}
}

// bootstrapExample is the interval section's run: 20 quality/chat tasks,
// the first 14 right.
func bootstrapExample() []record.TaskResult {
	var tasks []record.TaskResult
	for i := range 20 {
		t := record.TaskResult{ID: fmt.Sprintf("t%02d", i+1), Category: "quality/chat", Status: record.StatusOK}
		if i < 14 {
			t.Score = 1
		}
		tasks = append(tasks, t)
	}
	return tasks
}

var (
	exampleMark = regexp.MustCompile(`<!-- example: ([a-z0-9-]+) -->`)
	boldNumber  = regexp.MustCompile(`\*\*(-?[0-9]+(?:\.[0-9]+)?)\*\*`)
)

// TestScoringDocExamples recomputes every worked example in
// docs/SCORING.md and compares each bold number to the digit it is printed
// with: the doc cannot drift from the code.
func TestScoringDocExamples(t *testing.T) {
	b, err := os.ReadFile("../docs/SCORING.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	marks := exampleMark.FindAllStringSubmatchIndex(doc, -1)
	seen := map[string]bool{}
	for i, m := range marks {
		name := doc[m[2]:m[3]]
		end := len(doc)
		if i+1 < len(marks) {
			end = marks[i+1][0]
		}
		region := doc[m[1]:end]
		if h := regexp.MustCompile(`(?m)^#`).FindStringIndex(region); h != nil {
			region = region[:h[0]]
		}
		compute, ok := docExamples[name]
		if !ok {
			t.Errorf("SCORING.md example %q has no computation here", name)
			continue
		}
		seen[name] = true
		printed := boldNumber.FindAllStringSubmatch(region, -1)
		want := compute()
		if len(printed) != len(want) {
			t.Errorf("example %s prints %d bold numbers, the computation has %d (%v)", name, len(printed), len(want), want)
			continue
		}
		for j, p := range printed {
			decimals := 0
			if k := strings.IndexByte(p[1], '.'); k >= 0 {
				decimals = len(p[1]) - k - 1
			}
			if got := strconv.FormatFloat(want[j], 'f', decimals, 64); got != p[1] {
				t.Errorf("example %s, number %d: the doc says %s, the code gives %s (%v)", name, j+1, p[1], got, want[j])
			}
		}
	}
	for name := range docExamples {
		if !seen[name] {
			t.Errorf("example %q is not in SCORING.md", name)
		}
	}
}
