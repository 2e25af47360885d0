package gateway

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// benchAnswer is what the reference competitor streams for the benchmark
// prompt: one token per event.
const benchAnswer = "The gateway relays every event as soon as it arrives, adds a keep-alive when the " +
	"competitor is silent, and never buffers a stream, so the client sees what the competitor sent, " +
	"when it sent it, with as little added delay as the machine allows."

// benchPrompt is the prompt the benchmark sends.
var benchPrompt = []openai.ChatCompletionMessage{{Role: "user", Content: "Describe the gateway in one sentence."}}

// phase is one measured load: n streams by c workers against one target.
type phase struct {
	ttfts   []float64 // ms
	streams int
	errors  int
	wall    time.Duration
	cpu     time.Duration // user+system CPU of the whole process
	peakMem uint64        // peak heap objects + goroutine stacks above the idle level
}

func (p *phase) add(q phase) {
	p.ttfts = append(p.ttfts, q.ttfts...)
	p.streams += q.streams
	p.errors += q.errors
	p.wall += q.wall
	p.cpu += q.cpu
	p.peakMem = max(p.peakMem, q.peakMem)
}

func (p *phase) pct(q float64) float64 {
	if len(p.ttfts) == 0 {
		return 0
	}
	s := slices.Clone(p.ttfts)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func (p *phase) throughput() float64 { return float64(p.streams) / p.wall.Seconds() }

func (p *phase) cpuPerStream() time.Duration { return p.cpu / time.Duration(max(p.streams, 1)) }

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// liveMemory is the heap in use by objects plus goroutine stacks.
func liveMemory() uint64 {
	s := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// runPhase streams n answers from base with c concurrent clients.
func runPhase(base string, client *http.Client, c, n int) phase {
	tc := &trace.Client{BaseURL: base, HTTP: client, Timeout: 2 * time.Minute, TTFTTimeout: time.Minute}
	req := wire.ChatRequest{Model: "m", Stream: true, Messages: benchPrompt,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true}}
	runtime.GC()
	idle := liveMemory()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if m := liveMemory(); m > idle && m-idle > peak.Load() {
					peak.Store(m - idle)
				}
			}
		}
	})
	var next atomic.Int64
	var mu sync.Mutex
	p := phase{}
	cpu0, t0 := cpuTime(), time.Now()
	var wg sync.WaitGroup
	for range min(c, n) {
		wg.Go(func() {
			var local []float64
			errs := 0
			for next.Add(1) <= int64(n) {
				tr := tc.Do(context.Background(), req, nil)
				m := trace.ComputeMetrics(tr)
				if tr.Err != nil || m.TTFTMs == nil {
					errs++
					continue
				}
				local = append(local, *m.TTFTMs)
			}
			mu.Lock()
			p.ttfts = append(p.ttfts, local...)
			p.errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	p.wall, p.cpu = time.Since(t0), cpuTime()-cpu0
	close(stop)
	sampler.Wait()
	p.streams = n - p.errors
	p.peakMem = peak.Load()
	return p
}

// BenchmarkGatewayOverhead measures what the gateway adds to a stream: the
// same workload runs directly against the reference competitor and
// through the gateway in front of it, alternating, at 1, 100 and 1,000
// concurrent streams, in one process on loopback. It reports the added
// TTFT (p50, p99), the throughput ratio, the CPU per stream (getrusage of
// the whole process: client, gateway and competitor) and the gateway's
// memory per concurrent stream. Each op is one round of `streams` streams
// per path; run it with -benchtime 1x (docs/PERFORMANCE.md).
func BenchmarkGatewayOverhead(b *testing.B) {
	suite := &suites.Suite{Name: "gateway-bench", Version: "1", Tasks: []suites.Task{{ID: "bench", Messages: benchPrompt,
		Reference: suites.Reference{Content: benchAnswer}}}}
	workloads := []struct {
		name string
		pace baseline.Pace
		// streams per concurrency level and path in one op
		streams map[int]int
	}{
		// As fast as the machine goes: CPU-bound from c=100 on, so that the
		// gateway's cost shows as lost throughput and CPU per stream.
		{"unpaced", baseline.Unpaced(), map[int]int{1: 2000, 100: 5000, 1000: 5000}},
		// A model-like stream: the first token at once (so TTFT is all
		// overhead), then one every 20 ms, 50 tokens/s, for about a second.
		{"paced20ms", baseline.Pace{TTFT: -1, PerToken: 20 * time.Millisecond}, map[int]int{1: 30, 100: 1000, 1000: 5000}},
	}
	b.Logf("answer: %d tokens per stream; GOMAXPROCS %d", tokens.Count(benchAnswer), runtime.GOMAXPROCS(0))
	for _, wl := range workloads {
		base := startBaseline(b, baseline.Config{Pace: wl.pace, KeepAlive: -1, Suites: []*suites.Suite{suite}}) + "/v1"
		gw := startGateway(b, Options{Competitors: []string{"base=" + base + ",default"}})
		for _, c := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/c=%d", wl.name, c), func(b *testing.B) {
				n := wl.streams[c]
				directClient := &http.Client{Transport: trace.NewTransport(c)}
				gwClient := &http.Client{Transport: trace.NewTransport(c)}
				// Warm-up: open the connections and fill the pools on both
				// paths, so that neither pays for its first dials.
				runPhase(base, directClient, c, c)
				runPhase(gw.URL, gwClient, c, c)
				var d, g phase
				for i := 0; i < b.N; i++ {
					d.add(runPhase(base, directClient, c, n))
					g.add(runPhase(gw.URL, gwClient, c, n))
				}
				b.ReportMetric(d.pct(0.5), "direct_ttft_p50_ms")
				b.ReportMetric(g.pct(0.5), "gw_ttft_p50_ms")
				b.ReportMetric(g.pct(0.5)-d.pct(0.5), "added_ttft_p50_ms")
				b.ReportMetric(d.pct(0.99), "direct_ttft_p99_ms")
				b.ReportMetric(g.pct(0.99), "gw_ttft_p99_ms")
				b.ReportMetric(g.pct(0.99)-d.pct(0.99), "added_ttft_p99_ms")
				b.ReportMetric(d.throughput(), "direct_streams/s")
				b.ReportMetric(g.throughput(), "gw_streams/s")
				b.ReportMetric(g.throughput()/d.throughput(), "throughput_ratio")
				b.ReportMetric(float64(d.cpuPerStream().Microseconds()), "direct_cpu_us/stream")
				b.ReportMetric(float64(g.cpuPerStream().Microseconds()), "gw_cpu_us/stream")
				b.ReportMetric(float64((g.cpuPerStream() - d.cpuPerStream()).Microseconds()), "added_cpu_us/stream")
				b.ReportMetric(float64(int64(g.peakMem)-int64(d.peakMem))/float64(c)/1024, "gw_added_KiB/stream")
				b.ReportMetric(float64(d.errors+g.errors), "errors")
				directClient.CloseIdleConnections()
				gwClient.CloseIdleConnections()
			})
		}
	}
}
