package container

import (
	"testing"

	"github.com/janus-bench/janus/baseline"
)

// TestSimPaceKeys: the pacing keys the checks send are the ones the
// baseline sim reads, so the baseline image paces itself as the checks
// assume.
func TestSimPaceKeys(t *testing.T) {
	for _, c := range []struct{ ours, sim string }{
		{metaPaceTTFTms, baseline.MetaPaceTTFTms},
		{metaPaceTokenMs, baseline.MetaPaceTokenMs},
	} {
		t.Run(c.sim, func(t *testing.T) {
			if c.ours != c.sim {
				t.Errorf("container sends %q, the sim reads %q", c.ours, c.sim)
			}
		})
	}
}
