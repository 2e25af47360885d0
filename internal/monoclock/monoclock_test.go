package monoclock

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRoundTrip checks that Ns and Time are inverse and that Ns agrees with
// a direct CLOCK_MONOTONIC read taken between two time.Now readings.
func TestRoundTrip(t *testing.T) {
	for range 100 {
		t0 := time.Now()
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			t.Skip("no CLOCK_MONOTONIC:", err)
		}
		t1 := time.Now()
		lo, hi := Ns(t0), Ns(t1)
		// The direct read happened between t0 and t1; allow the
		// calibration's own uncertainty on either side.
		slack := int64(Uncertainty()) + 1
		if got := ts.Nano(); got < lo-slack || got > hi+slack {
			t.Fatalf("CLOCK_MONOTONIC %d outside [%d, %d] ± %d", got, lo, hi, slack)
		}
		if back := Time(lo); !back.Equal(t0) && back.Sub(t0).Abs() > time.Nanosecond {
			t.Fatalf("Time(Ns(t)) = %v, want %v", back, t0)
		}
	}
	if u := Uncertainty(); u > time.Millisecond {
		t.Errorf("calibration uncertainty %v: want well under 1 ms", u)
	}
}
