package load

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/scorer"
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
	LagNs  int64             `json:"lag_ns"`
	Trace  *trace.Trace      `json:"trace"`
	Result scorer.TaskResult `json:"result"`

	task *suites.Task
}

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
	bufSize     int
	inflight    atomic.Int64
	peak        atomic.Int64
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

// WithLive updates live metrics (for --prometheus) as requests finish.
func WithLive(l *Live) Option { return func(e *Engine) { e.live = l } }

// New returns an engine sending through client.
func New(client *trace.Client, opts ...Option) *Engine {
	e := &Engine{client: client, budgets: trace.DefaultBudgets(), maxInflight: 10_000, bufSize: 1024}
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
	start := time.Now()
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
				r.Result = bench.Score(r.task, r.Trace, e.budgets)
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
			e.open(ctx, idx, s, start, end, w, sent)
		} else {
			e.closed(ctx, idx, s, start, end, w, sent)
		}
	}()
	return out
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

// open sends on the pacer's schedule whatever the responses do: an
// arrival goes to an idle worker, or to a new one when none is idle, so a
// slow response never delays the next send (only the in-flight bound can,
// and that shows as lag). Workers are reused rather than started per
// arrival: a fresh goroutine pays for growing its stack on every request.
func (e *Engine) open(ctx context.Context, idx int, s Step, start time.Time, end time.Duration, w *Workload, out chan<- Record) {
	p := s.pacer(e.seed + uint64(idx))
	sem := make(chan struct{}, e.maxInflight)
	type job struct {
		n   uint64
		off time.Duration
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(jobs)
	worker := func(j job) {
		defer wg.Done()
		for ok := true; ok; j, ok = <-jobs {
			r := e.hit(ctx, idx, j.n, start, j.off, w)
			<-sem
			out <- r
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for n := uint64(0); ; n++ {
		if e.maxRequests > 0 && n >= uint64(e.maxRequests) {
			return
		}
		off := p.Pace(n)
		if off >= end {
			return
		}
		if wait := time.Until(start.Add(off)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case jobs <- job{n, off}:
		default:
			wg.Add(1)
			go worker(job{n, off})
		}
	}
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
	if e.live != nil {
		e.live.inflight.Add(-1)
	}
	tr.TaskID = task.ID
	return Record{Step: idx, Seq: n, Warmup: off < e.warmup, IntendedNs: int64(off),
		LagNs: int64(tr.Start.Sub(start.Add(off))), Trace: tr, task: task}
}
