package gateway

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

// TestBenchThroughGateway runs the smoke suite against the reference
// competitor directly and through the gateway: the gateway must not change
// what is scored.
func TestBenchThroughGateway(t *testing.T) {
	b := startBaseline(t, baseline.Config{Pace: baseline.Pace{TTFT: 5 * time.Millisecond, PerToken: time.Millisecond}})
	gw := startGateway(t, Options{Competitors: []string{"base=" + b + ",default"}})
	run := func(target, name string) bench.RunOptions {
		return bench.RunOptions{Target: target, Suite: "smoke@stored", Concurrency: 4, Out: filepath.Join(t.TempDir(), name+".json")}
	}
	direct, err := bench.Run(context.Background(), run(b+"/v1", "direct"))
	if err != nil {
		t.Fatalf("direct run: %v", err)
	}
	via, err := bench.Run(context.Background(), run(gw.URL, "gateway"))
	if err != nil {
		t.Fatalf("gateway run: %v", err)
	}
	d, g := direct.Scores, via.Scores
	t.Logf("composite direct %.2f via gateway %.2f; quality %.1f / %.1f; streaming %.1f / %.1f",
		d[record.Composite].Value, g[record.Composite].Value, d[record.Quality].Value, g[record.Quality].Value, d[record.Streaming].Value, g[record.Streaming].Value)
	for _, dim := range []struct {
		name string
		d, g float64
		dn   int
		gn   int
	}{
		{"quality", d[record.Quality].Value, g[record.Quality].Value, d[record.Quality].N, g[record.Quality].N},
		{"cost", d[record.Cost].Value, g[record.Cost].Value, d[record.Cost].N, g[record.Cost].N},
		{"multimodal", d[record.Multimodal].Value, g[record.Multimodal].Value, d[record.Multimodal].N, g[record.Multimodal].N},
	} {
		t.Run(dim.name, func(t *testing.T) {
			if dim.d != dim.g || dim.dn != dim.gn {
				t.Errorf("%s: direct %.2f (n=%d), via gateway %.2f (n=%d)", dim.name, dim.d, dim.dn, dim.g, dim.gn)
			}
		})
	}
	if d[record.Quality].Value != 100 {
		t.Errorf("direct quality %.1f: the reference should be perfect", d[record.Quality].Value)
	}
	// Speed and streaming are timings; under the race detector they may
	// move a little, never by more than this.
	if math.Abs(d[record.Composite].Value-g[record.Composite].Value) > 2 {
		t.Errorf("composite direct %.2f, via gateway %.2f", d[record.Composite].Value, g[record.Composite].Value)
	}
}
