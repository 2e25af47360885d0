package scorer

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
)

func f(v float64) *float64 { return &v }

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }

func TestPiecewise(t *testing.T) {
	cases := []struct{ v, target, want float64 }{
		{0, 2000, 1},                       // instant
		{-5, 2000, 1},                      // clock skew below zero is still "at target"
		{2000, 2000, 1},                    // exactly at target: full marks
		{2000.2, 2000, 0.99995},            // just over: continuous, 1 − 0.5·0.2/2000
		{3000, 2000, 0.75},                 // halfway to 2t: 1 − 0.5·0.5
		{4000, 2000, 0.5},                  // exactly 2t: both branches give 0.5
		{5000, 2000, 0.45},                 // 2.5t: 0.5 − 0.1·0.5
		{8000, 2000, 0.3},                  // 4t: 0.5 − 0.1·(4t−2t)/t = 0.5 − 0.2
		{14000, 2000, 0},                   // 7t: reaches 0
		{20000, 2000, 0},                   // beyond 7t: floored
		{0.011, 0.01, 0.95},                // cost units work the same
		{math.NaN(), 2000, 0},              // undefined input never scores
		{math.Inf(1), 2000, 0},             // infinitely slow
		{12000, 8000, 0.75},                // e2e target: 1.5t
		{3999.999999, 2000, 0.50000000025}, // just under 2t from the left
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := piecewise(c.v, c.target); !near(got, c.want) {
				t.Errorf("piecewise(%v, %v) = %v, want %v", c.v, c.target, got, c.want)
			}
		})
	}
}

func TestQuality(t *testing.T) {
	tasks := []record.TaskResult{
		{Category: "quality/chat", Status: record.StatusOK, Score: 1},         // counted: 1
		{Category: "quality/code", Status: record.StatusOK, Score: 0.5},       // counted: 0.5
		{Category: "tools", Status: record.StatusOK, Score: 1},                // tools counts as quality: 1
		{Category: "quality/reasoning", Status: record.StatusError, Score: 0}, // failed: counted as 0
		{Category: "streaming", Status: record.StatusOK, Score: 1},            // own dimension: excluded
		{Category: "multimodal", Status: record.StatusOK, Score: 1},           // own dimension: excluded
		{Category: "cost", Status: record.StatusOK, Score: 1},                 // own dimension: excluded
	}
	d := Quality(tasks)
	// (1 + 0.5 + 1 + 0) / 4 = 0.625
	if !near(d.Value, 62.5) || d.N != 4 {
		t.Errorf("Quality = %+v, want 62.5 over 4", d)
	}
	if d := Quality(tasks[4:]); d.Value != 0 || d.N != 0 || d.Note == "" {
		t.Errorf("no quality tasks: %+v", d)
	}
}

