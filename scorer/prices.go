package scorer

import (
	"fmt"
	"math"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
)

// TaskCost is what one task cost in US dollars under prices for model, and
// where the figure came from. A task scored with janus's own token counts
// (every report since they exist) is priced from them ("counted"): the
// prompt tokens janus sent and the output tokens it received, each raised
// to the usage's figure when that is higher (hidden reasoning, tool-call
// framing and a chat template are billed but not streamed), never lowered
// by it; usage.cost_usd is a cross-check (CostUnderReport), not the bill.
// Without usage the count alone prices the task. usage.sandbox_seconds
// adds at the sandbox price.
//
// A report older than the counts (no answer_tokens) is priced as it was
// then (taskCostLegacy): usage.cost_usd when reported, else the usage's
// tokens; ok is false without usable usage.
func TaskCost(t *record.TaskResult, prices pricing.Prices, model string) (usd float64, source string, ok bool) {
	if t.Metrics.AnswerTokens == nil {
		return taskCostLegacy(t, prices, model)
	}
	prompt, completion := CountedTokens(t)
	if us := t.Usage; us != nil {
		prompt, completion = max(prompt, us.PromptTokens), max(completion, us.CompletionTokens)
	}
	usd = priceTokens(prices.For(model), prompt, completion)
	if us := t.Usage; us != nil && us.SandboxSeconds != nil && *us.SandboxSeconds > 0 && !math.IsInf(*us.SandboxSeconds, 0) {
		usd += *us.SandboxSeconds * prices.SandboxUSDPerSecond
	}
	return usd, CostCounted, true
}

// CountedTokens are janus's own counts of a task's prompt and output
// tokens, summed over its turns.
func CountedTokens(t *record.TaskResult) (prompt, completion int) {
	prompt, completion = t.Metrics.PromptTokens, t.Metrics.OutputTokens
	for _, m := range t.TurnMetrics {
		prompt += m.PromptTokens
		completion += m.OutputTokens
	}
	return prompt, completion
}

// priceTokens is prompt and completion tokens at price p.
func priceTokens(p pricing.Price, prompt, completion int) float64 {
	return float64(prompt)*p.PromptUSDPerMTok/1e6 + float64(completion)*p.CompletionUSDPerMTok/1e6
}

// CostReportTolerance is how far below the price table's bill for janus's
// counts a reported usage.cost_usd may fall before it is an under-report:
// half. cost_usd no longer sets the cost (TaskCost), so the check only has
// to catch a bill that contradicts the declared prices, not rounding or a
// provider's tokenizer; a target billed at other prices declares them
// with --prices.
const CostReportTolerance = 0.5

// PromptTolerance is how many prompt tokens a usage.prompt_tokens may
// report under janus's count, and PromptToleranceShare the share of the
// count, whichever is larger: tokenizers differ, but a provider's chat
// template only adds tokens.
const (
	PromptTolerance      = 3
	PromptToleranceShare = 0.10
)

// CostUnderReport says why a task's usage under-reports what it cost, or
// "" when it does not: a turn's usage.completion_tokens below janus's
// count beyond the tokenizer tolerance (after the hidden-reasoning
// allowance; trace.UsageCheck), usage.prompt_tokens below janus's prompt
// count beyond PromptTolerance, or, when the table is the target's
// declared one (Prices.Declared), a usage.cost_usd below
// CostReportTolerance of the table's price of the counted tokens (or not
// a finite number ≥ 0). The cost dimension scores such a task 0: hiding
// the bill never beats paying it. Reports older than the counts are not
// judged.
func CostUnderReport(t *record.TaskResult, prices pricing.Prices, model string) string {
	if t.Metrics.AnswerTokens == nil {
		return ""
	}
	for i, m := range append([]trace.Metrics{t.Metrics}, t.TurnMetrics...) {
		if u := m.UsageCheck; u != nil && u.UnderReports() {
			return fmt.Sprintf("turn %d: usage.completion_tokens %d under-reports the %d tokens counted", i+1, u.Reported, u.Counted)
		}
	}
	us := t.Usage
	if us == nil {
		return ""
	}
	prompt, completion := CountedTokens(t)
	if tol := math.Max(PromptTolerance, PromptToleranceShare*float64(prompt)); float64(prompt-us.PromptTokens) > tol {
		return fmt.Sprintf("usage.prompt_tokens %d under-reports the %d prompt tokens counted", us.PromptTokens, prompt)
	}
	if c := us.CostUSD; c != nil && prices.Declared {
		want := priceTokens(prices.For(model), prompt, completion)
		if !(*c >= 0) || math.IsInf(*c, 0) || *c < (1-CostReportTolerance)*want {
			return fmt.Sprintf("usage.cost_usd %g is under half the price table's $%.6f for the counted tokens", *c, want)
		}
	}
	return ""
}

// taskCostLegacy is TaskCost for a report without janus's counts:
// usage.cost_usd when the target reported it ("reported"), else its tokens
// at the table's price ("priced"), plus usage.sandbox_seconds at the
// sandbox price either way. Without usable usage data the source is ""
// and ok is false: no usage object, a usage object with neither a cost nor
// any token, or a negative or non-finite figure.
func taskCostLegacy(t *record.TaskResult, prices pricing.Prices, model string) (usd float64, source string, ok bool) {
	us := t.Usage
	if us == nil {
		return 0, "", false
	}
	switch {
	case us.CostUSD != nil:
		usd, source = *us.CostUSD, CostReported
		if !(usd >= 0) || math.IsInf(usd, 0) {
			return 0, "", false
		}
	case us.PromptTokens > 0 || us.CompletionTokens > 0:
		if us.PromptTokens < 0 || us.CompletionTokens < 0 {
			return 0, "", false
		}
		usd = priceTokens(prices.For(model), us.PromptTokens, us.CompletionTokens)
		source = CostPriced
	default:
		return 0, "", false
	}
	if us.SandboxSeconds != nil {
		s := *us.SandboxSeconds
		if !(s >= 0) || math.IsInf(s, 0) {
			return 0, "", false
		}
		usd += s * prices.SandboxUSDPerSecond
	}
	return usd, source, true
}

// Where a task's cost figure came from (TaskCost).
const (
	CostReported = "reported"
	CostPriced   = "priced"
	// CostCounted is janus's own token counts at the price table.
	CostCounted = "counted"
)
