package scorer

import (
	"strings"
	"testing"

	"github.com/janus-bench/janus/pricing"
)

// TestComputePrices: the compute prices of a container run parse, default
// to 0 (compute not billed), reject bad values, and price CPU-seconds and
// GB-seconds.
func TestComputePrices(t *testing.T) {
	cases := []struct {
		name     string
		yaml     string
		cpu, gb  float64
		err      string
		cost     float64 // of 10 CPU-seconds and 100 GB-seconds
		costJSON bool
	}{
		// Left out: not billed.
		{"defaults", "", 0, 0, "", 0, false},
		// Both set.
		{"both", "cpu_usd_per_second: 0.01\ngb_usd_per_second: 0.001\n", 0.01, 0.001, "", 0.2, false},
		// Only CPU.
		{"cpu only", "cpu_usd_per_second: 0.5\n", 0.5, 0, "", 5, false},
		// A negative price is refused, named.
		{"negative", "gb_usd_per_second: -1\n", 0, 0, "gb_usd_per_second", 0, false},
		// JSON works the same.
		{"json", `{"cpu_usd_per_second": 0.01, "gb_usd_per_second": 0.001}`, 0.01, 0.001, "", 0.2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := pricing.ParsePrices([]byte(tc.yaml), tc.costJSON)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.CPUUSDPerSecond != tc.cpu || p.GBUSDPerSecond != tc.gb {
				t.Fatalf("cpu %v gb %v, want %v %v", p.CPUUSDPerSecond, p.GBUSDPerSecond, tc.cpu, tc.gb)
			}
			if got := p.ComputeCost(10, 100); got < tc.cost-1e-12 || got > tc.cost+1e-12 {
				t.Fatalf("ComputeCost(10, 100) = %v, want %v", got, tc.cost)
			}
		})
	}
}
