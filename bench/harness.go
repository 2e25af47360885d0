package bench

import (
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/janus-bench/janus/record"
)

// SelftestLevel is the harness's measured error at one concurrency.
// Errors are |measured − true| where "true" is the time the sim's
// flush of that frame returned, on the same monotonic clock.
type SelftestLevel struct {
	Concurrency   int     `json:"concurrency"`
	Streams       int     `json:"streams"`
	Failed        int     `json:"failed"`
	TTFTErrP50Ms  float64 `json:"ttft_err_p50_ms"`
	TTFTErrP99Ms  float64 `json:"ttft_err_p99_ms"`
	TTFTErrMaxMs  float64 `json:"ttft_err_max_ms"`
	GapErrP50Ms   float64 `json:"gap_err_p50_ms"`
	GapErrP99Ms   float64 `json:"gap_err_p99_ms"`
	GapErrMaxMs   float64 `json:"gap_err_max_ms"`
	Gaps          int     `json:"gaps"`
	SchedLagP99Ms float64 `json:"sim_schedule_lag_p99_ms"`
	ReqPerSec     float64 `json:"req_per_s"`
	EventsPerSec  float64 `json:"events_per_s"`
	WallSeconds   float64 `json:"wall_seconds"`
	RSSPeakMB     float64 `json:"rss_peak_mb"`
}

// SelftestResult is a whole selftest (package internal/selftest measures
// it); a saved one is the harness block of later reports (LoadHarness).
type SelftestResult struct {
	At    time.Time   `json:"at"`
	Host  record.Host `json:"host"`
	Pace  string      `json:"pace"`
	Burst bool        `json:"burst"`
	// Sim is where the sim ran: "process" (its own) or "in-process".
	Sim    string          `json:"sim"`
	Levels []SelftestLevel `json:"levels"`
	// Binary and Machine fingerprint the janus build and the machine
	// that measured it, PID its process: a report quotes the selftest
	// only for the same binary and machine, with its age and pid.
	Binary  string `json:"binary,omitempty"`
	Machine string `json:"machine,omitempty"`
	PID     int    `json:"pid,omitempty"`
}

// Provenance fingerprints this janus binary and this machine, as a
// selftest records them (SelftestResult.Binary, Machine) and LoadHarness
// compares them.
func Provenance() (binary, machine string) { return provenance() }

// SaveSelftest stores a selftest result at path, where LoadHarness reads
// it back (the application picks the path: internal/app.SelftestPath).
func SaveSelftest(path string, r *SelftestResult) error {
	return record.WriteAtomic(path, func(w io.Writer) error { return json.NewEncoder(w).Encode(r) })
}

// LoadHarness returns the harness block for a report run at concurrency c
// from the selftest saved at path: its level closest to c from below (or
// its lowest), with its age and pid; nil when path is empty or holds no
// selftest of this binary on this machine (one by another build, or older
// files without provenance, are not quoted).
func LoadHarness(path string, c int) *record.Harness {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var r SelftestResult
	if json.Unmarshal(b, &r) != nil || len(r.Levels) == 0 {
		return nil
	}
	if bin, mach := provenance(); r.Binary != bin || r.Machine != mach {
		return nil
	}
	best := r.Levels[0]
	for _, l := range r.Levels {
		if l.Concurrency <= c && l.Concurrency >= best.Concurrency {
			best = l
		}
	}
	return &record.Harness{SelftestAt: r.At, Concurrency: best.Concurrency, TTFTErrP50Ms: best.TTFTErrP50Ms,
		TTFTErrP99Ms: best.TTFTErrP99Ms, GapErrP50Ms: best.GapErrP50Ms, GapErrP99Ms: best.GapErrP99Ms,
		SelftestPID: r.PID, SelftestAgeS: max(0, time.Since(r.At).Seconds())}
}
