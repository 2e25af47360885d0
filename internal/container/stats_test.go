package container

import (
	"math"
	"strings"
	"testing"
	"time"

	ctypes "github.com/moby/moby/api/types/container"
)

// TestSamplerAdd folds engine samples into usage figures: working set
// without the inactive file cache (cgroup v1 and v2 names), trapezoid
// GB-seconds, cumulative counters from the newest sample, and repeated or
// empty samples ignored.
func TestSamplerAdd(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	sample := func(sec int, cpuNs, usage uint64, cache map[string]uint64, rx, tx, pids uint64) *ctypes.StatsResponse {
		return &ctypes.StatsResponse{Read: t0.Add(time.Duration(sec) * time.Second),
			CPUStats:    ctypes.CPUStats{CPUUsage: ctypes.CPUUsage{TotalUsage: cpuNs}},
			MemoryStats: ctypes.MemoryStats{Usage: usage, Stats: cache},
			Networks:    map[string]ctypes.NetworkStats{"eth0": {RxBytes: rx, TxBytes: tx}, "eth1": {RxBytes: 1, TxBytes: 1}},
			PidsStats:   ctypes.PidsStats{Current: pids}}
	}
	s := &sampler{}
	// cgroup v1: 3 GB used of which 1 GB inactive cache → 2 GB.
	s.add(sample(0, 1e9, 3e9, map[string]uint64{"total_inactive_file": 1e9}, 100, 50, 4))
	// cgroup v2: 4 GB used, 0 cache → 4 GB; 2 s later.
	s.add(sample(2, 3e9, 4e9, map[string]uint64{"inactive_file": 0}, 300, 70, 9))
	// The same read time again (the final one-shot repeating the stream): ignored.
	s.add(sample(2, 9e9, 9e9, nil, 999, 999, 99))
	// A stopped container's empty sample: ignored.
	s.add(&ctypes.StatsResponse{})
	u := s.usage()
	want := Usage{CPUSeconds: 3, MemPeakBytes: 4e9, MemMeanBytes: 3e9, GBSeconds: (2 + 4) / 2.0 * 2,
		NetRxBytes: 301, NetTxBytes: 71, PIDsPeak: 9, Samples: 2, Seconds: 2}
	if math.Abs(u.GBSeconds-want.GBSeconds) > 1e-9 {
		t.Fatalf("GB-seconds %v, want %v", u.GBSeconds, want.GBSeconds)
	}
	u.GBSeconds = want.GBSeconds
	if u != want {
		t.Fatalf("usage\n got %+v\nwant %+v", u, want)
	}
}

// TestStartErrorMessage: the error a miner reads names the image, the
// reason, the exit code and shows the log tail.
func TestStartErrorMessage(t *testing.T) {
	cases := []struct {
		name string
		err  StartError
		want []string
		not  []string
	}{
		// Exited: the code and the tail.
		{"exited", StartError{Image: "me:1", Reason: "exited", ExitCode: 3, LogTail: []string{"boom"}, Waited: time.Second},
			[]string{"image me:1: exited with exit code 3 after 1s", "last 1 log lines", "  | boom"}, nil},
		// Not ready: no exit code, the detail.
		{"not ready", StartError{Image: "me:1", Reason: "not ready", ExitCode: -1, Detail: "HTTP 503", Waited: 2 * time.Second},
			[]string{"not ready after 2s (HTTP 503)", "the container wrote no log"}, []string{"exit code"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(msg, n) {
					t.Errorf("%q should not say %q", msg, n)
				}
			}
		})
	}
}
