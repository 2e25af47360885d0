package scorer

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// piecewise scores a lower-is-better value v against target t (the Janus
// PoC curve): 1 up to t, falling linearly to 0.5 at 2t, then 0.1 per
// further t down to 0 at 7t. It is continuous, so a millisecond either
// side of a boundary never swings a score.
func piecewise(v, t float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case v <= t:
		return 1
	case v <= 2*t:
		return 1 - 0.5*(v-t)/t
	default:
		return math.Max(0, 0.5-0.1*(v-2*t)/t)
	}
}

// speedTask scores one task's latency in [0, 1], the mean over its turns
// (a multi-turn task's follow-up turns are waited for too). A failed
// request scores 0, so erroring out fast never pays. A report older than
// the padding-proof metrics (no answer_tokens) is scored as it was then
// (speedLegacy).
func speedTask(t record.TaskResult, tg record.Targets) float64 {
	if failed(t) {
		return 0
	}
	if t.Metrics.AnswerTokens == nil {
		return speedLegacy(t.Metrics, tg)
	}
	sum := speedTurn(t.Metrics, tg)
	for _, m := range t.TurnMetrics {
		sum += speedTurn(m, tg)
	}
	return sum / float64(1+len(t.TurnMetrics))
}

// speedTurn scores one turn: half the first answer token (content or tool
// call; reasoning and padding do not count) against the TTFT target, half
// the answer's decode rate (content and tool-call tokens only). An answer
// too short to have a rate (one token, or one burst) is judged on its
// first token and its end-to-end time, half each, so a single token
// cannot hide a long wait; a non-streamed answer (or a stream without an
// answer token, which quality already scores 0) on end-to-end time alone.
func speedTurn(m trace.Metrics, tg record.Targets) float64 {
	switch {
	case m.TTFTAnswerMs != nil && m.AnswerTPS != nil:
		return 0.5*piecewise(*m.TTFTAnswerMs, tg.TTFTMs) + 0.5*math.Min(1, math.Max(0, *m.AnswerTPS)/tg.TPS)
	case m.TTFTAnswerMs != nil && m.E2EMs != nil:
		return 0.5*piecewise(*m.TTFTAnswerMs, tg.TTFTMs) + 0.5*piecewise(*m.E2EMs, tg.E2EMs)
	case m.E2EMs != nil:
		return piecewise(*m.E2EMs, tg.E2EMs)
	}
	return 0
}

// speedLegacy is speed as scored before the padding-proof metrics: half
// TTFT, half decode rate, or end-to-end time alone.
func speedLegacy(m trace.Metrics, tg record.Targets) float64 {
	if m.TTFTMs != nil && m.OutputTPS != nil {
		return 0.5*piecewise(*m.TTFTMs, tg.TTFTMs) + 0.5*math.Min(1, math.Max(0, *m.OutputTPS)/tg.TPS)
	}
	if m.E2EMs != nil {
		return piecewise(*m.E2EMs, tg.E2EMs)
	}
	return 0
}

// failed says whether the request behind t failed (error or timeout).
func failed(t record.TaskResult) bool { return t.Status != record.StatusOK }

// isQualityTask says which tasks Quality averages: the quality family and
// tool use, the tasks whose point is the answer itself.
func isQualityTask(t record.TaskResult) bool {
	return suites.Family(t.Category) == "quality" || t.Category == suites.CatTools
}

// isMultimodalTask says which tasks Multimodal averages.
func isMultimodalTask(t record.TaskResult) bool {
	return suites.Family(t.Category) == suites.CatMultimodal
}

// costTask scores one task's cost per unit of quality in [0, 1]: the
// task's cost (TaskCost) divided by its evaluator score, piecewise against
// the target cost per correct answer. A failed task, a wrong answer (score
// 0) and a task without usable usage data score 0: a cheap wrong answer
// is not cheap, and hiding the bill never beats paying it.
func costTask(t *record.TaskResult, tg record.Targets, prices pricing.Prices, model string) (score float64, covered bool) {
	return costTaskWith(t, tg, prices, model, 0)
}

