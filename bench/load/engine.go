package load

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// Record is the one serialisable per-request record of a load run: the
// trace, its scored result, and when the request was meant to go out
// against when it did. It flows from the engine to every consumer.
type Record struct {
	Step int    `json:"step"`
	Seq  uint64 `json:"seq"`
	// Warmup records are sent (the target sees them) but not counted.
	Warmup bool `json:"warmup,omitempty"`
	// IntendedNs is the intended send time as an offset from the step's
	// start: the schedule's time (open loop) or when the worker became free
	// (closed loop).
	IntendedNs int64 `json:"intended_ns"`
	// LagNs is actual − intended send time: the harness's scheduling lag.
	// A queue in front of the sender shows here (coordinated omission made
	// visible), never as a missing request.
	LagNs  int64        `json:"lag_ns"`
	Trace  *trace.Trace `json:"trace"`
	Result Result       `json:"result"`

	task *suites.Task
}

// Result is a response's verdict as the load engine reads it: a
// record.TaskResult for a single-request task scored without detail (its
// JSON, the fields a load run's trace file always held), and OK and
// Passed, the scorer's judgement, set by the ScoreFunc, so that the engine
// applies no scoring rule of its own.
type Result struct {
	record.TaskResult

	// OK says the response was answered (the scorer's status "ok"): it
	// counts in throughput and its tokens in token throughput.
	OK bool `json:"-"`
	// Passed says the answer passed its task's checks: it counts in
	// goodput when it also kept the streaming budgets.
	Passed bool `json:"-"`
}

// ScoreFunc judges one response: metrics, contract violations against
// the task's budgets (defaults when the task sets none) and the task's
// checks. The application supplies it (the load engine links no
// evaluator); it is called from a few goroutines at once.
type ScoreFunc func(t *suites.Task, tr *trace.Trace, defaults trace.Budgets) Result

// Workload is what each request asks: the tasks (drawn round robin), the
// model and whether to stream.
type Workload struct {
	Tasks  []suites.Task
	Model  string
	Stream bool

	once   sync.Once
	reqs   []wire.ChatRequest
	bodies [][]byte
}

// prepare encodes each task's request once for all the sends.
func (w *Workload) prepare() {
	w.once.Do(func() {
		for i := range w.Tasks {
			r := w.Tasks[i].ChatRequest(w.Model, w.Stream)
			b, err := json.Marshal(r)
			if err != nil {
				b = nil // the client reports the encoding error per request
			}
			w.reqs, w.bodies = append(w.reqs, r), append(w.bodies, b)
		}
	})
}

// Engine sends the requests of one step after another. Build it with New.
type Engine struct {
	client      *trace.Client
	budgets     trace.Budgets
	maxInflight int
	warmup      time.Duration
	maxRequests int
	seed        uint64
	live        *Live
	score       ScoreFunc
	bufSize     int
	headroom    time.Duration
	onStart     func(idx int)
	inflight    atomic.Int64
	peak        atomic.Int64
	// latSum and latN add up the latency of answered requests (probes
	// included), the estimate an open-loop step's prestart is sized from.
	latSum, latN atomic.Int64
	warm         Prestart
}

// Prestart is what an open-loop step set up before its first arrival:
// workers started and connections dialled for the requests expected in
// flight at once.
type Prestart struct {
	// LatencyMs is the latency estimate the sizes came from: the mean of
	// the previous step's answered requests, or of a short probe.
	LatencyMs float64 `json:"latency_est_ms"`
	// Probes is the number of untimed requests sent to measure it (0 when
	// earlier steps had answers); they are not records and not counted.
	Probes  int `json:"probes,omitempty"`
	Workers int `json:"workers"`
	Conns   int `json:"conns_dialled"`
}

// Option configures an Engine.
type Option func(*Engine)

// WithBudgets sets the streaming contract every response is judged by.
func WithBudgets(b trace.Budgets) Option { return func(e *Engine) { e.budgets = b } }

// WithMaxInflight bounds the open-loop requests in flight at once
// (default 10,000). An arrival due while the bound is reached waits, and
// that wait shows as scheduling lag.
func WithMaxInflight(n int) Option { return func(e *Engine) { e.maxInflight = n } }

