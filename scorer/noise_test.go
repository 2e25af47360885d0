package scorer

import (
	"math/rand/v2"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
)

// TestContinuityTakesOutHarnessNoise checks issue 24's point 9: a target
// pacing tokens exactly every 20 ms, seen through a harness whose timing
// error has σ = 2 ms, scores full evenness once that error (p99 ≈ 2.576σ)
// is taken out, and less without; a target twice as uneven as the
// harness's error still loses evenness.
func TestContinuityTakesOutHarnessNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	task := func(sigma float64) record.TaskResult {
		gaps := make([]float64, 200)
		sum := 0.0
		for i := range gaps {
			gaps[i] = 20 + rng.NormFloat64()*sigma
			sum += gaps[i]
		}
		e2e := sum + 100
		return record.TaskResult{Stream: true, ITLs: gaps, Metrics: trace.Metrics{E2EMs: &e2e, OutputTokens: 201}}
	}
	const noiseP99 = 2 * noiseP99Sigmas * 1.1 // the selftest's p99, a little above 2.576σ
	jittered := task(2)
	if ev, _, _ := continuityFactorsNoise(jittered, noiseP99); ev != 1 {
		t.Errorf("harness jitter only, noise taken out: evenness %.3f, want 1", ev)
	}
	if ev, _, _ := continuityFactorsNoise(jittered, 0); ev >= 0.95 {
		t.Errorf("harness jitter only, noise kept: evenness %.3f, want < 0.95", ev)
	}
	uneven := task(6)
	if ev, _, _ := continuityFactorsNoise(uneven, noiseP99); ev >= 0.8 {
		t.Errorf("target jitter 3× the harness's: evenness %.3f, want < 0.8", ev)
	}
}