// costTaskWith is costTask with extraUSD (the task's share of the run's
// compute cost) added to the task's own cost. covered says the task had
// its cost (always, once janus counts tokens); a task whose usage
// under-reports (CostUnderReport) scores 0.
func costTaskWith(t *record.TaskResult, tg record.Targets, prices pricing.Prices, model string, extraUSD float64) (score float64, covered bool) {
	usd, _, ok := TaskCost(t, prices, model)
	usd += extraUSD
	q := clamp01(t.Score)
	if !ok || failed(*t) || !(q > 0) {
		return 0, ok
	}
	if CostUnderReport(t, prices, model) != "" {
		return 0, true
	}
	return piecewise(usd/q, tg.CostPerTaskUSD), true
}

// streamPenaltyCodes are the contract breaches that cost a streamed task
// 0.1 each: they break clients (a missing [DONE] hangs them, bad JSON
// crashes them) whatever the latency was. Budget overruns are not here:
// the TTFT and gap terms already price them.
var streamPenaltyCodes = []string{
	trace.VMissingDone, trace.VBadJSON, trace.VMidstream, trace.VContentType,
	trace.VDataAfterDone, trace.VMissingUsage, trace.VStreamAborted,
	trace.VEventTooLarge, trace.VStreamTooLarge, trace.VBodyTooLarge,
}

// streamPenalty is 0.1 per distinct penalty code among vs.
func streamPenalty(vs []trace.Violation) float64 {
	seen := map[string]bool{}
	for _, v := range vs {
		seen[v.Code] = true
	}
	n := 0
	for _, c := range streamPenaltyCodes {
		if seen[c] {
			n++
		}
	}
	return 0.1 * float64(n)
}

// continuity says in [0, 1] how steadily tokens flowed:
//
//	evenness = max(0, 1 − CV) of the inter-token gaps (population σ / mean)
//	coverage = (sum of the gaps) / e2e, i.e. last token − first token over
//	           the whole wait from request sent to end
//	continuity = evenness × coverage
//
// Evenness alone would reward a buffering proxy, whose gaps are all ~0
// and so perfectly even; coverage catches it, because its tokens span a
// sliver of the wait. With fewer than two gaps there is no rhythm to
// measure: an answer of 4 or more tokens that came in one or two events
// arrived as a lump (0), a shorter one could not have streamed (1).
func continuity(t record.TaskResult) float64 { return continuityNoise(t, 0) }

// continuityNoise is continuity with the harness's timing error taken out
// of the gaps' spread (continuityFactorsNoise).
func continuityNoise(t record.TaskResult, noiseMs float64) float64 {
	evenness, coverage, ok := continuityFactorsNoise(t, noiseMs)
	if !ok {
		return evenness
	}
	return clamp01(evenness * coverage)
}

// continuityFactors are continuity's evenness and coverage. When the task
// has fewer than two gaps, or no positive mean gap or e2e, ok is false
// and evenness is continuity's whole verdict (0 or 1).
func continuityFactors(t record.TaskResult) (evenness, coverage float64, ok bool) {
	return continuityFactorsNoise(t, 0)
}

// noiseP99Sigmas is how many σ a normal error's 99th percentile of |e|
// lies out: the harness's gap error p99 / noiseP99Sigmas is taken as the
// σ its timing adds to every gap.
const noiseP99Sigmas = 2.576

// continuityFactorsNoise is continuityFactors with the variance the
// harness's own timing error adds to every gap, (noiseMs/2.576)², taken
// out of the gaps' variance before the CV: jitter no larger than the
// harness's measured error does not count against the target.
func continuityFactorsNoise(t record.TaskResult, noiseMs float64) (evenness, coverage float64, ok bool) {
	if t.Metrics.AnswerTokens != nil {
		return gapFactors(t.Metrics.ProgressGaps, *t.Metrics.AnswerTokens, t.Metrics.E2EMs, noiseMs)
	}
	gaps := t.ITLs
	if gaps == nil {
		gaps = t.Metrics.ITLs
	}
	return gapFactors(gaps, t.Metrics.OutputTokens, t.Metrics.E2EMs, noiseMs)
}