// WithWarmup sends (but does not count) requests for d at the start of
// each step.
func WithWarmup(d time.Duration) Option { return func(e *Engine) { e.warmup = d } }

// WithMaxRequests bounds the requests sent per step, warmup included
// (0: only the duration bounds it).
func WithMaxRequests(n int) Option { return func(e *Engine) { e.maxRequests = n } }

// WithSeed seeds the Poisson schedules (step i uses seed+i).
func WithSeed(s uint64) Option { return func(e *Engine) { e.seed = s } }

// WithPrestart sets the headroom an open-loop step is prepared for: at
// its start the engine starts workers and dials connections for
// rate × (latency + headroom) requests in flight (default 50 ms, about a
// CPU scheduler hiccup on a busy machine; at most 1,024, the in-flight
// bound and the step's request bound). Requests that queue behind a hiccup of up to the headroom then
// find a worker and a connection ready instead of paying for a dial and a
// fresh goroutine's stack growth, the extra cost that turned a hiccup
// into a lasting lag at high rates. Negative turns prestarting off.
func WithPrestart(headroom time.Duration) Option { return func(e *Engine) { e.headroom = headroom } }

// WithStepStarted calls f when a step's clock starts, after its prestart
// (the latency probe and the pre-dial can take seconds): a step's wall
// time, CPU share and progress count from there. f runs on the engine's
// goroutine before the step's first record is sent.
func WithStepStarted(f func(idx int)) Option { return func(e *Engine) { e.onStart = f } }

// WithScorer sets how each response is judged (default: answered means
// OK, and an answered response passes; no task check runs).
func WithScorer(f ScoreFunc) Option { return func(e *Engine) { e.score = f } }

// traceOnly is the default ScoreFunc: the trace's metrics and contract
// violations, and no task check.
func traceOnly(t *suites.Task, tr *trace.Trace, b trace.Budgets) Result {
	m := trace.ComputeMetrics(tr)
	res := Result{TaskResult: record.TaskResult{ID: t.ID, Category: t.Category, Stream: tr.Stream, Metrics: m, ITLs: m.ITLs,
		Violations: trace.Violations(tr, m, b), Error: tr.Err, Budgets: b, Status: "ok"}, OK: tr.Err == nil}
	if !res.OK {
		res.Status = "error"
	} else {
		res.Score, res.Passed = 1, true
	}
	return res
}

// WithLive updates live metrics (for --prometheus) as requests finish.
func WithLive(l *Live) Option { return func(e *Engine) { e.live = l } }

// New returns an engine sending through client.
func New(client *trace.Client, opts ...Option) *Engine {
	e := &Engine{client: client, budgets: trace.DefaultBudgets(), maxInflight: 10_000, bufSize: 1024, headroom: 50 * time.Millisecond,
		score: traceOnly}
	for _, o := range opts {
		o(e)
	}
	if e.maxInflight < 1 {
		e.maxInflight = 1
	}
	return e
}

// Run sends step number idx for warmup + d and returns the channel its
// records arrive on; the channel closes once every request of the step has
// finished. Cancelling ctx stops new requests and cancels those in flight
// (their records carry the cancelled error class).
func (e *Engine) Run(ctx context.Context, idx int, s Step, d time.Duration, w *Workload) <-chan Record {
	out := make(chan Record, e.bufSize)
	w.prepare()
	e.peak.Store(e.inflight.Load())
	e.warm = Prestart{}
	end := e.warmup + d
	if e.live != nil {
		e.live.step.Store(int64(idx))
	}
	// Streams hand their traces to a few scorer goroutines rather than
	// scoring in place: the evaluators' deep stacks then live in 4 per
	// core, not in one per stream, which keeps 5,000 streams' stacks
	// small. Four per core rather than one because some checks wait on a
	// child process (code) or the network (judge).
	sent := make(chan Record, e.bufSize)
	var scorers sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		scorers.Add(1)
		go func() {
			defer scorers.Done()
			for r := range sent {
				r.Result = e.score(r.task, r.Trace, e.budgets)
				if e.live != nil {
					e.live.observe(&r, e.budgets)
				}
				out <- r
			}
		}()
	}
	go func() {
		defer close(out)
		defer scorers.Wait()
		defer close(sent)
		if s.Open() {
			ol := e.newOpenLoop(ctx, idx, s, end, w, sent)
			e.started(idx)
			ol.start = time.Now()
			ol.run()
		} else {
			e.started(idx)
			e.closed(ctx, idx, s, time.Now(), end, w, sent)
		}
	}()
	return out
}

