package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadHarnessProvenance: a report quotes only a selftest of this
// binary on this machine, with its pid and age; one saved by another build
// or machine, or without provenance, is "not measured".
func TestLoadHarnessProvenance(t *testing.T) {
	bin, mach := provenance()
	tests := []struct {
		name         string
		binary, mach string
		want         bool
	}{
		{"same binary and machine", bin, mach, true},
		{"another binary", "0123456789abcdef", mach, false},
		{"another machine", bin, "0123456789abcdef", false},
		{"no provenance (older file)", "", "", false},
	}
	if h := LoadHarness("", 1); h != nil {
		t.Errorf("no selftest file: quoted %+v, want none", h)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "selftest.json")
			r := SelftestResult{At: time.Now().Add(-90 * time.Minute).UTC(), Binary: tt.binary, Machine: tt.mach, PID: 4242,
				Levels: []SelftestLevel{{Concurrency: 1, TTFTErrP99Ms: 0.5, GapErrP99Ms: 0.25}}}
			b, _ := json.Marshal(r)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			h := LoadHarness(path, 1)
			if (h != nil) != tt.want {
				t.Fatalf("quoted %v, want %v", h != nil, tt.want)
			}
			if h == nil {
				return
			}
			if h.SelftestPID != 4242 || h.SelftestAgeS < 90*60 || !strings.Contains(h.Provenance(), "pid 4242") || !strings.Contains(h.Provenance(), "1h30m") {
				t.Errorf("pid %d, age %.0f s, provenance %q", h.SelftestPID, h.SelftestAgeS, h.Provenance())
			}
		})
	}
}