func TestSpeed(t *testing.T) {
	tg := record.DefaultTargets()
	cases := []struct {
		name string
		task record.TaskResult
		want float64
	}{
		// 0.5·1 + 0.5·min(1, 20/10)
		{"fast", record.TaskResult{Status: record.StatusOK, Metrics: trace.Metrics{TTFTMs: f(1000), OutputTPS: f(20)}}, 1},
		// 0.5·0.75 + 0.5·5/10
		{"slow first token, half rate", record.TaskResult{Status: record.StatusOK, Metrics: trace.Metrics{TTFTMs: f(3000), OutputTPS: f(5)}}, 0.625},
		// 0.5·0.45 + 0.5·1
		{"beyond 2t", record.TaskResult{Status: record.StatusOK, Metrics: trace.Metrics{TTFTMs: f(5000), OutputTPS: f(50)}}, 0.725},
		// failing fast earns nothing
		{"failed fast", record.TaskResult{Status: record.StatusError, Metrics: trace.Metrics{TTFTMs: f(10), OutputTPS: f(100), E2EMs: f(20)}}, 0},
		// timeouts are failures too
		{"timeout", record.TaskResult{Status: record.StatusTimeout, Metrics: trace.Metrics{E2EMs: f(1)}}, 0},
		// non-streamed: e2e piecewise, 12000 vs 8000 → 0.75
		{"non-stream e2e", record.TaskResult{Status: record.StatusOK, Metrics: trace.Metrics{E2EMs: f(12000)}}, 0.75},
		// one token: TTFT but no rate → e2e 4000 ≤ 8000 → 1
		{"single token falls back", record.TaskResult{Status: record.StatusOK, Metrics: trace.Metrics{TTFTMs: f(3900), E2EMs: f(4000)}}, 1},
		// no timing at all: no credit
		{"no timing", record.TaskResult{Status: record.StatusOK}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := speedTask(c.task, tg); !near(got, c.want) {
				t.Errorf("%s: speedTask = %v, want %v", c.name, got, c.want)
			}
		})
	}
	// Mean of the first four rows: (1 + 0.625 + 0.725 + 0) / 4 = 0.5875.
	var tasks []record.TaskResult
	for _, c := range cases[:4] {
		tasks = append(tasks, c.task)
	}
	if d := Speed(tasks, tg); !near(d.Value, 58.75) || d.N != 4 {
		t.Errorf("Speed = %+v, want 58.75 over 4", d)
	}
	// Zero targets fall back to the defaults rather than dividing by zero.
	if d := Speed(tasks, record.Targets{}); !near(d.Value, 58.75) {
		t.Errorf("Speed with zero targets = %+v", d)
	}
	if d := Speed(nil, tg); d.Value != 0 || d.N != 0 {
		t.Errorf("Speed(nil) = %+v", d)
	}
}

// evenGaps returns n gaps of ms each, with ±jitter alternating.
func evenGaps(n int, ms, jitter float64) []float64 {
	g := make([]float64, n)
	for i := range g {
		g[i] = ms
		if i%2 == 0 {
			g[i] += jitter
		} else {
			g[i] -= jitter
		}
	}
	return g
}

func TestContinuityBufferedVsPaced(t *testing.T) {
	// A buffering proxy: nothing for 5 s, then 50 tokens within 1 ms.
	buffered := record.TaskResult{Status: record.StatusOK, Stream: true, ITLs: evenGaps(49, 0.02, 0.01),
		Metrics: trace.Metrics{TTFTMs: f(5000), E2EMs: f(5002), OutputTokens: 50}}
	// A paced stream: first token at 100 ms, then one every 40 ± 1 ms.
	paced := record.TaskResult{Status: record.StatusOK, Stream: true, ITLs: evenGaps(49, 40, 1),
		Metrics: trace.Metrics{TTFTMs: f(100), E2EMs: f(100 + 49*40 + 10), OutputTokens: 50}}
	if c := continuity(buffered); c >= 0.1 {
		t.Errorf("buffered continuity %v, want < 0.1", c)
	}
	if c := continuity(paced); c <= 0.9 {
		t.Errorf("paced continuity %v, want > 0.9", c)
	}
	// A burst with identical zero gaps has no rhythm at all.
	burst := record.TaskResult{ITLs: []float64{0, 0, 0}, Metrics: trace.Metrics{E2EMs: f(100), OutputTokens: 4}}
	if c := continuity(burst); c != 0 {
		t.Errorf("zero-gap burst continuity %v, want 0", c)
	}
}

