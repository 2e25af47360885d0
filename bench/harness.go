package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
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

// SelftestResult is a whole selftest (package bench/selftest measures
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

// SelftestPath is where the last selftest is kept for reports to cite.
func SelftestPath() string {
	if p := os.Getenv("JANUS_SELFTEST_FILE"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "janus", "selftest.json")
}

// SaveSelftest stores a selftest result at SelftestPath.
func SaveSelftest(r *SelftestResult) error {
	return record.WriteAtomic(SelftestPath(), func(w io.Writer) error { return json.NewEncoder(w).Encode(r) })
}

// LoadHarness returns the harness block for a report run at concurrency c:
// the last selftest's level closest to c from below (or its lowest), with
// its age and pid; nil when no selftest of this binary on this machine was
// saved (one by another build, or older files without provenance, are
// not quoted).
func LoadHarness(c int) *record.Harness {
	b, err := os.ReadFile(SelftestPath())
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

// RaiseFileLimit lifts the open-file soft limit to the hard limit and
// fails with a clear message when even that is below need.
func RaiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // not knowable here: let the dial errors speak
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < need {
		return &InputError{Op: "open-file limit", Err: fmt.Errorf("need %d open files, the hard limit (ulimit -Hn) is %d", need, lim.Cur)}
	}
	return nil
}
