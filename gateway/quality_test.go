package gateway

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
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
		d.Composite.Value, g.Composite.Value, d.Quality.Value, g.Quality.Value, d.Streaming.Value, g.Streaming.Value)
	for _, dim := range []struct {
		name string
		d, g float64
		dn   int
		gn   int
	}{
		{"quality", d.Quality.Value, g.Quality.Value, d.Quality.N, g.Quality.N},
		{"cost", d.Cost.Value, g.Cost.Value, d.Cost.N, g.Cost.N},
		{"multimodal", d.Multimodal.Value, g.Multimodal.Value, d.Multimodal.N, g.Multimodal.N},
	} {
		t.Run(dim.name, func(t *testing.T) {
			if dim.d != dim.g || dim.dn != dim.gn {
				t.Errorf("%s: direct %.2f (n=%d), via gateway %.2f (n=%d)", dim.name, dim.d, dim.dn, dim.g, dim.gn)
			}
		})
	}
	if d.Quality.Value != 100 {
		t.Errorf("direct quality %.1f: the reference should be perfect", d.Quality.Value)
	}
	// Speed and streaming are timings; under the race detector they may
	// move a little, never by more than this.
	if math.Abs(d.Composite.Value-g.Composite.Value) > 2 {
		t.Errorf("composite direct %.2f, via gateway %.2f", d.Composite.Value, g.Composite.Value)
	}
}
