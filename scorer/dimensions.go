package scorer

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// Default prices for targets that report tokens but no cost_usd. They are
// a cheap hosted model's list price, so a target that reports its own cost
// is judged on that figure and one that does not is judged on a fixed,
// published table rather than on nothing.
const (
	// DefaultPromptUSDPerMTok is the price of one million prompt tokens.
	DefaultPromptUSDPerMTok = 0.50
	// DefaultCompletionUSDPerMTok is the price of one million completion
	// tokens.
	DefaultCompletionUSDPerMTok = 1.50
	// SandboxUSDPerSecond prices usage.sandbox_seconds, so a target that
	// runs tools in a sandbox pays for that time like it pays for tokens.
	SandboxUSDPerSecond = 0.0001
)

// Targets are the values at which a task earns full marks on speed and
// cost. They are run options rather than constants because what counts as
// fast or cheap depends on the deployment being benchmarked; a report
// records the targets it was scored with.
type Targets struct {
	TTFTMs         float64 `json:"ttft_ms"`
	TPS            float64 `json:"tps"`
	E2EMs          float64 `json:"e2e_ms"`
	GapMs          float64 `json:"gap_ms"`
	CostPerTaskUSD float64 `json:"cost_per_task_usd"`
}

// DefaultTargets are the Janus competition's expectations: first token
// within 2 s, 10 tokens/s, a whole answer within 8 s, no silence over 2 s,
// and a cent per task.
func DefaultTargets() Targets {
	return Targets{TTFTMs: 2000, TPS: 10, E2EMs: 8000, GapMs: 2000, CostPerTaskUSD: 0.01}
}

// withDefaults replaces every non-positive (or non-finite) target by its
// default, so a half-filled Targets cannot divide by zero.
func (tg Targets) withDefaults() Targets {
	d := DefaultTargets()
	fix := func(v *float64, def float64) {
		if !(*v > 0) || math.IsInf(*v, 0) {
			*v = def
		}
	}
	fix(&tg.TTFTMs, d.TTFTMs)
	fix(&tg.TPS, d.TPS)
	fix(&tg.E2EMs, d.E2EMs)
	fix(&tg.GapMs, d.GapMs)
	fix(&tg.CostPerTaskUSD, d.CostPerTaskUSD)
	return tg
}

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

// meanSorted is the mean of xs summed in ascending order, so the result
// does not depend on the order tasks finished in. xs is not modified.
func meanSorted(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return sum / float64(len(s))
}

func dimension(perTask []float64) Dimension {
	return Dimension{Value: clamp01(meanSorted(perTask)) * 100, N: len(perTask)}
}

func failed(t TaskResult) bool { return t.Status != StatusOK }

// isQualityTask says which tasks Quality averages: the quality family and
// tool use, the tasks whose point is the answer itself.
func isQualityTask(t TaskResult) bool {
	return suites.Family(t.Category) == "quality" || t.Category == suites.CatTools
}

// Quality is the mean evaluator score over quality and tools tasks, ×100.
// Failed requests count with score 0: an answer that never arrived is a
// wrong answer. Streaming, cost and multimodal tasks are checked too, but
// their correctness is credited in their own dimensions.
func Quality(tasks []TaskResult) Dimension {
	var xs []float64
	for _, t := range tasks {
		if isQualityTask(t) {
			xs = append(xs, clamp01(t.Score))
		}
	}
	d := dimension(xs)
	if d.N == 0 {
		d.Note = "no quality or tools tasks in this suite"
	}
	return d
}

// speedTask scores one task's latency in [0, 1]: half TTFT, half decode
// rate, or the end-to-end time alone when the request produced no TTFT or
// decode rate (non-streamed, or a single token). A failed request scores 0,
// so erroring out fast never pays.
func speedTask(t TaskResult, tg Targets) float64 {
	if failed(t) {
		return 0
	}
	m := t.Metrics
	if m.TTFTMs != nil && m.OutputTPS != nil {
		return 0.5*piecewise(*m.TTFTMs, tg.TTFTMs) + 0.5*math.Min(1, math.Max(0, *m.OutputTPS)/tg.TPS)
	}
	if m.E2EMs != nil {
		return piecewise(*m.E2EMs, tg.E2EMs)
	}
	return 0
}

// Speed is the mean of speedTask over every task, ×100. Failed tasks stay
// in the mean at 0, so a target cannot raise its speed by failing the slow
// tasks.
func Speed(tasks []TaskResult, tg Targets) Dimension {
	tg = tg.withDefaults()
	xs := make([]float64, 0, len(tasks))
	for _, t := range tasks {
		xs = append(xs, speedTask(t, tg))
	}
	d := dimension(xs)
	if d.N == 0 {
		d.Note = "no tasks"
	}
	return d
}

