package bench

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
)

// TestRunResources: a run given container figures (as `bench run --image`
// gives them) reports them, prices them at the table's compute prices,
// includes that cost in the cost dimension and says so; re-scoring with
// other prices re-prices them.
func TestRunResources(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.yaml")
	if err := os.WriteFile(prices, []byte("cpu_usd_per_second: 0.001\ngb_usd_per_second: 0.0001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: filepath.Join(dir, "plain.json"), Start: quickStart, PricesFile: prices})
	if err != nil {
		t.Fatal(err)
	}
	res := record.Resources{Image: "img:test", ImageID: "sha256:x", Container: "janus-x", CPUs: 4, MemoryLimit: 16 << 30,
		ReadyMs: 500, CPUSeconds: 100, GBSeconds: 1000, MemPeakBytes: 2e9, MemMeanBytes: 1e9, Samples: 10, SampledSeconds: 9}
	out := filepath.Join(dir, "image.json")
	var text bytes.Buffer
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Out: out, Start: quickStart, PricesFile: prices, Stdout: &text,
		Resources: func(context.Context) *record.Resources { r := res; return &r }})
	if err != nil {
		t.Fatal(err)
	}
	readValid(t, out)
	const want = 100*0.001 + 1000*0.0001 // 0.2 USD
	if rep.Resources == nil || math.Abs(rep.Resources.ComputeCostUSD-want) > 1e-12 || rep.Scoring.ComputeUSD != rep.Resources.ComputeCostUSD {
		t.Fatalf("compute cost: resources %+v, scoring %v; want %v", rep.Resources, rep.Scoring.ComputeUSD, want)
	}
	// $0.2 over 8 tasks is $0.025 a task, above the $0.01 target: cost drops.
	if !(rep.Scores[record.Cost].Value < plain.Scores[record.Cost].Value) || !strings.Contains(rep.Scores[record.Cost].Note, "compute cost") {
		t.Fatalf("cost %v (note %q) vs %v without compute", rep.Scores[record.Cost].Value, rep.Scores[record.Cost].Note, plain.Scores[record.Cost].Value)
	}
	// The text and Markdown reports show the container's figures.
	var md bytes.Buffer
	if err := report.Markdown(rep)(&md); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"text": text.String(), "markdown": md.String()} {
		t.Run(name, func(t *testing.T) {
			for _, want := range []string{"img:test", "ready in 500 ms", "100.00 CPU-seconds", "1000.000 GB-s", "compute cost $0.200000"} {
				if !strings.Contains(strings.ToLower(body), strings.ToLower(want)) {
					t.Errorf("%s report does not show %q", name, want)
				}
			}
		})
	}
	// Re-scoring at the default table (no compute price) drops the
	// compute cost again, without touching the input.
	free := pricing.DefaultPrices()
	re := Rescore(rep, RescoreOptions{Prices: &free})
	if re.Resources.ComputeCostUSD != 0 || re.Scores[record.Cost].Value != plain.Scores[record.Cost].Value || rep.Resources.ComputeCostUSD != want {
		t.Fatalf("rescore: compute %v cost %v (plain %v); input compute now %v", re.Resources.ComputeCostUSD,
			re.Scores[record.Cost].Value, plain.Scores[record.Cost].Value, rep.Resources.ComputeCostUSD)
	}
}
