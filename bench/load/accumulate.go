package load

import (
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// Latency is a streaming percentile summary in milliseconds. The CIs are
// distribution-free 95% intervals from the order statistics around the
// percentile's rank (binomial), read off the same histogram.
type Latency struct {
	N     int         `json:"n"`
	Mean  float64     `json:"mean"`
	P50   float64     `json:"p50"`
	P90   float64     `json:"p90"`
	P99   float64     `json:"p99"`
	Max   float64     `json:"max"`
	P50CI *[2]float64 `json:"p50_ci95,omitempty"`
	P99CI *[2]float64 `json:"p99_ci95,omitempty"`
}

// hist is an HDR histogram of microseconds: bounded memory whatever the
// run length, 3 significant digits from 1 µs to 1 h.
type hist struct{ h *hdr.Histogram }

func newHist() hist { return hist{h: hdr.New(1, int64(time.Hour/time.Microsecond), 3)} }

func (h hist) addMs(ms float64) {
	us := int64(math.Round(ms * 1000))
	us = min(max(us, 1), h.h.HighestTrackableValue())
	_ = h.h.RecordValue(us)
}

func (h hist) addNs(ns int64) { h.addMs(float64(ns) / 1e6) }

// atRank returns the value of the r-th smallest sample (1-based) in ms.
func (h hist) atRank(r, n int64) float64 {
	q := 100 * float64(r) / float64(n)
	return float64(h.h.ValueAtQuantile(min(q, 100))) / 1000
}

func (h hist) summary() Latency {
	n := h.h.TotalCount()
	if n == 0 {
		return Latency{}
	}
	l := Latency{N: int(n), Mean: h.h.Mean() / 1000, Max: float64(h.h.Max()) / 1000,
		P50: float64(h.h.ValueAtQuantile(50)) / 1000, P90: float64(h.h.ValueAtQuantile(90)) / 1000,
		P99: float64(h.h.ValueAtQuantile(99)) / 1000}
	ci := func(q float64) *[2]float64 {
		sd := 1.96 * math.Sqrt(float64(n)*q*(1-q))
		lo := int64(math.Floor(float64(n)*q - sd))
		hi := int64(math.Ceil(float64(n)*q+sd)) + 1
		lo, hi = max(lo, 1), min(hi, n)
		return &[2]float64{h.atRank(lo, n), h.atRank(hi, n)}
	}
	l.P50CI, l.P99CI = ci(0.5), ci(0.99)
	return l
}

// StepSummary is what one load step measured. Rates are per second over
// the step's measured window (first send to last finish); failed requests
// count against the TTFT budget as if their first token never came.
type StepSummary struct {
	Index int    `json:"index"`
	Step  Step   `json:"step"`
	Label string `json:"label"`
	// Requests counts every measured request (warmup and cancelled ones
	// excluded); OK those that got a full answer without error.
	Requests  int            `json:"requests"`
	OK        int            `json:"ok"`
	Errors    int            `json:"errors"`
	ErrorRate float64        `json:"error_rate"`
	ErrorsBy  map[string]int `json:"errors_by_class,omitempty"`
	// Violating counts requests with at least one contract violation.
	Violating     int            `json:"violating"`
	ViolationRate float64        `json:"violation_rate"`
	ViolationsBy  map[string]int `json:"violations_by_code,omitempty"`
	// Passed counts correct answers; Good those that were also within the
	// TTFT and gap budgets (goodput's numerator).
	Passed int `json:"passed"`
	Good   int `json:"good"`

	WindowS       float64 `json:"window_s"`
	SendRate      float64 `json:"send_rate"`
	Throughput    float64 `json:"throughput_rps"`
	Goodput       float64 `json:"goodput_rps"`
	OutputTokensS float64 `json:"output_tokens_per_s"`

	TTFT   Latency `json:"ttft_ms"`
	E2E    Latency `json:"e2e_ms"`
	MaxGap Latency `json:"max_gap_ms"`
	// Lag is actual − intended send time (scheduling lag).
	Lag Latency `json:"sched_lag_ms"`

	// TTFTWithinBudget is the share of requests whose first token came
	// within the budget; the step meets the TTFT budget when it is ≥ 0.99
	// (p99 TTFT within budget, failures counted as over).
	TTFTWithinBudget float64 `json:"ttft_within_budget"`
	MeetsBudgets     bool    `json:"meets_budgets"`
	// PeakInflight is the most requests that were in flight at once.
	PeakInflight int `json:"peak_inflight"`
	// Prestart is what an open-loop step set up before its first arrival
	// (workers, connections, and the latency estimate they were sized
	// from); nil for a closed-loop step.
	Prestart *Prestart `json:"prestart,omitempty"`
	// CPUShare is the janus process's CPU time over the step's wall time
	// and all cores (0–1); it includes an embedded target when there is one.
	CPUShare float64 `json:"cpu_share"`
	// Exact per-request values; only with --keep-traces.
	Exact []ExactValue `json:"exact,omitempty"`
}

// ExactValue is one request's figures, kept only with --keep-traces.
type ExactValue struct {
	TaskID   string   `json:"task_id"`
	Seq      uint64   `json:"seq"`
	TTFTMs   *float64 `json:"ttft_ms,omitempty"`
	E2EMs    *float64 `json:"e2e_ms,omitempty"`
	MaxGapMs *float64 `json:"max_gap_ms,omitempty"`
	LagMs    float64  `json:"lag_ms"`
	Score    float64  `json:"score"`
	Status   string   `json:"status"`
}

// StepAccumulator folds a step's records into its summary with memory
// that does not grow with the number of requests (unless keepExact).
type StepAccumulator struct {
	s                   StepSummary
	budgets             trace.Budgets
	keepExact           bool
	ttft, e2e, gap, lag hist
	within              int
	tokens              int
	first, last         time.Time
}

// NewStepAccumulator starts the summary of step idx judged against b.
func NewStepAccumulator(idx int, s Step, b trace.Budgets, keepExact bool) *StepAccumulator {
	return &StepAccumulator{s: StepSummary{Index: idx, Step: s, Label: s.Label(), ErrorsBy: map[string]int{}, ViolationsBy: map[string]int{}},
		budgets: b, keepExact: keepExact, ttft: newHist(), e2e: newHist(), gap: newHist(), lag: newHist()}
}

// Add folds one record in. Warmup and cancelled records are skipped.
func (a *StepAccumulator) Add(r *Record) {
	t, res := r.Trace, &r.Result
	if r.Warmup || (t.Err != nil && t.Err.Class == trace.ErrCancelled) {
		return
	}
	s := &a.s
	s.Requests++
	sent := t.Start
	end := t.Start.Add(time.Duration(max(t.EndNs, 0)))
	if a.first.IsZero() || sent.Before(a.first) {
		a.first = sent
	}
	if end.After(a.last) {
		a.last = end
	}
	a.lag.addNs(r.LagNs)
	if res.Status == record.StatusOK {
		s.OK++
	} else {
		s.Errors++
		cls := "unknown"
		if t.Err != nil {
			cls = string(t.Err.Class)
		}
		s.ErrorsBy[cls]++
	}
	if len(res.Violations) > 0 {
		s.Violating++
		for _, v := range res.Violations {
			s.ViolationsBy[v.Code]++
		}
	}
	m := res.Metrics
	b := res.Budgets
	inTTFT := m.TTFTMs != nil && *m.TTFTMs <= b.TTFTMs
	inGap := !t.Stream || m.MaxGapMs == nil || *m.MaxGapMs <= b.GapMs
	if m.TTFTMs != nil {
		a.ttft.addMs(*m.TTFTMs)
	}
	if inTTFT {
		a.within++
	}
	if m.E2EMs != nil && res.Status == record.StatusOK {
		a.e2e.addMs(*m.E2EMs)
	}
	if m.MaxGapMs != nil {
		a.gap.addMs(*m.MaxGapMs)
	}
	if res.Status == record.StatusOK {
		a.tokens += m.OutputTokens
	}
	if scorer.Passed(*res) {
		s.Passed++
		if inTTFT && inGap {
			s.Good++
		}
	}
	if a.keepExact {
		s.Exact = append(s.Exact, ExactValue{TaskID: t.TaskID, Seq: r.Seq, TTFTMs: m.TTFTMs, E2EMs: m.E2EMs,
			MaxGapMs: m.MaxGapMs, LagMs: float64(r.LagNs) / 1e6, Score: res.Score, Status: res.Status})
	}
}

// Close returns the step's summary.
func (a *StepAccumulator) Close() StepSummary {
	s := a.s
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
		s.ViolationRate = float64(s.Violating) / float64(s.Requests)
		s.TTFTWithinBudget = float64(a.within) / float64(s.Requests)
	}
	if w := a.last.Sub(a.first).Seconds(); w > 0 {
		s.WindowS = w
		s.SendRate = float64(s.Requests) / w
		s.Throughput = float64(s.OK) / w
		s.Goodput = float64(s.Good) / w
		s.OutputTokensS = float64(a.tokens) / w
	}
	s.TTFT, s.E2E, s.MaxGap, s.Lag = a.ttft.summary(), a.e2e.summary(), a.gap.summary(), a.lag.summary()
	s.MeetsBudgets = s.Requests > 0 && s.TTFTWithinBudget >= 0.99 && s.MaxGap.Max <= a.budgets.GapMs
	if len(s.ErrorsBy) == 0 {
		s.ErrorsBy = nil
	}
	if len(s.ViolationsBy) == 0 {
		s.ViolationsBy = nil
	}
	return s
}

// FindKnee returns the index of the highest step (by offered load) whose p99
// TTFT and max gap met the budgets: the target's capacity. -1 when none did.
func FindKnee(steps []StepSummary) int {
	k := -1
	for i, s := range steps {
		if s.MeetsBudgets && (k < 0 || s.Step.Load() >= steps[k].Step.Load()) {
			k = i
		}
	}
	return k
}
