package scorer

import (
	"math"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
)

func ip(n int) *int { return &n }

// answerMetrics is a turn's padding-proof metrics: first answer token,
// answer rate, answer tokens, e2e, and progress gaps.
func answerMetrics(ttft, tps float64, tokens int, e2e float64, gaps ...float64) trace.Metrics {
	m := trace.Metrics{TTFTAnswerMs: f(ttft), TTFTProgressMs: f(ttft), AnswerTokens: ip(tokens), E2EMs: f(e2e),
		OutputTokens: tokens, ProgressGaps: gaps}
	if tps > 0 {
		m.AnswerTPS = f(tps)
	}
	mx := 0.0
	for _, g := range gaps {
		mx = max(mx, g)
	}
	m.MaxProgressGapMs = f(mx)
	return m
}

// TestSpeedReadsTheAnswer: speed is scored on the first answer token and
// the answer's rate, every turn of a multi-turn task, and a single-token
// answer on its first token as well as its end.
func TestSpeedReadsTheAnswer(t *testing.T) {
	tg := record.DefaultTargets()
	cases := []struct {
		name string
		task record.TaskResult
		want float64
	}{
		// Fast honest turn: full marks.
		{"honest", record.TaskResult{Status: record.StatusOK, Stream: true, Metrics: answerMetrics(500, 20, 40, 2500)}, 1},
		// A reasoning dot at 10 ms (ttft_ms) does not count: the answer came at 6 s.
		{"fake first token", record.TaskResult{Status: record.StatusOK, Stream: true, Metrics: func() trace.Metrics {
			m := answerMetrics(6000, 20, 40, 8000)
			m.TTFTMs, m.OutputTPS = f(10), f(500)
			return m
		}()}, 0.5*piecewise(6000, 2000) + 0.5},
		// One token at 7.9 s: half its first token, half its end-to-end time.
		{"single token late", record.TaskResult{Status: record.StatusOK, Stream: true, Metrics: answerMetrics(7900, 0, 1, 7910)},
			0.5*piecewise(7900, 2000) + 0.5*piecewise(7910, 8000)},
		// Multi-turn: a fast first turn and a slow second one average.
		{"slow second turn", record.TaskResult{Status: record.StatusOK, Stream: true, Metrics: answerMetrics(500, 20, 10, 1000),
			TurnMetrics: []trace.Metrics{answerMetrics(10000, 20, 10, 10500)}}, (1 + 0.5*piecewise(10000, 2000) + 0.5) / 2},
		// Non-streamed: end-to-end time alone.
		{"json", record.TaskResult{Status: record.StatusOK, Metrics: trace.Metrics{AnswerTokens: ip(20), E2EMs: f(12000)}}, 0.75},
		// A failed task scores 0 however fast.
		{"failed", record.TaskResult{Status: record.StatusError, Stream: true, Metrics: answerMetrics(1, 100, 40, 2)}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := speedTask(c.task, tg); !near(got, c.want) {
				t.Errorf("speed = %v, want %v", got, c.want)
			}
		})
	}
}

// TestStreamingReadsProgress: the streaming score's gap is the largest
// silence between progress events, whatever keep-alives filled it, and
// every turn counts.
func TestStreamingReadsProgress(t *testing.T) {
	tg := record.DefaultTargets()
	even := make([]float64, 20)
	for i := range even {
		even[i] = 50
	}
	stalled := append(append([]float64{}, even[:10]...), 5000)
	stalled = append(stalled, even[:9]...)
	honest := record.TaskResult{Status: record.StatusOK, Stream: true, Budgets: trace.DefaultBudgets(), Metrics: answerMetrics(100, 20, 21, 1100, even...)}
	// The stall with pings: max_gap_ms (any event) is 200, progress says 5 s.
	pinged := record.TaskResult{Status: record.StatusOK, Stream: true, Budgets: trace.DefaultBudgets(), Metrics: answerMetrics(100, 20, 21, 6050, stalled...)}
	pinged.Metrics.MaxGapMs = f(200)
	twoTurns := honest
	twoTurns.TurnMetrics = []trace.Metrics{pinged.Metrics}
	cases := []struct {
		name      string
		task      record.TaskResult
		lo, hi    float64
		wantBelow *record.TaskResult
	}{
		{"honest", honest, 0.95, 1, nil},
		{"ping-padded stall", pinged, 0, 0.8, &honest},
		{"stall in the second turn", twoTurns, 0, 0.95, &honest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := streamTask(c.task, tg)
			if got < c.lo || got > c.hi {
				t.Errorf("streaming = %v, want in [%v, %v]", got, c.lo, c.hi)
			}
			if c.wantBelow != nil && !(got < streamTask(*c.wantBelow, tg)) {
				t.Errorf("streaming %v not below %v", got, streamTask(*c.wantBelow, tg))
			}
		})
	}
}

// costed is a correct task with janus's counts and usage u.
func costed(prompt, output int, u *wire.Usage) record.TaskResult {
	m := trace.Metrics{AnswerTokens: ip(output), OutputTokens: output, PromptTokens: prompt}
	if u != nil {
		n := u.CompletionTokens
		m.ReportedCompletionTokens = &n
		m.UsageCheck = &trace.UsageCheck{Counted: output, Reported: n, Tolerance: max(3, 0.1*float64(output))}
	}
	return record.TaskResult{Status: record.StatusOK, Score: 1, Metrics: m, Usage: u}
}

