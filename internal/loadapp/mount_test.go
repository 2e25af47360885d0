package loadapp

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/suites"
)

// simMount mounts the reference sim as the embedded target, as janus does
// (cli's loadMount, which this package cannot import), and no selftest.
var simMount = Mount{StartTarget: startSim}

func startSim(ctx context.Context, t EmbeddedTarget) (string, func(context.Context) error, error) {
	return baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: baseline.Pace(t.Pace), Suites: []*suites.Suite{t.Suite},
		Logger: t.Logger, MaxConcurrency: t.MaxConcurrency})
}

// TestMount: a program that mounts no embedded target refuses a run
// without --target, naming the flag; one that mounts no selftest says so
// in the report; a mounted selftest is called at the run's peak and its
// figures reported.
func TestMount(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	url, stop, err := baseline.Start(t.Context(), "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	var called []int
	fake := func(_ context.Context, conc, minStreams int, _ []string) (*bench.SelftestResult, error) {
		called = append(called, conc, minStreams)
		return &bench.SelftestResult{Levels: []bench.SelftestLevel{{Concurrency: conc, Streams: minStreams, TTFTErrP99Ms: 2, GapErrP99Ms: 3}}}, nil
	}
	cases := []struct {
		name       string
		mount      Mount
		target     string
		wantErr    string // in the error; "" for a run that succeeds
		wantSource string
		wantCalled []int
	}{
		{"no target, none mounted", Mount{}, "", "--target", "", nil},
		{"no selftest mounted", Mount{}, url, "", "runs no selftest", nil},
		{"selftest mounted", Mount{Selftest: fake}, url, "", "measured after the steps", []int{2, 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called = nil
			rep, err := c.mount.Run(t.Context(), app.LoadOptions{Options: load.Options{Target: c.target, Profile: "closed:c=2", MaxRequests: 4, Duration: 10 * time.Second},
				Selftest: true, Out: filepath.Join(t.TempDir(), "r.json")})
			if c.wantErr != "" {
				var ie *bench.InputError
				if !errors.As(err, &ie) || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want an input error naming %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h := rep.Harness
			if !strings.Contains(h.SelftestSource, c.wantSource) || h.TimingMeasured != (c.mount.Selftest != nil) {
				t.Errorf("harness source %q, measured %v; want %q", h.SelftestSource, h.TimingMeasured, c.wantSource)
			}
			if c.mount.Selftest != nil && h.TimingErrP99Ms != 3 {
				t.Errorf("timing error p99 %v, want the selftest's worse 3 ms", h.TimingErrP99Ms)
			}
			if !slices.Equal(called, c.wantCalled) {
				t.Errorf("selftest called with (conc, min streams) %v, want %v", called, c.wantCalled)
			}
		})
	}
}

// TestMemoryLimit: the soft limit stays above the live heap whatever its
// size, grows with the streams, and the embedded target, whose heap the
// run shares, gets a wider base.
func TestMemoryLimit(t *testing.T) {
	const small, big = 6 << 20, 200 << 20
	cases := []struct {
		name        string
		lower       int64
		higher      int64
		wantPerConc bool
	}{
		{"above a small live heap", 2 * small, memoryLimit(small, 1, false), false},
		{"above a big live heap", 2 * big, memoryLimit(big, 1, false), false},
		{"embedded above external", memoryLimit(small, 1, false), memoryLimit(small, 1, true), false},
		{"5,000 streams above one", memoryLimit(small, 1, false), memoryLimit(small, 5000, false), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.lower >= c.higher {
				t.Errorf("limit %d, want above %d", c.higher, c.lower)
			}
			if per := (c.higher - c.lower) / 4999; c.wantPerConc && per < 16<<10 {
				t.Errorf("%d bytes a stream, want at least 16 KiB (the measured live heap and stack of one)", per)
			}
		})
	}
	if live := liveHeap(); live <= 0 {
		t.Errorf("live heap %d bytes, want the runtime's figure", live)
	}
}