// streamPenaltyCodes are the contract breaches that cost a streamed task
// 0.1 each: they break clients (a missing [DONE] hangs them, bad JSON
// crashes them) whatever the latency was. Budget overruns are not here:
// the TTFT and gap terms already price them.
var streamPenaltyCodes = []string{
	trace.VMissingDone, trace.VBadJSON, trace.VMidstream, trace.VContentType,
	trace.VDataAfterDone, trace.VMissingUsage, trace.VStreamAborted,
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
func continuity(t TaskResult) float64 {
	gaps := t.ITLs
	if gaps == nil {
		gaps = t.Metrics.ITLs
	}
	if len(gaps) < 2 {
		if t.Metrics.OutputTokens >= 4 {
			return 0
		}
		return 1
	}
	g := append([]float64(nil), gaps...)
	sort.Float64s(g)
	sum := 0.0
	for _, x := range g {
		sum += x
	}
	mean := sum / float64(len(g))
	if !(mean > 0) {
		return 0
	}
	ss := 0.0
	for _, x := range g {
		ss += (x - mean) * (x - mean)
	}
	cv := math.Sqrt(ss/float64(len(g))) / mean
	evenness := math.Max(0, 1-cv)
	e2e := t.Metrics.E2EMs
	if e2e == nil || !(*e2e > 0) {
		return 0
	}
	return clamp01(evenness * clamp01(sum/(*e2e)))
}

// streamTask scores one streamed task in [0, 1]: 0.4 TTFT against the
// task's TTFT budget, 0.4 largest gap against its gap budget, 0.2
// continuity, minus streamPenalty, floored at 0. A failed request, or one
// with no token or no event timing, scores 0 on the missing terms.
func streamTask(t TaskResult, tg Targets) float64 {
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
	var ttft, gap float64
	if t.Metrics.TTFTMs != nil {
		ttft = piecewise(*t.Metrics.TTFTMs, ttftBudget)
	}
	if t.Metrics.MaxGapMs != nil {
		gap = piecewise(*t.Metrics.MaxGapMs, gapBudget)
	}
	s := 0.4*ttft + 0.4*gap + 0.2*continuity(t) - streamPenalty(t.Violations)
	return clamp01(s)
}

// Streaming is the mean of streamTask over streamed tasks, ×100. A run
// with stream:false has no streamed tasks and scores 0 here, with a note:
// it did not show it can stream.
func Streaming(tasks []TaskResult, tg Targets) Dimension {
	tg = tg.withDefaults()
	var xs []float64
	for _, t := range tasks {
		if t.Stream {
			xs = append(xs, streamTask(t, tg))
		}
	}
	d := dimension(xs)
	if d.N == 0 {
		d.Note = "no streamed tasks"
	}
	return d
}

// taskCostUSD is what one task cost, and whether the target told us:
// usage.cost_usd when set, else the tokens at the default price table,
// plus sandbox seconds at SandboxUSDPerSecond. A usage object with no cost
// and zero tokens carries no cost information (every real request has
// prompt tokens), and negative figures are not believable; both count as
// no data.
func taskCostUSD(u *TaskResult) (float64, bool) {
	if u.Usage == nil {
		return 0, false
	}
	us := u.Usage
	var cost float64
	switch {
	case us.CostUSD != nil:
		cost = *us.CostUSD
		if !(cost >= 0) || math.IsInf(cost, 0) {
			return 0, false
		}
	case us.PromptTokens > 0 || us.CompletionTokens > 0:
		if us.PromptTokens < 0 || us.CompletionTokens < 0 {
			return 0, false
		}
		cost = float64(us.PromptTokens)*DefaultPromptUSDPerMTok/1e6 +
			float64(us.CompletionTokens)*DefaultCompletionUSDPerMTok/1e6
	default:
		return 0, false
	}
	if us.SandboxSeconds != nil {
		s := *us.SandboxSeconds
		if !(s >= 0) || math.IsInf(s, 0) {
			return 0, false
		}
		cost += s * SandboxUSDPerSecond
	}
	return cost, true
}

// Cost is the mean over every task of its cost scored piecewise against
// CostPerTaskUSD, ×100. A task without usable usage data scores 0 — a
// target that hides its cost must not win the cost dimension — and so
// does a failed task, which delivered nothing for its money. Coverage is
// the share of tasks that reported usable usage.
func Cost(tasks []TaskResult, tg Targets) Dimension {
	tg = tg.withDefaults()
	xs := make([]float64, 0, len(tasks))
	withUsage := 0
	for i := range tasks {
		c, ok := taskCostUSD(&tasks[i])
		if ok {
			withUsage++
		}
		if !ok || failed(tasks[i]) {
			xs = append(xs, 0)
			continue
		}
		xs = append(xs, piecewise(c, tg.CostPerTaskUSD))
	}
	d := dimension(xs)
	if d.N == 0 {
		d.Note = "no tasks"
		return d
	}
	cov := float64(withUsage) / float64(d.N)
	d.Coverage = &cov
	if missing := d.N - withUsage; missing > 0 {
		d.Note = fmt.Sprintf("%d tasks reported no usage", missing)
		if missing == 1 {
			d.Note = "1 task reported no usage"
		}
	}
	return d
}

// Multimodal is the mean evaluator score of multimodal tasks, ×100. A
// suite without them scores 0 with a note, never a neutral value.
func Multimodal(tasks []TaskResult) Dimension {
	var xs []float64
	for _, t := range tasks {
		if suites.Family(t.Category) == suites.CatMultimodal {
			xs = append(xs, clamp01(t.Score))
		}
	}
	d := dimension(xs)
	if d.N == 0 {
		d.Note = "no multimodal tasks in this suite"
	}
	return d
}

// Composite is Σ wᵢ·valueᵢ / Σ wᵢ over the five dimensions. A dimension
// with no tasks keeps its weight and contributes 0: dropping it would
// renormalise the others upward, so a suite without multimodal tasks would
// score a target as if it had aced them. Negative weights count as 0. N is
// the largest dimension N, which is the number of tasks (speed and cost
// count every task).
func Composite(s Scores, w Weights) Dimension {
	dims := []struct {
		name string
		d    Dimension
		w    float64
	}{
		{"quality", s.Quality, w.Quality},
		{"speed", s.Speed, w.Speed},
		{"cost", s.Cost, w.Cost},
		{"streaming", s.Streaming, w.Streaming},
		{"multimodal", s.Multimodal, w.Multimodal},
	}
	var num, den float64
	n := 0
	var empty []string
	for _, x := range dims {
		wt := x.w
		if !(wt > 0) || math.IsInf(wt, 0) {
			wt = 0
		}
		num += wt * x.d.Value
		den += wt
		n = max(n, x.d.N)
		if x.d.N == 0 && wt > 0 {
			empty = append(empty, x.name)
		}
	}
	out := Dimension{N: n}
	if den == 0 {
		out.Note = "all weights are zero"
		return out
	}
	out.Value = math.Min(100, math.Max(0, num/den))
	if len(empty) > 0 {
		out.Note = "no tasks for " + strings.Join(empty, ", ") + " (scored 0 at full weight)"
	}
	return out
}

// Score computes every dimension and the composite from a run's task
// results. It is pure: the same results in any order give bit-identical
// scores.
func Score(tasks []TaskResult, w Weights, tg Targets) Scores {
	s := Scores{
		Quality:    Quality(tasks),
		Speed:      Speed(tasks, tg),
		Cost:       Cost(tasks, tg),
		Streaming:  Streaming(tasks, tg),
		Multimodal: Multimodal(tasks),
	}
	s.Composite = Composite(s, w)
	s.Composite.N = len(tasks)
	return s
}

// ParseWeights reads composite weights written as
// "quality=50,speed=10,cost=15,streaming=15,multimodal=10". Dimensions not
// named weigh 0, so "quality=100" means quality only; an empty string
// means DefaultWeights. Weights that do not sum to 100 are scaled to 100
// and the returned warning says so, because a report's weights are read as
// percentages. Unknown or repeated keys, malformed numbers, negative
// weights and an all-zero set are errors.
func ParseWeights(s string) (Weights, string, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultWeights(), "", nil
	}
	var w Weights
	fields := map[string]*float64{
		"quality": &w.Quality, "speed": &w.Speed, "cost": &w.Cost,
		"streaming": &w.Streaming, "multimodal": &w.Multimodal,
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Weights{}, "", fmt.Errorf("weights: %q: want name=value", part)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		dst, known := fields[k]
		if !known {
			return Weights{}, "", fmt.Errorf("weights: unknown dimension %q (want quality, speed, cost, streaming, multimodal)", k)
		}
		if seen[k] {
			return Weights{}, "", fmt.Errorf("weights: %s given twice", k)
		}
		seen[k] = true
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Weights{}, "", fmt.Errorf("weights: %s=%q is not a number", k, strings.TrimSpace(v))
		}
		if f < 0 {
			return Weights{}, "", fmt.Errorf("weights: %s=%v is negative", k, f)
		}
		*dst = f
	}
	sum := w.Quality + w.Speed + w.Cost + w.Streaming + w.Multimodal
	if sum == 0 {
		return Weights{}, "", fmt.Errorf("weights: %q: all weights are zero", s)
	}
	if math.Abs(sum-100) <= 1e-9 {
		return w, "", nil
	}
	k := 100 / sum
	w = Weights{Quality: w.Quality * k, Speed: w.Speed * k, Cost: w.Cost * k,
		Streaming: w.Streaming * k, Multimodal: w.Multimodal * k}
	warn := fmt.Sprintf("weights sum to %s, not 100; scaled to quality=%s speed=%s cost=%s streaming=%s multimodal=%s",
		fmtNum(sum), fmtW(w.Quality), fmtW(w.Speed), fmtW(w.Cost), fmtW(w.Streaming), fmtW(w.Multimodal))
	return w, warn, nil
}

// fmtW shows a scaled weight to two decimals, enough to read a warning.
func fmtW(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