func TestContinuity(t *testing.T) {
	cases := []struct {
		name string
		task record.TaskResult
		want float64
	}{
		// CV 0, span 400 of e2e 1000 → 1 · 0.4
		{"even, 40% covered", record.TaskResult{ITLs: []float64{100, 100, 100, 100}, Metrics: trace.Metrics{E2EMs: f(1000)}}, 0.4},
		// gaps 50,150: mean 100, σ 50, CV 0.5 → 0.5; span 200 of 400 → 0.5; product 0.25
		{"uneven", record.TaskResult{ITLs: []float64{50, 150}, Metrics: trace.Metrics{E2EMs: f(400)}}, 0.25},
		// CV > 1 floors evenness at 0: gaps 1,1,1,97 → mean 25, σ ≈ 41.6
		{"one stall", record.TaskResult{ITLs: []float64{1, 1, 1, 97}, Metrics: trace.Metrics{E2EMs: f(100)}}, 0},
		// one gap, 10 tokens: the answer came in two lumps
		{"lump", record.TaskResult{ITLs: []float64{5}, Metrics: trace.Metrics{E2EMs: f(100), OutputTokens: 10}}, 0},
		// no gaps, 3 tokens: too short to have a rhythm
		{"short", record.TaskResult{Metrics: trace.Metrics{E2EMs: f(100), OutputTokens: 3}}, 1},
		// no gaps, exactly 4 tokens: the lump threshold
		{"lump threshold", record.TaskResult{Metrics: trace.Metrics{E2EMs: f(100), OutputTokens: 4}}, 0},
		// metrics ITLs are used when the serialised list is absent
		{"metrics ITLs", record.TaskResult{Metrics: trace.Metrics{ITLs: []float64{100, 100}, E2EMs: f(400)}}, 0.5},
		// gaps but no e2e: coverage unknown, no credit
		{"no e2e", record.TaskResult{ITLs: []float64{100, 100}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := continuity(c.task); !near(got, c.want) {
				t.Errorf("%s: continuity = %v, want %v", c.name, got, c.want)
			}
		})
	}
}

func TestStreaming(t *testing.T) {
	tg := record.DefaultTargets()
	budgets := trace.DefaultBudgets()
	v := func(codes ...string) []trace.Violation {
		var out []trace.Violation
		for _, c := range codes {
			out = append(out, trace.Violation{Code: c})
		}
		return out
	}
	cases := []struct {
		name string
		task record.TaskResult
		want float64
	}{
		// 0.4·1 (ttft 500) + 0.4·0.75 (gap 3000) + 0.2·0.4 (even, 40% covered)
		{"gap over budget", record.TaskResult{Status: record.StatusOK, Stream: true, Budgets: budgets, ITLs: []float64{100, 100, 100, 100},
			Metrics: trace.Metrics{TTFTMs: f(500), MaxGapMs: f(3000), E2EMs: f(1000)}}, 0.78},
		// task budget 4000 makes a 3000 ms TTFT full marks; 2 tokens → continuity 1;
		// missing_done (twice, counted once) and missing_usage cost 0.2; ttft_over is not a penalty code
		{"penalties", record.TaskResult{Status: record.StatusOK, Stream: true, Budgets: trace.Budgets{TTFTMs: 4000, GapMs: 2000},
			Metrics:    trace.Metrics{TTFTMs: f(3000), MaxGapMs: f(1000), E2EMs: f(3100), OutputTokens: 2},
			Violations: v(trace.VMissingDone, trace.VMissingUsage, trace.VTTFTOver, trace.VMissingDone)}, 0.8},
		// failed streams score 0 however quick they were
		{"failed", record.TaskResult{Status: record.StatusError, Stream: true, Budgets: budgets,
			Metrics: trace.Metrics{TTFTMs: f(10), MaxGapMs: f(10)}}, 0},
		// every term at 0 and every penalty: floored at 0, never negative
		{"floor", record.TaskResult{Status: record.StatusOK, Stream: true, Budgets: budgets, Metrics: trace.Metrics{TTFTMs: f(20000), OutputTokens: 10},
			Violations: v(trace.VMissingDone, trace.VBadJSON, trace.VMidstream, trace.VContentType, trace.VDataAfterDone, trace.VMissingUsage, trace.VStreamAborted)}, 0},
		// zero budgets fall back to the targets: 3000 vs 2000 → 0.75 on both terms, short answer → continuity 1
		{"zero budgets", record.TaskResult{Status: record.StatusOK, Stream: true,
			Metrics: trace.Metrics{TTFTMs: f(3000), MaxGapMs: f(3000), E2EMs: f(3000), OutputTokens: 1}}, 0.8},
	}
	var tasks []record.TaskResult
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := streamTask(c.task, tg); !near(got, c.want) {
				t.Errorf("%s: streamTask = %v, want %v", c.name, got, c.want)
			}
			tasks = append(tasks, c.task)
		})
	}
	// A non-streamed task is not part of the streaming mean.
	tasks = append(tasks, record.TaskResult{Status: record.StatusOK, Stream: false, Metrics: trace.Metrics{E2EMs: f(1)}})
	// (0.78 + 0.8 + 0 + 0 + 0.8) / 5 = 0.476
	if d := Streaming(tasks, tg); !near(d.Value, 47.6) || d.N != 5 {
		t.Errorf("Streaming = %+v, want 47.6 over 5", d)
	}
	if d := Streaming(tasks[5:], tg); d.Value != 0 || d.N != 0 || d.Note == "" {
		t.Errorf("no streamed tasks: %+v", d)
	}
}

