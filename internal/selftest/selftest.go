// Package selftest measures the harness's own timing error and ceiling
// against the baseline sim, whose true send times are known: in this
// process, or in a process of its own (`janus bench selftest-sim`,
// ServeSim). It needs the sim, so it lives beside the engine (package
// bench), never in it; bench keeps the saved result's type and reads it
// into reports (bench.LoadHarness).
package selftest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// Options configure `janus bench selftest`.
type Options struct {
	// Levels are the concurrencies to measure (default 1, 100, 1000).
	Levels []int
	// Pace is the sim's known schedule (default TTFT 150ms, 50ms/token:
	// 20 tokens/s per stream, 20,000 events/s at concurrency 1,000, which
	// leaves the 2-core reference machine headroom; at 20ms/token the
	// harness and the in-process sim together saturate it, and the error
	// measured is then queueing, see docs/PERFORMANCE.md).
	Pace baseline.Pace
	// Tokens per answer (default 40).
	Tokens int
	// MinStreams is the least number of streams per level; a level with
	// lower concurrency runs rounds until it has this many (default 10).
	MinStreams int
	// Burst starts every stream of a round at the same instant, so that all
	// of them emit their tokens together (as a batching server does). The
	// default staggers starts evenly over one token interval, so frames
	// arrive spread out; a burst measures the harness's queueing under a
	// thundering herd as well as its timing.
	Burst bool
	// SimCommand, if set, runs the sim as that command in a process of its
	// own (`janus bench selftest-sim`, see ServeSelftestSim), so the error
	// measured is the harness's alone rather than the harness's plus an
	// in-process sim's garbage collection and scheduling; empty runs the
	// sim in this process.
	SimCommand []string
	// SaveTo is where the result is kept for reports to cite
	// (bench.SaveSelftest; the CLI passes internal/app.SelftestPath);
	// empty keeps it nowhere.
	SaveTo string
	Stdout io.Writer
	JSON   bool
}

// DefaultPace is the sim schedule the selftest measures against.
func DefaultPace() baseline.Pace {
	return baseline.Pace{TTFT: 150 * time.Millisecond, PerToken: 50 * time.Millisecond}
}

// OpenFiles is how many open files a selftest at levels needs: a socket
// at each end of every stream (the sim may run in this process), plus
// headroom for the process itself. The caller raises the process's limit
// to it (internal/app.RaiseFileLimit) before Run.
func OpenFiles(levels []int) uint64 {
	maxC := 0
	for _, c := range levels {
		maxC = max(maxC, c)
	}
	return uint64(2*maxC + 64)
}

// Run measures the harness's own timing error and ceiling against the
// sim target with known delays, in this process or (SimCommand) its own.
func Run(ctx context.Context, o Options) (*bench.SelftestResult, error) {
	if len(o.Levels) == 0 {
		o.Levels = []int{1, 100, 1000}
	}
	if o.Pace == (baseline.Pace{}) {
		o.Pace = DefaultPace()
	}
	if o.Tokens <= 0 {
		o.Tokens = 40
	}
	if o.MinStreams <= 0 {
		o.MinStreams = 10
	}
	for _, c := range o.Levels {
		if c <= 0 {
			return nil, &bench.InputError{Op: "selftest", Err: fmt.Errorf("concurrency %d: must be positive", c)}
		}
	}
	obs := newObserver()
	prompt, oracle := selftestOracle(o.Tokens)
	var url string
	var syncSim func(context.Context) error
	where := "in-process"
	if len(o.SimCommand) > 0 {
		p, err := startSimProcess(ctx, o.SimCommand, o.Pace, o.Tokens, obs)
		if err != nil {
			return nil, fmt.Errorf("selftest: %w", err)
		}
		defer p.close()
		url, syncSim = p.url, p.sync
		where = "process"
	} else {
		u, stop, err := reference.Start(ctx, baseline.Config{Pace: o.Pace, KeepAlive: -1, Observer: obs.record, Suites: []*suites.Suite{oracle}}, time.Second)
		if err != nil {
			return nil, fmt.Errorf("selftest: %w", err)
		}
		defer stop()
		url = u
	}
	res := &bench.SelftestResult{At: time.Now().UTC(), Burst: o.Burst, Sim: where, Pace: fmt.Sprintf("ttft=%s per_token=%s tokens=%d", o.Pace.TTFT, o.Pace.PerToken, o.Tokens),
		Host: record.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}}
	res.Binary, res.Machine = bench.Provenance()
	res.PID = os.Getpid()
	for _, c := range o.Levels {
		lvl, err := selftestLevel(ctx, url, c, o, prompt, obs, syncSim)
		if err != nil {
			return res, err
		}
		res.Levels = append(res.Levels, lvl)
	}
	if o.SaveTo != "" {
		if err := bench.SaveSelftest(o.SaveTo, res); err != nil {
			return res, err
		}
	}
	if o.Stdout != nil {
		if o.JSON {
			enc := json.NewEncoder(o.Stdout)
			enc.SetIndent("", "  ")
			return res, enc.Encode(res)
		}
		return res, WriteText(res)(o.Stdout)
	}
	return res, nil
}