// gapFactors are continuity's evenness and coverage of one stream's gaps
// (progress gaps; inter-token gaps in a report older than them), with
// tokens the answer's size and e2e its end-to-end time.
func gapFactors(gaps []float64, tokens int, e2e *float64, noiseMs float64) (evenness, coverage float64, ok bool) {
	if len(gaps) < 2 {
		if tokens >= 4 {
			return 0, 0, false
		}
		return 1, 0, false
	}
	g := append([]float64(nil), gaps...)
	sort.Float64s(g)
	mean, variance := stat.PopMeanVariance(g, nil)
	if !(mean > 0) || e2e == nil || !(*e2e > 0) {
		return 0, 0, false
	}
	if noiseMs > 0 {
		sh := noiseMs / noiseP99Sigmas
		variance -= sh * sh
	}
	cv := math.Sqrt(math.Max(0, variance)) / mean
	return math.Max(0, 1-cv), clamp01(floats.Sum(g) / *e2e), true
}

// CoverageShare is the part of a turn's continuity that coverage earns
// on its own, whatever the evenness: continuity = coverage × (CoverageShare
// + (1 − CoverageShare) × evenness). Coverage is what tells a stream from
// a buffered burst (a burst spans a sliver of the wait), and it is robust:
// a span is read off two timestamps. Evenness is a spread of gaps that the
// harness's own scheduling noise inflates when the gaps are short, and as
// a plain factor it took coverage's credit away from an honest stream too,
// so the buffered profile scored within 0.2 points of the oracle
// (docs/SCORING.md "A burst is not a stream").
const CoverageShare = 0.5

// gapContinuity is a turn's continuity of progress gaps: coverage ×
// (CoverageShare + (1 − CoverageShare) × evenness). Reports older than the
// progress metrics keep §5's evenness × coverage (continuityNoise).
func gapContinuity(gaps []float64, tokens int, e2e *float64, noiseMs float64) float64 {
	evenness, coverage, ok := gapFactors(gaps, tokens, e2e, noiseMs)
	if !ok {
		return evenness
	}
	return clamp01(coverage * (CoverageShare + (1-CoverageShare)*evenness))
}

// streamTask scores one streamed task in [0, 1]: per turn, 0.4 time to
// the first progress event against the task's TTFT budget, 0.4 largest
// progress gap against its gap budget and 0.2 continuity of the progress
// gaps; the mean over turns, minus streamPenalty, floored at 0. Progress
// is answer text or reasoning of real text (docs/SCORING.md): keep-alive
// comments, empty deltas and a reasoning drip neither start a stream nor
// bridge a stall. A failed request, or one with no progress, scores 0 on
// the missing terms.
func streamTask(t record.TaskResult, tg record.Targets) float64 { return streamTaskNoise(t, tg, 0) }

// streamTaskNoise is streamTask with the harness's gap timing error
// (Options.TimingNoiseMs) taken out of continuity.
func streamTaskNoise(t record.TaskResult, tg record.Targets, noiseMs float64) float64 {
	if failed(t) {
		return 0
	}
	ttftBudget, gapBudget := t.Budgets.TTFTMs, t.Budgets.GapMs
	if !(ttftBudget > 0) {
		ttftBudget = tg.TTFTMs
	}
	if !(gapBudget > 0) {
		gapBudget = tg.GapMs
	}
	if t.Metrics.AnswerTokens == nil {
		return streamLegacy(t, ttftBudget, gapBudget, noiseMs)
	}
	sum := streamTurn(t.Metrics, ttftBudget, gapBudget, noiseMs)
	for _, m := range t.TurnMetrics {
		sum += streamTurn(m, ttftBudget, gapBudget, noiseMs)
	}
	return clamp01(sum/float64(1+len(t.TurnMetrics)) - streamPenalty(t.Violations))
}

