package cli

import (
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench"
)

// embeddedTarget is the one place the application builds the embedded
// reference target: the engine (bench.Run, bench.Probe, conform.Run) is
// handed this start func and knows only the URL it returns. It reads the
// sim flags c has (--sim-ttft and --sim-token-interval of targetFlags;
// --sim-profile and --sim-noisy-share of bench run) and starts the sim
// with keepAlive (0: the sim's default). bench run, probe, conform, tui,
// up and serve all take it from here.
func embeddedTarget(c *ucli.Context, keepAlive time.Duration) (bench.StartTarget, error) {
	cfg := baseline.Config{Pace: simPace(c), KeepAlive: keepAlive, Logger: logger()}
	if has(c, "sim-profile") {
		cfg.Profile = c.String("sim-profile")
		if cfg.Profile != "" && !slices.Contains(baseline.Profiles(), cfg.Profile) {
			return nil, usageErrorf("--sim-profile %q: want one of %s", cfg.Profile, strings.Join(baseline.Profiles(), ", "))
		}
	}
	if has(c, "sim-noisy-share") {
		cfg.NoisyShare = c.Float64("sim-noisy-share")
	}
	return reference.Starter(cfg), nil
}

// simPace is the embedded sim's pace from --sim-ttft and
// --sim-token-interval (zero: the sim's default).
func simPace(c *ucli.Context) baseline.Pace {
	return baseline.Pace{TTFT: c.Duration("sim-ttft"), PerToken: c.Duration("sim-token-interval")}
}

// has reports whether the command defines the flag name.
func has(c *ucli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}