func TestCost(t *testing.T) {
	tg := record.DefaultTargets()
	cases := []struct {
		name    string
		task    record.TaskResult
		want    float64
		hasData bool
	}{
		// right answer, reported $0.005 ≤ $0.01 per correct answer
		{"reported cheap", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 9, CostUSD: f(0.005)}}, 1, true},
		// 10000·0.5/1M + 4000·1.5/1M = 0.005 + 0.006 = 0.011 → 1 − 0.5·0.1
		{"token price", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 10000, CompletionTokens: 4000}}, 0.95, true},
		// $0.01 + 100 s · $0.0001 = $0.02 = 2t → 0.5
		{"sandbox", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{CostUSD: f(0.01), SandboxSeconds: f(100)}}, 0.5, true},
		// reported free is free
		{"reported zero", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 5, CostUSD: f(0)}}, 1, true},
		// half right at $0.008: $0.016 per correct answer → 1 − 0.5·0.6
		{"half right", record.TaskResult{Status: record.StatusOK, Score: 0.5, Usage: &wire.Usage{CostUSD: f(0.008)}}, 0.7, true},
		// a cheap wrong answer is not cheap
		{"cheap but wrong", record.TaskResult{Status: record.StatusOK, Score: 0, Usage: &wire.Usage{CostUSD: f(0.0001)}}, 0, true},
		// hiding usage never wins cost
		{"no usage", record.TaskResult{Status: record.StatusOK, Score: 1}, 0, false},
		// a failed task bought nothing, even if it reported usage
		{"failed", record.TaskResult{Status: record.StatusError, Usage: &wire.Usage{CostUSD: f(0)}}, 0, true},
		// a usage object with no cost and no tokens says nothing
		{"empty usage", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{}}, 0, false},
		// a negative cost is not believable
		{"negative cost", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{CostUSD: f(-1)}}, 0, false},
	}
	var tasks []record.TaskResult
	withData := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Cost([]record.TaskResult{c.task}, tg)
			if !near(d.Value, 100*c.want) {
				t.Errorf("%s: Cost = %+v, want %v", c.name, d, 100*c.want)
			}
			if c.hasData != (d.Coverage != nil && *d.Coverage == 1) {
				t.Errorf("%s: coverage %v, want data=%v", c.name, *d.Coverage, c.hasData)
			}
			tasks = append(tasks, c.task)
			if c.hasData {
				withData++
			}
		})
	}
	// (1 + 0.95 + 0.5 + 1 + 0.7 + 0 + 0 + 0 + 0 + 0) / 10 = 0.415, 7 of 10 with data
	d := Cost(tasks, tg)
	if !near(d.Value, 41.5) || d.N != 10 {
		t.Errorf("Cost = %+v, want 41.5 over 10", d)
	}
	if d.Coverage == nil || *d.Coverage != 7.0/10 || withData != 7 {
		t.Errorf("coverage = %v, want 7/10", d.Coverage)
	}
	if d.Note != "3 tasks reported no usage" {
		t.Errorf("note = %q", d.Note)
	}
	if full := Cost(tasks[:1], tg); full.Note != "" || *full.Coverage != 1 {
		t.Errorf("full coverage: %+v", full)
	}
	if none := Cost([]record.TaskResult{{Status: record.StatusOK, Score: 1}}, tg); none.Value != 0 || none.Note != "1 task reported no usage" {
		t.Errorf("no usage at all must score 0, never a neutral value: %+v", none)
	}
}