// TestCostFromCountedTokens: cost prices janus's counts; the endpoint's
// usage and cost_usd are a cross-check whose under-report scores 0.
func TestCostFromCountedTokens(t *testing.T) {
	pr := pricing.DefaultPrices()
	pr.Declared = true
	// 2M prompt + 1M completion tokens: $1 + $1.50 at the default table.
	const P, C = 2_000_000, 1_000_000
	honestUSD := 2.5
	cases := []struct {
		name      string
		task      record.TaskResult
		wantUSD   float64
		wantUnder bool
	}{
		{"honest", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: C, CostUSD: f(honestUSD)}), honestUSD, false},
		// cost_usd 0: the bill is still the counted tokens, and the lie is an under-report.
		{"zero cost", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: C, CostUSD: f(0)}), honestUSD, true},
		// completion_tokens 1: priced at the count, under-report.
		{"one completion token", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: 1}), honestUSD, true},
		// prompt_tokens 1: priced at the count, under-report.
		{"one prompt token", costed(P, C, &wire.Usage{PromptTokens: 1, CompletionTokens: C}), honestUSD, true},
		// No usage at all: priced from the count, not neutral, not free.
		{"no usage", costed(P, C, nil), honestUSD, false},
		// Hidden reasoning billed on top: the higher bill stands, no under-report.
		{"hidden reasoning", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: 2 * C, ReasoningTokens: C}), 1 + 3, false},
		// A negative or NaN cost is no cost at all: under-report.
		{"negative cost", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: C, CostUSD: f(-1)}), honestUSD, true},
		// NaN is no cost at all either.
		{"NaN cost", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: C, CostUSD: f(math.NaN())}), honestUSD, true},
		// Negative token counts cannot lower the bill.
		{"negative tokens", costed(P, C, &wire.Usage{PromptTokens: -P, CompletionTokens: -C}), honestUSD, true},
		// Negative sandbox seconds cannot lower the bill.
		{"negative sandbox", costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: C, SandboxSeconds: f(-1e9)}), honestUSD, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			usd, src, ok := TaskCost(&c.task, pr, "")
			if !ok || src != CostCounted || !near(usd, c.wantUSD) {
				t.Errorf("TaskCost = %v %q %v, want %v counted", usd, src, ok, c.wantUSD)
			}
			why := CostUnderReport(&c.task, pr, "")
			if (why != "") != c.wantUnder {
				t.Errorf("under-report %q, want %v", why, c.wantUnder)
			}
			score, _ := costTask(&c.task, record.Targets{CostPerTaskUSD: 100}, pr, "")
			if c.wantUnder && score != 0 {
				t.Errorf("an under-report scored %v on cost, want 0", score)
			}
			if !c.wantUnder && score != 1 {
				t.Errorf("cost score %v, want 1 at a $100 target", score)
			}
		})
	}
}

// TestCostNoteCountsUnderReports: the cost dimension says how many tasks
// under-reported and how many were priced without usage.
func TestCostNoteCountsUnderReports(t *testing.T) {
	tasks := []record.TaskResult{
		costed(100, 10, &wire.Usage{PromptTokens: 100, CompletionTokens: 1}),
		costed(100, 10, nil),
		costed(100, 10, &wire.Usage{PromptTokens: 100, CompletionTokens: 10}),
	}
	d := Cost(tasks, record.DefaultTargets())
	for _, want := range []string{"1 task(s) under-reported", "1 task(s) reported no usage"} {
		if !strings.Contains(d.Note, want) {
			t.Errorf("note %q lacks %q", d.Note, want)
		}
	}
	if !near(d.Value, 200.0/3) {
		t.Errorf("cost %v, want 66.7 (one of three scored 0)", d.Value)
	}
}

// TestCostUSDJudgedOnlyAgainstDeclaredPrices: on janus's default table (not
// the target's bill) a cheaper provider's honest cost_usd is no
// under-report, while under-reported tokens still are; on a declared
// table the same cost_usd is.
func TestCostUSDJudgedOnlyAgainstDeclaredPrices(t *testing.T) {
	const P, C = 2_000_000, 1_000_000
	cheap := costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: C, CostUSD: f(0.1)})
	fewTokens := costed(P, C, &wire.Usage{PromptTokens: P, CompletionTokens: 1, CostUSD: f(0.1)})
	declared := pricing.DefaultPrices()
	declared.Declared = true
	cases := []struct {
		name      string
		task      record.TaskResult
		prices    pricing.Prices
		wantUnder bool
	}{
		{"cheap provider, default table", cheap, pricing.DefaultPrices(), false},
		{"cheap provider, declared table", cheap, declared, true},
		{"hidden tokens, default table", fewTokens, pricing.DefaultPrices(), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if why := CostUnderReport(&c.task, c.prices, ""); (why != "") != c.wantUnder {
				t.Errorf("under-report %q, want %v", why, c.wantUnder)
			}
		})
	}
}
