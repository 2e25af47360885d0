package load

import (
	"slices"
	"sync/atomic"

	"github.com/janus-bench/janus/bench/trace"
)

// ttftBuckets are the live TTFT histogram's upper bounds in seconds.
var ttftBuckets = [...]float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30}

// Live holds the run's metrics while it goes, for --prometheus (the
// application exposes them; the engine only counts). Every field is
// updated with atomics from the request goroutines.
type Live struct {
	step     atomic.Int64
	inflight atomic.Int64
	requests atomic.Int64
	errors   atomic.Int64
	passed   atomic.Int64
	good     atomic.Int64
	violate  atomic.Int64
	lagNs    atomic.Int64 // sum
	ttftCnt  [len(ttftBuckets) + 1]atomic.Int64
	ttftSum  atomic.Int64 // µs
}

// NewLive returns empty live metrics.
func NewLive() *Live { return &Live{} }

// LiveSnapshot is a copy of Live's counters at one moment, for a screen
// that redraws on a clock rather than on every request. The counters run
// over the whole run (warmup included, cancelled requests not), like the
// Prometheus ones; Since gives one step's share.
type LiveSnapshot struct {
	// Step is the index of the step running (or last run).
	Step int
	// Inflight is the number of requests in flight now.
	Inflight int64
	// Requests counts finished requests; Errors those that failed,
	// Violating those with a streaming-contract violation, Passed the
	// correct answers and Good the correct answers within the TTFT and gap
	// budgets (goodput's numerator).
	Requests, Errors, Violating, Passed, Good int64
	// TTFTCount and TTFTSumMs give the mean time to first token.
	TTFTCount int64
	TTFTSumMs float64
}

// Snapshot copies the counters; it is safe to call while requests finish.
// Each counter is read atomically, and they are read in the reverse of the
// order a finishing request bumps them (Requests first, Good last), so
// Good ≤ Passed ≤ Requests and Errors ≤ Requests hold in every snapshot.
func (l *Live) Snapshot() LiveSnapshot {
	s := LiveSnapshot{Step: int(l.step.Load()), Inflight: l.inflight.Load()}
	s.Good = l.good.Load()
	s.Passed = l.passed.Load()
	s.Violating = l.violate.Load()
	s.Errors = l.errors.Load()
	s.Requests = l.requests.Load()
	var n int64
	for i := range l.ttftCnt {
		n += l.ttftCnt[i].Load()
	}
	s.TTFTCount, s.TTFTSumMs = n, float64(l.ttftSum.Load())/1000
	return s
}

// Since is what happened after base (a snapshot taken earlier, such as
// at a step's start): the counters' differences, with the step and the
// requests in flight as they are now.
func (s LiveSnapshot) Since(base LiveSnapshot) LiveSnapshot {
	return LiveSnapshot{Step: s.Step, Inflight: s.Inflight, Requests: s.Requests - base.Requests, Errors: s.Errors - base.Errors,
		Violating: s.Violating - base.Violating, Passed: s.Passed - base.Passed, Good: s.Good - base.Good,
		TTFTCount: s.TTFTCount - base.TTFTCount, TTFTSumMs: s.TTFTSumMs - base.TTFTSumMs}
}

func (l *Live) observe(r *Record, b trace.Budgets) {
	if r.Trace.Err != nil && r.Trace.Err.Class == trace.ErrCancelled {
		return
	}
	l.requests.Add(1)
	l.lagNs.Add(r.LagNs)
	res := &r.Result
	if !res.OK {
		l.errors.Add(1)
	}
	if len(res.Violations) > 0 {
		l.violate.Add(1)
	}
	m := res.Metrics
	if m.TTFTMs != nil {
		sec := *m.TTFTMs / 1000
		i := 0
		for i < len(ttftBuckets) && sec > ttftBuckets[i] {
			i++
		}
		l.ttftCnt[i].Add(1)
		l.ttftSum.Add(int64(*m.TTFTMs * 1000))
	}
	if res.Passed {
		l.passed.Add(1)
		inTTFT := m.TTFTMs != nil && *m.TTFTMs <= res.Budgets.TTFTMs
		inGap := !r.Trace.Stream || m.MaxGapMs == nil || *m.MaxGapMs <= res.Budgets.GapMs
		if inTTFT && inGap {
			l.good.Add(1)
		}
	}
}

// LagSeconds is the sum over finished requests of actual minus intended
// send times, in seconds.
func (l *Live) LagSeconds() float64 { return float64(l.lagNs.Load()) / 1e9 }

// TTFTHistogram is the live time-to-first-token histogram: the buckets'
// upper bounds in seconds, the count at or below each (cumulative, as
// Prometheus exposes them), the count of all and their sum in seconds.
func (l *Live) TTFTHistogram() (bounds []float64, cumulative []uint64, count uint64, sumSeconds float64) {
	bounds, cumulative = slices.Clone(ttftBuckets[:]), make([]uint64, len(ttftBuckets))
	for i := range ttftBuckets {
		count += uint64(l.ttftCnt[i].Load())
		cumulative[i] = count
	}
	count += uint64(l.ttftCnt[len(ttftBuckets)].Load())
	return bounds, cumulative, count, float64(l.ttftSum.Load()) / 1e6
}