func TestCostWithPrices(t *testing.T) {
	prices := pricing.Prices{Default: pricing.Price{PromptUSDPerMTok: 1, CompletionUSDPerMTok: 2},
		Models: map[string]pricing.Price{"big": {PromptUSDPerMTok: 10, CompletionUSDPerMTok: 20}}, SandboxUSDPerSecond: 0.001}
	tg := record.DefaultTargets()
	cases := []struct {
		name  string
		model string
		task  record.TaskResult
		want  float64
	}{
		// default row: 2000·1/1M + 1000·2/1M = $0.004 ≤ $0.01
		{"default price", "small", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 2000, CompletionTokens: 1000}}, 1},
		// model row: 2000·10/1M + 1000·20/1M = $0.04 = 4t → 0.3
		{"model price", "big", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 2000, CompletionTokens: 1000}}, 0.3},
		// reported cost wins over the table; sandbox at the table's $0.001/s: 0.005 + 10·0.001 = $0.015 → 0.75
		{"reported plus sandbox", "big", record.TaskResult{Status: record.StatusOK, Score: 1, Usage: &wire.Usage{PromptTokens: 1e6, CostUSD: f(0.005), SandboxSeconds: f(10)}}, 0.75},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := CostWith([]record.TaskResult{c.task}, tg, prices, c.model); !near(d.Value, 100*c.want) {
				t.Errorf("%s: CostWith = %v, want %v", c.name, d.Value, 100*c.want)
			}
		})
	}
}

func TestQualityWeighted(t *testing.T) {
	tasks := []record.TaskResult{
		{Category: "quality/code", Status: record.StatusOK, Score: 1}, // code mean 0.5
		{Category: "quality/code", Status: record.StatusOK, Score: 0},
		{Category: "quality/chat", Status: record.StatusOK, Score: 1}, // chat mean 1
		{Category: "tools", Status: record.StatusOK, Score: 0},        // tools mean 0
		{Category: "streaming", Status: record.StatusOK, Score: 1},    // not quality
	}
	cases := []struct {
		name    string
		weights map[string]float64
		want    float64
		n       int
	}{
		// no weights: plain mean over the four quality tasks, 2/4
		{"none", nil, 50, 4},
		// code 2, chat 1, tools 1: (2·0.5 + 1·1 + 1·0) / 4
		{"code doubled", map[string]float64{"quality/code": 2, "quality/chat": 1, "tools": 1}, 50, 4},
		// chat 3, code and tools unnamed weigh 1: (3·1 + 0.5 + 0) / 5
		{"chat tripled", map[string]float64{"quality/chat": 3}, 70, 4},
		// tools weighted 0 drops out: (0.5 + 1) / 2
		{"tools off", map[string]float64{"tools": 0}, 75, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := QualityWeighted(tasks, c.weights)
			if !near(d.Value, c.want) || d.N != c.n {
				t.Errorf("%s: QualityWeighted = %+v, want %v over %d", c.name, d, c.want, c.n)
			}
		})
	}
	got := QualityCategoryWeights(map[string]float64{"quality": 40, "speed": 20, "quality/code": 2, "tools": 3, "cost": 15})
	if len(got) != 2 || got["quality/code"] != 2 || got["tools"] != 3 {
		t.Errorf("QualityCategoryWeights = %v, want quality/code and tools only", got)
	}
}

func TestMultimodal(t *testing.T) {
	tasks := []record.TaskResult{
		{Category: "multimodal", Status: record.StatusOK, Score: 1},       // counted
		{Category: "multimodal/audio", Status: record.StatusOK, Score: 0}, // family counts too
		{Category: "quality/chat", Status: record.StatusOK, Score: 1},     // not multimodal
	}
	if d := Multimodal(tasks); !near(d.Value, 50) || d.N != 2 {
		t.Errorf("Multimodal = %+v, want 50 over 2", d)
	}
	d := Multimodal(tasks[2:])
	if d.Value != 0 || d.N != 0 || d.Note != "no multimodal tasks in this suite" {
		t.Errorf("no multimodal tasks: %+v", d)
	}
}