// streamTurn is one turn's 0.4 TTFT + 0.4 gap + 0.2 continuity on its
// progress events.
func streamTurn(m trace.Metrics, ttftBudget, gapBudget, noiseMs float64) float64 {
	var ttft, gap float64
	if m.TTFTProgressMs != nil {
		ttft = piecewise(*m.TTFTProgressMs, ttftBudget)
	}
	if m.MaxProgressGapMs != nil {
		gap = piecewise(*m.MaxProgressGapMs, gapBudget)
	}
	tokens := 0
	if m.AnswerTokens != nil {
		tokens = *m.AnswerTokens
	}
	return 0.4*ttft + 0.4*gap + 0.2*gapContinuity(m.ProgressGaps, tokens, m.E2EMs, noiseMs)
}

// streamLegacy is the streaming score of a report older than the
// padding-proof metrics: TTFT and largest gap between any events.
func streamLegacy(t record.TaskResult, ttftBudget, gapBudget, noiseMs float64) float64 {
	var ttft, gap float64
	if t.Metrics.TTFTMs != nil {
		ttft = piecewise(*t.Metrics.TTFTMs, ttftBudget)
	}
	if t.Metrics.MaxGapMs != nil {
		gap = piecewise(*t.Metrics.MaxGapMs, gapBudget)
	}
	s := 0.4*ttft + 0.4*gap + 0.2*continuityNoise(t, noiseMs) - streamPenalty(t.Violations)
	return clamp01(s)
}

// ParseWeights reads composite weights written as
// "quality=50,speed=10,cost=15,streaming=15,multimodal=10" for the default
// dimensions (Dimensions.ParseWeights).
func ParseWeights(s string) (record.Weights, string, error) {
	return parseWeights(s, record.DefaultDimensions())
}

// ParseWeights reads composite weights of ds written as name=value pairs.
// Dimensions not named weigh 0, so "quality=100" means quality only; an
// empty string means record.DefaultWeights. Weights that do not sum to 100
// are scaled to 100 and the returned warning says so, because a report's
// weights are read as percentages. Unknown or repeated keys, malformed
// numbers, negative weights and an all-zero set are errors.
func (ds Dimensions) ParseWeights(s string) (record.Weights, string, error) {
	return parseWeights(s, ds.Names())
}

func parseWeights(s string, dims []record.Dimension) (record.Weights, string, error) {
	if strings.TrimSpace(s) == "" {
		return record.DefaultWeights(), "", nil
	}
	w := record.Weights{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, "", fmt.Errorf("weights: %q: want name=value", part)
		}
		d := record.Dimension(strings.ToLower(strings.TrimSpace(k)))
		if !slices.Contains(dims, d) {
			return nil, "", fmt.Errorf("weights: unknown dimension %q (want %s)", d, joinDims(dims, ", "))
		}
		if _, seen := w[d]; seen {
			return nil, "", fmt.Errorf("weights: %s given twice", d)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "", fmt.Errorf("weights: %s=%q is not a number", d, strings.TrimSpace(v))
		}
		if f < 0 {
			return nil, "", fmt.Errorf("weights: %s=%v is negative", d, f)
		}
		w[d] = f
	}
	sum := 0.0
	for _, d := range dims {
		sum += w[d]
	}
	if sum == 0 {
		return nil, "", fmt.Errorf("weights: %q: all weights are zero", s)
	}
	full := record.Weights{}
	for _, d := range dims {
		full[d] = w[d]
	}
	if math.Abs(sum-100) <= 1e-9 {
		return full, "", nil
	}
	k := 100 / sum
	shown := make([]string, len(dims))
	for i, d := range dims {
		full[d] *= k
		shown[i] = string(d) + "=" + fmtW(full[d])
	}
	warn := fmt.Sprintf("weights sum to %s, not 100; scaled to %s", fmtNum(sum), strings.Join(shown, " "))
	return full, warn, nil
}

// joinDims is dims' names joined by sep.
func joinDims(dims []record.Dimension, sep string) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = string(d)
	}
	return strings.Join(s, sep)
}

// fmtW shows a scaled weight to two decimals, enough to read a warning.
func fmtW(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
