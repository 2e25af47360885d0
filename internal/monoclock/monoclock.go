// Package monoclock converts this process's monotonic time.Time readings
// to the machine-wide monotonic clock (CLOCK_MONOTONIC on Linux), so that
// two processes on one machine can compare when things happened without
// wall-clock skew or steps.
//
// Go's time.Time carries a monotonic reading relative to the process's
// start, which is meaningless in another process; CLOCK_MONOTONIC is
// shared by every process of the machine. The two advance at the same rate
// (Go's runtime reads CLOCK_MONOTONIC itself), so one calibration pair
// taken at start-up maps any later reading.
package monoclock

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

var (
	once   sync.Once
	base   time.Time
	baseNs int64
	// Uncertainty is half the narrowest window in which the calibration
	// pair was read: the most any conversion can be off by.
	uncertainty time.Duration
)

// calibrate pairs a time.Now reading with a CLOCK_MONOTONIC reading. It
// brackets the clock read between two time.Now calls and keeps the
// narrowest of a few tries, so a preemption mid-read does not skew every
// later conversion.
func calibrate() {
	best := time.Duration(1<<63 - 1)
	for range 16 {
		var ts unix.Timespec
		t0 := time.Now()
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			// Not available: fall back to the process clock (conversions
			// are then only meaningful within this process).
			base, baseNs, uncertainty = t0, 0, 0
			return
		}
		t1 := time.Now()
		if w := t1.Sub(t0); w < best {
			best = w
			base = t0.Add(w / 2)
			baseNs = ts.Nano()
		}
	}
	uncertainty = best / 2
}

// Ns returns t on the machine-wide monotonic clock, in nanoseconds. t must
// carry a monotonic reading (come from time.Now in this process).
func Ns(t time.Time) int64 {
	once.Do(calibrate)
	return baseNs + int64(t.Sub(base))
}

// Time maps a machine-wide monotonic reading back to a time.Time of this
// process, comparable with its other monotonic readings.
func Time(ns int64) time.Time {
	once.Do(calibrate)
	return base.Add(time.Duration(ns - baseNs))
}

// Uncertainty is how far a conversion may be off: half the window in
// which the calibration pair was read (typically well under a
// microsecond).
func Uncertainty() time.Duration {
	once.Do(calibrate)
	return uncertainty
}