// selftestLevel measures one concurrency. syncSim, when not nil, waits until
// an out-of-process sim's frames so far have all been read.
func selftestLevel(ctx context.Context, url string, c int, o Options, prompt string, obs *observer, syncSim func(context.Context) error) (bench.SelftestLevel, error) {
	client := &trace.Client{BaseURL: url, HTTP: &http.Client{Transport: trace.NewTransport(c)},
		Timeout: time.Minute, TTFTTimeout: 30 * time.Second}
	rounds := (o.MinStreams + c - 1) / c
	streams := rounds * c
	req := wire.ChatRequest{Model: "sim", Stream: true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages:      []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}}}
	selftestWarmUp(ctx, client, req, c)
	if syncSim != nil {
		if err := syncSim(ctx); err != nil {
			return bench.SelftestLevel{}, err
		}
	}
	obs.reset() // the warm-up's frames are not measured
	runtime.GC()

	start := time.Now()
	traces, err := selftestRounds(ctx, client, req, c, rounds, o)
	if err != nil {
		return bench.SelftestLevel{}, err
	}
	wall := time.Since(start)
	client.HTTP.CloseIdleConnections()
	if syncSim != nil {
		if err := syncSim(ctx); err != nil {
			return bench.SelftestLevel{}, err
		}
	}
	lvl := bench.SelftestLevel{Concurrency: c, Streams: streams, WallSeconds: wall.Seconds(), RSSPeakMB: rssPeakMB()}
	events := selftestErrors(&lvl, traces, obs, o.Pace.PerToken)
	lvl.ReqPerSec = float64(streams-lvl.Failed) / wall.Seconds()
	lvl.EventsPerSec = float64(events) / wall.Seconds()
	return lvl, nil
}

// selftestWarmUp warms up as load tools do: it opens the c connections
// (and the server's handlers) with unpaced requests, so the measured
// rounds time streams rather than a connection storm.
func selftestWarmUp(ctx context.Context, client *trace.Client, req wire.ChatRequest, c int) {
	warm := req
	warm.Metadata = map[string]any{"sim_pace_ttft_ms": 0, "sim_pace_token_ms": 0}
	var wwg sync.WaitGroup
	for i := 0; i < c; i++ {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			client.Do(ctx, warm, nil)
		}()
	}
	wwg.Wait()
}

// selftestRounds sends rounds rounds of c concurrent streams, staggered
// over one token interval unless o.Burst, and returns their traces.
func selftestRounds(ctx context.Context, client *trace.Client, req wire.ChatRequest, c, rounds int, o Options) ([]*trace.Trace, error) {
	traces := make([]*trace.Trace, 0, rounds*c)
	var mu sync.Mutex
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		for i := 0; i < c; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !o.Burst && c > 1 {
					time.Sleep(time.Duration(i) * o.Pace.PerToken / time.Duration(c))
				}
				t := client.Do(ctx, req, nil)
				mu.Lock()
				traces = append(traces, t)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return traces, nil
}