func (e *Engine) started(idx int) {
	if e.onStart != nil {
		e.onStart(idx)
	}
}

// closed keeps s.Concurrency requests in flight: each worker sends its
// next request as soon as its previous one is done, until the step ends.
func (e *Engine) closed(ctx context.Context, idx int, s Step, start time.Time, end time.Duration, w *Workload, out chan<- Record) {
	var seq atomic.Uint64
	var wg sync.WaitGroup
	for range s.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				off := time.Since(start)
				if off >= end {
					return
				}
				n := seq.Add(1) - 1
				if e.maxRequests > 0 && n >= uint64(e.maxRequests) {
					return
				}
				out <- e.hit(ctx, idx, n, start, off, w)
			}
		}()
	}
	wg.Wait()
}

// job is one open-loop arrival handed to a worker.
type job struct {
	n   uint64
	off time.Duration
}

// openLoop is one open-loop step: its schedule, its workers and the
// bound on requests in flight.
type openLoop struct {
	e     *Engine
	ctx   context.Context
	idx   int
	s     Step
	end   time.Duration
	w     *Workload
	out   chan<- Record
	sem   chan struct{}
	jobs  chan job
	wg    sync.WaitGroup
	start time.Time // set before the first job is sent; workers read it after
}

func (e *Engine) newOpenLoop(ctx context.Context, idx int, s Step, end time.Duration, w *Workload, out chan<- Record) *openLoop {
	ol := &openLoop{e: e, ctx: ctx, idx: idx, s: s, end: end, w: w, out: out,
		sem: make(chan struct{}, e.maxInflight), jobs: make(chan job)}
	if e.headroom >= 0 {
		n := e.prestart(ctx, s, w)
		for range n {
			ol.wg.Add(1)
			go ol.worker(nil)
		}
		e.warm.Workers = n
	}
	return ol
}

// worker sends first (if any) and then whatever jobs it is handed.
func (ol *openLoop) worker(first *job) {
	defer ol.wg.Done()
	if first == nil {
		// A prestarted worker grows its stack now, before the step's
		// clock runs, rather than on its first request.
		growStack()
	} else {
		ol.serve(*first)
	}
	for j := range ol.jobs {
		ol.serve(j)
	}
}

func (ol *openLoop) serve(j job) {
	r := ol.e.hit(ol.ctx, ol.idx, j.n, ol.start, j.off, ol.w)
	<-ol.sem
	ol.out <- r
}

// run sends on the pacer's schedule whatever the responses do: an
// arrival goes to an idle worker, or to a new one when none is idle, so a
// slow response never delays the next send (only the in-flight bound can,
// and that shows as lag). Workers are reused rather than started per
// arrival: a fresh goroutine pays for growing its stack on every request.
func (ol *openLoop) run() {
	e, ctx := ol.e, ol.ctx
	p := ol.s.pacer(e.seed + uint64(ol.idx))
	defer ol.wg.Wait()
	defer close(ol.jobs)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for n := uint64(0); ; n++ {
		if e.maxRequests > 0 && n >= uint64(e.maxRequests) {
			return
		}
		off := p.Pace(n)
		if off >= ol.end {
			return
		}
		if wait := time.Until(ol.start.Add(off)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case ol.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case ol.jobs <- job{n, off}:
		default:
			ol.wg.Add(1)
			go ol.worker(&job{n, off})
		}
	}
}

// Prestarted says what the last open-loop step set up before its first
// arrival (zero for a closed-loop step).
func (e *Engine) Prestarted() Prestart { return e.warm }

// maxPrestart bounds a step's prestarted workers and dialled
// connections: beyond some thousand the setup itself (dials, 16 KiB
// stacks) costs more than the later arrivals save, and a step that needs
// more still starts and dials them on demand.
const maxPrestart = 1024