func TestComposite(t *testing.T) {
	s := record.Scores{
		record.Quality:    record.Score{Value: 80, N: 5},
		record.Speed:      record.Score{Value: 60, N: 8},
		record.Cost:       record.Score{Value: 40, N: 8},
		record.Streaming:  record.Score{Value: 50, N: 8},
		record.Multimodal: record.Score{Value: 0, N: 0},
	}
	cases := []struct {
		name string
		w    record.Weights
		want float64
		note string
	}{
		// (40·80 + 20·60 + 15·40 + 15·50 + 10·0) / 100; multimodal keeps its weight
		{"defaults", record.DefaultWeights(), 57.5, "multimodal"},
		// quality only
		{"quality only", record.Weights{record.Quality: 1}, 80, ""},
		// weights need not sum to 100: (50·80 + 50·60) / 100
		{"unnormalised", record.Weights{record.Quality: 5, record.Speed: 5}, 70, ""},
		// negative weights count as 0
		{"negative", record.Weights{record.Quality: 1, record.Speed: -1}, 80, ""},
		// nothing weighted
		{"zero", record.Weights{}, 0, "all weights are zero"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Composite(s, c.w)
			if !near(d.Value, c.want) || d.N != 8 || (c.note == "") != (d.Note == "") || !strings.Contains(d.Note, c.note) {
				t.Errorf("%s: Composite = %+v, want %v note %q", c.name, d, c.want, c.note)
			}
		})
	}
}

// randomTasks builds a varied run: every category, status, stream mode
// and usage shape, with awkward floats.
func randomTasks(r *rand.Rand, n int) []record.TaskResult {
	cats := []string{"quality/chat", "quality/code", "tools", "streaming", "multimodal", "cost"}
	statuses := []string{record.StatusOK, record.StatusOK, record.StatusOK, record.StatusError, record.StatusTimeout}
	out := make([]record.TaskResult, n)
	for i := range out {
		t := record.TaskResult{
			Category: cats[r.IntN(len(cats))],
			Status:   statuses[r.IntN(len(statuses))],
			Score:    r.Float64(),
			Stream:   r.IntN(4) != 0,
			Budgets:  trace.DefaultBudgets(),
		}
		t.Metrics.TTFTMs = f(r.Float64() * 9000)
		t.Metrics.E2EMs = f(*t.Metrics.TTFTMs + r.Float64()*9000)
		t.Metrics.MaxGapMs = f(r.Float64() * 5000)
		t.Metrics.OutputTokens = r.IntN(100)
		if r.IntN(3) != 0 {
			t.Metrics.OutputTPS = f(r.Float64() * 40)
		}
		for range r.IntN(20) {
			t.ITLs = append(t.ITLs, r.Float64()*100)
		}
		switch r.IntN(3) {
		case 0:
			t.Usage = &wire.Usage{PromptTokens: r.IntN(5000), CompletionTokens: r.IntN(5000)}
		case 1:
			t.Usage = &wire.Usage{CostUSD: f(r.Float64() / 30), SandboxSeconds: f(r.Float64() * 50)}
		}
		if r.IntN(5) == 0 {
			t.Violations = []trace.Violation{{Code: trace.ViolationCodes[r.IntN(len(trace.ViolationCodes))]}}
		}
		out[i] = t
	}
	return out
}

func dimBits(d record.Score) [3]uint64 {
	var cov uint64
	if d.Coverage != nil {
		cov = math.Float64bits(*d.Coverage)
	}
	return [3]uint64{math.Float64bits(d.Value), uint64(d.N), cov}
}

func TestScoreDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tasks := randomTasks(r, 300)
	w, tg := record.DefaultWeights(), record.DefaultTargets()
	want := Score(tasks, w, tg)
	wantJSON, _ := json.Marshal(want)
	for i := range 20 {
		shuffled := append([]record.TaskResult(nil), tasks...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got := Score(shuffled, w, tg)
		for _, p := range [][2]record.Score{{got[record.Composite], want[record.Composite]}, {got[record.Quality], want[record.Quality]}, {got[record.Speed], want[record.Speed]},
			{got[record.Cost], want[record.Cost]}, {got[record.Streaming], want[record.Streaming]}, {got[record.Multimodal], want[record.Multimodal]}} {
			if dimBits(p[0]) != dimBits(p[1]) || p[0].Note != p[1].Note {
				t.Fatalf("shuffle %d: %+v != %+v", i, p[0], p[1])
			}
		}
		if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(wantJSON) {
			t.Fatalf("shuffle %d: JSON differs:\n%s\n%s", i, gotJSON, wantJSON)
		}
	}
	for i, d := range []record.Score{want[record.Composite], want[record.Quality], want[record.Speed], want[record.Cost], want[record.Streaming], want[record.Multimodal]} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if d.Value < 0 || d.Value > 100 || math.IsNaN(d.Value) {
				t.Errorf("value out of range: %+v", d)
			}
		})
	}
	if want[record.Composite].N != len(tasks) {
		t.Errorf("composite N = %d, want %d", want[record.Composite].N, len(tasks))
	}
}

func TestParseWeights(t *testing.T) {
	cases := []struct {
		in      string
		want    record.Weights
		warn    string // substring of the warning; "" means none
		errPart string // substring of the error; "" means no error
	}{
		// empty means the defaults
		{"", record.DefaultWeights(), "", ""},
		// the defaults spelled out: no warning
		{"quality=40,speed=20,cost=15,streaming=15,multimodal=10", record.DefaultWeights(), "", ""},
		// spaces and case tolerated; unnamed dimensions weigh 0
		{" Quality = 50 , speed=50 ", record.Weights{record.Quality: 50, record.Speed: 50}, "", ""},
		// sum 2 scaled to 100 with a warning
		{"quality=1,speed=1", record.Weights{record.Quality: 50, record.Speed: 50}, "sum to 2, not 100", ""},
		// sum 80 scaled up
		{"quality=20,speed=20,cost=20,streaming=20", record.Weights{record.Quality: 25, record.Speed: 25, record.Cost: 25, record.Streaming: 25}, "multimodal=0", ""},
		// a trailing comma is harmless
		{"quality=100,", record.Weights{record.Quality: 100}, "", ""},
		// unknown key named
		{"quality=40,latency=20", record.Weights{}, "", `"latency"`},
		// negative rejected
		{"quality=-5,speed=105", record.Weights{}, "", "negative"},
		// not a number
		{"quality=abc", record.Weights{}, "", "not a number"},
		// NaN is not a weight
		{"quality=NaN", record.Weights{}, "", "not a number"},
		// missing '='
		{"quality", record.Weights{}, "", "name=value"},
		// repeated key
		{"quality=50,quality=50", record.Weights{}, "", "twice"},
		// nothing weighted
		{"quality=0", record.Weights{}, "", "all weights are zero"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			w, warn, err := ParseWeights(c.in)
			if c.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.errPart) {
					t.Errorf("ParseWeights(%q) err = %v, want containing %q", c.in, err, c.errPart)
				}
				return
			}
			if err != nil {
				t.Errorf("ParseWeights(%q): %v", c.in, err)
				return
			}
			if !sameWeights(w, c.want) {
				t.Errorf("ParseWeights(%q) = %+v, want %+v", c.in, w, c.want)
			}
			if (c.warn == "") != (warn == "") || !strings.Contains(warn, c.warn) {
				t.Errorf("ParseWeights(%q) warning %q, want containing %q", c.in, warn, c.warn)
			}
		})
	}
}

// sameWeights says whether a and b give every dimension the same weight
// (a dimension one of them lacks weighs 0).
func sameWeights(a, b record.Weights) bool {
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	for k := range b {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
