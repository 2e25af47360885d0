package cli

import (
	"context"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/loadapp"
	"github.com/janus-bench/janus/internal/selftest"
	"github.com/janus-bench/janus/suites"
)

// loadMount is what janus brings to bench load (and the TUI's load runs)
// that the load application does not link: the reference sim as the
// embedded target, the timing selftest and the live metrics through
// client_golang. The lean janus-load mounts none of them (its live
// metrics are loadapp.TextMetrics).
func loadMount() loadapp.Mount {
	return loadapp.Mount{StartTarget: startEmbeddedTarget, Selftest: loadSelftest, Metrics: loadMetrics}
}

// startEmbeddedTarget boots the reference sim on loopback for a load run.
func startEmbeddedTarget(ctx context.Context, t loadapp.EmbeddedTarget) (string, func(context.Context) error, error) {
	return baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: baseline.Pace(t.Pace), Suites: []*suites.Suite{t.Suite},
		Logger: t.Logger, MaxConcurrency: t.MaxConcurrency})
}

// loadSelftest measures the harness's timing error at one concurrency,
// as `janus bench selftest` does (with the open files it needs).
func loadSelftest(ctx context.Context, conc, minStreams int, sim []string) (*bench.SelftestResult, error) {
	levels := []int{conc}
	if err := app.RaiseFileLimit(selftest.OpenFiles(levels)); err != nil {
		return nil, err
	}
	return selftest.Run(ctx, selftest.Options{Levels: levels, MinStreams: minStreams, SimCommand: sim})
}