// selftestErrors compares every trace's token times with the times the
// sim sent them and sets lvl's error percentiles, its failures and the
// sim's own schedule lag; it returns the events received.
func selftestErrors(lvl *bench.SelftestLevel, traces []*trace.Trace, obs *observer, perToken time.Duration) int {
	var ttftErr, gapErr, lag []float64
	events := 0
	for _, t := range traces {
		frames := obs.take(t.RequestID)
		if t.Err != nil || frames == nil {
			lvl.Failed++
			continue
		}
		events += len(t.Events)
		cli, srv := tokenTimes(t, frames, obs.base)
		if len(cli) != len(srv) || len(cli) == 0 {
			lvl.Failed++
			continue
		}
		ttftErr = append(ttftErr, math.Abs(float64(cli[0]-srv[0]))/1e6)
		for i := 1; i < len(cli); i++ {
			gapErr = append(gapErr, math.Abs(float64((cli[i]-cli[i-1])-(srv[i]-srv[i-1])))/1e6)
		}
		// How late the sim itself was against its own schedule (not the
		// harness's error, but it bounds how "known" the delays were).
		first := srv[0]
		for i, at := range srv {
			want := first + int64(i)*int64(perToken)
			lag = append(lag, math.Abs(float64(at-want))/1e6)
		}
	}
	ts, gs, ls := report.Summarize(ttftErr), report.Summarize(gapErr), report.Summarize(lag)
	lvl.TTFTErrP50Ms, lvl.TTFTErrP99Ms, lvl.TTFTErrMaxMs = ts.P50, ts.P99, ts.Max
	lvl.GapErrP50Ms, lvl.GapErrP99Ms, lvl.GapErrMaxMs = gs.P50, gs.P99, gs.Max
	lvl.Gaps = gs.N
	lvl.SchedLagP99Ms = ls.P99
	return events
}

// tokenTimes is when the client dispatched each token event of t and when
// the sim sent each token frame, both on the monotonic clock as offsets
// from base.
func tokenTimes(t *trace.Trace, frames *frameList, base time.Time) (cli, srv []int64) {
	for _, e := range t.Events {
		if e.Kind.TokenBearing() {
			cli = append(cli, int64(t.Start.Add(time.Duration(e.AtNs)).Sub(base)))
		}
	}
	for _, f := range frames.frames {
		if f.kind == "content" || f.kind == "reasoning" || f.kind == "tool_call" {
			srv = append(srv, f.at)
		}
	}
	return cli, srv
}

type frame struct {
	kind string
	at   int64 // monotonic ns since observer.base
}

type frameList struct{ frames []frame }

// observer collects the sim's true send times per request id.
type observer struct {
	base time.Time
	mu   sync.Mutex
	req  map[string]*frameList
}

func newObserver() *observer { return &observer{base: time.Now(), req: map[string]*frameList{}} }

func (o *observer) record(id string, _ int, kind string, at time.Time) {
	o.mu.Lock()
	fl := o.req[id]
	if fl == nil {
		fl = &frameList{}
		o.req[id] = fl
	}
	fl.frames = append(fl.frames, frame{kind: kind, at: int64(at.Sub(o.base))})
	o.mu.Unlock()
}

// reset forgets every frame recorded so far.
func (o *observer) reset() {
	o.mu.Lock()
	clear(o.req)
	o.mu.Unlock()
}

func (o *observer) take(id string) *frameList {
	o.mu.Lock()
	defer o.mu.Unlock()
	fl := o.req[id]
	delete(o.req, id)
	return fl
}

// WriteText prints a selftest as a table.
func WriteText(r *bench.SelftestResult) func(io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		starts := "staggered over one token interval"
		if r.Burst {
			starts = "all at once (burst)"
		}
		where := "sim in its own process"
		if r.Sim != "process" {
			where = "sim in janus's process"
		}
		fmt.Fprintf(bw, "janus selftest %s  (%s/%s, %d cpus, %s)\nsim pace: %s; stream starts: %s; %s\n\n", r.At.Format(time.RFC3339), r.Host.OS, r.Host.Arch, r.Host.CPUs, r.Host.GoVersion, r.Pace, starts, where)
		fmt.Fprintf(bw, "%6s %7s %6s  %-22s  %-22s  %9s %10s %8s\n", "conc", "streams", "failed", "ttft err p50/p99 (ms)", "gap err p50/p99 (ms)", "req/s", "events/s", "rss MB")
		for _, l := range r.Levels {
			fmt.Fprintf(bw, "%6d %7d %6d  %9.3f / %-10.3f  %9.3f / %-10.3f  %9.1f %10.0f %8.1f\n", l.Concurrency, l.Streams, l.Failed,
				l.TTFTErrP50Ms, l.TTFTErrP99Ms, l.GapErrP50Ms, l.GapErrP99Ms, l.ReqPerSec, l.EventsPerSec, l.RSSPeakMB)
		}
		return bw.Flush()
	}
}

// rssPeakMB reads the process's peak resident set (VmHWM) on Linux.
func rssPeakMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