// probeBudget bounds the time a step's latency probe may take: a slow
// target is then known to be at least that slow, which sizes the prestart
// as well as a full answer would.
const probeBudget = time.Second

// prestart estimates the step's requests in flight at once, rate ×
// (latency + headroom), dials connections for them and returns how many
// workers to start. The latency is the mean of the previous step's
// answered requests; when there are none (the first step), a probe of up
// to three requests (sent and discarded, not part of any schedule)
// measures it.
func (e *Engine) prestart(ctx context.Context, s Step, w *Workload) int {
	// The previous step's answers are the estimate (its load is the
	// nearest to this one's); each step starts a new sum.
	sum, cnt := e.latSum.Swap(0), e.latN.Swap(0)
	if cnt == 0 {
		pctx, cancel := context.WithTimeout(ctx, probeBudget)
		t0 := time.Now()
		for i := range 3 {
			k := i % len(w.Tasks)
			tr := e.client.DoEncoded(pctx, w.reqs[k], w.bodies[k], nil)
			e.warm.Probes++
			if tr.Err == nil && tr.EndNs > 0 {
				sum, cnt = sum+tr.EndNs, cnt+1
			}
			if pctx.Err() != nil || tr.Err != nil {
				break
			}
		}
		cancel()
		if cnt == 0 {
			// Nothing answered within the budget: the target is at
			// least that slow.
			sum, cnt = int64(time.Since(t0)), 1
		}
		if ctx.Err() != nil {
			return 0
		}
	}
	lat := time.Duration(sum / cnt)
	e.warm.LatencyMs = float64(lat) / 1e6
	want := math.Ceil(s.Rate * (lat + e.headroom).Seconds())
	n := int(min(want, float64(min(e.maxInflight, maxPrestart))))
	if e.maxRequests > 0 {
		n = min(n, e.maxRequests) // a short step needs no more
	}
	if pd, ok := e.transport().(predialer); ok && n > 0 {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		e.warm.Conns = pd.Predial(dctx, e.client.BaseURL, n)
		cancel()
	}
	return n
}

// predialer is a transport that can open connections ahead of requests.
type predialer interface {
	// Predial makes sure n connections to baseURL's host are open and
	// idle, dialling the missing ones; it returns how many it dialled.
	Predial(ctx context.Context, baseURL string, n int) int
}

func (e *Engine) transport() http.RoundTripper {
	if e.client.HTTP == nil {
		return nil
	}
	return e.client.HTTP.Transport
}

// growStack grows the calling goroutine's stack to at least 16 KiB, so a
// worker started ahead of a step has room for a request's call chain
// (the HTTP exchange, response parsing, the trace client) instead of
// growing its stack by copying on its first request, inside the step's
// clock (stack growth was a tenth of janus's CPU in a collapsing run).
//
//go:noinline
func growStack() byte {
	var pad [12 << 10]byte
	return pad[len(pad)-1] + pad[0]
}

// PeakInflight is the most requests in flight at once since the last Run
// started (warmup included).
func (e *Engine) PeakInflight() int { return int(e.peak.Load()) }

// hit sends one request and returns its record (scored later).
func (e *Engine) hit(ctx context.Context, idx int, n uint64, start time.Time, off time.Duration, w *Workload) Record {
	i := n % uint64(len(w.Tasks))
	task := &w.Tasks[i]
	if n := e.inflight.Add(1); n > e.peak.Load() {
		for p := e.peak.Load(); n > p && !e.peak.CompareAndSwap(p, n); p = e.peak.Load() {
		}
	}
	if e.live != nil {
		e.live.inflight.Add(1)
	}
	tr := e.client.DoEncoded(ctx, w.reqs[i], w.bodies[i], nil)
	e.inflight.Add(-1)
	if tr.Err == nil && tr.EndNs > 0 {
		e.latSum.Add(tr.EndNs)
		e.latN.Add(1)
	}
	if e.live != nil {
		e.live.inflight.Add(-1)
	}
	tr.TaskID = task.ID
	return Record{Step: idx, Seq: n, Warmup: off < e.warmup, IntendedNs: int64(off),
		LagNs: int64(tr.Start.Sub(start.Add(off))), Trace: tr, task: task}
}
