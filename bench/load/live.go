package load

import (
	"bufio"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// ttftBuckets are the live TTFT histogram's upper bounds in seconds.
var ttftBuckets = [...]float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30}

// Live holds the run's metrics while it goes, for --prometheus. Every
// field is updated with atomics from the request goroutines.
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
	if res.Status != record.StatusOK {
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
	if scorer.Passed(*res) {
		l.passed.Add(1)
		inTTFT := m.TTFTMs != nil && *m.TTFTMs <= res.Budgets.TTFTMs
		inGap := !r.Trace.Stream || m.MaxGapMs == nil || *m.MaxGapMs <= res.Budgets.GapMs
		if inTTFT && inGap {
			l.good.Add(1)
		}
	}
}

// ServeHTTP writes the metrics in the Prometheus text exposition format.
func (l *Live) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	metric := func(name, typ, help string, v any) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	metric("janus_load_step", "gauge", "Index of the load step running.", l.step.Load())
	metric("janus_load_inflight", "gauge", "Requests in flight.", l.inflight.Load())
	metric("janus_load_requests_total", "counter", "Finished requests (warmup included).", l.requests.Load())
	metric("janus_load_errors_total", "counter", "Requests that failed (error or timeout).", l.errors.Load())
	metric("janus_load_violating_total", "counter", "Requests with at least one streaming-contract violation.", l.violate.Load())
	metric("janus_load_passed_total", "counter", "Correct answers.", l.passed.Load())
	metric("janus_load_good_total", "counter", "Correct answers within the TTFT and gap budgets (goodput).", l.good.Load())
	metric("janus_load_sched_lag_seconds_sum", "counter", "Sum of actual minus intended send times.", float64(l.lagNs.Load())/1e9)
	fmt.Fprintf(bw, "# HELP janus_load_ttft_seconds Time to first token.\n# TYPE janus_load_ttft_seconds histogram\n")
	var cum int64
	for i, le := range ttftBuckets {
		cum += l.ttftCnt[i].Load()
		fmt.Fprintf(bw, "janus_load_ttft_seconds_bucket{le=\"%g\"} %d\n", le, cum)
	}
	cum += l.ttftCnt[len(ttftBuckets)].Load()
	fmt.Fprintf(bw, "janus_load_ttft_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	fmt.Fprintf(bw, "janus_load_ttft_seconds_sum %g\njanus_load_ttft_seconds_count %d\n", float64(l.ttftSum.Load())/1e6, cum)
	_ = bw.Flush()
}
