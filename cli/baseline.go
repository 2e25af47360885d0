package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
)

// baselineCommand serves the reference baseline on its own, so that other
// harnesses (or janus on another machine) can measure against the same
// deterministic target that `janus bench run` boots in-process.
func baselineCommand() *ucli.Command {
	def := baseline.DefaultPace()
	return &ucli.Command{
		Name:  "baseline",
		Usage: "serve the reference baseline competitor (deterministic sim provider)",
		Description: "Serves an OpenAI-compatible /v1/chat/completions, /v1/models and /health.\n" +
			"Prompts from the built-in smoke suite are answered with their reference answers;\n" +
			"anything else gets a reproducible sentence or two. Requests may override the pace\n" +
			"with metadata." + baseline.MetaPaceTTFTms + " and metadata." + baseline.MetaPaceTokenMs + ", and pick a\n" +
			"misbehaviour profile with metadata." + baseline.MetaProfile + " and metadata." + baseline.MetaTimeScale + ".",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Value: "127.0.0.1:8081", EnvVars: []string{"JANUS_BASELINE_LISTEN"},
				Usage: "`ADDR` to listen on (host:port; port 0 picks a free one)"},
			&ucli.StringFlag{Name: "model", Value: baseline.DefaultModel, Usage: "model id to serve"},
			&ucli.DurationFlag{Name: "ttft", Value: def.TTFT, Usage: "time to the first output token"},
			&ucli.DurationFlag{Name: "token-interval", Value: def.PerToken, Usage: "time between output tokens"},
			&ucli.DurationFlag{Name: "keepalive", Value: time.Second, Usage: "send a \": ping\" comment after this much stream silence; 0 or negative disables"},
			&ucli.Uint64Flag{Name: "seed", Usage: "seed for answers to unknown prompts and tool call ids"},
			&ucli.StringFlag{Name: "profile", Value: baseline.ProfileOracle, Usage: "misbehave in one known way: " + strings.Join(baseline.Profiles(), ", ")},
			&ucli.Float64Flag{Name: "time-scale", Value: 1, Usage: "multiply the profiles' built-in delays (slow, stall) by this"},
			&ucli.IntFlag{Name: "max-concurrency", Usage: "answer at most N chat completions at once and queue the rest (0: no limit); gives load sweeps a known knee"},
			&ucli.Float64Flag{Name: "noisy-share", Value: baseline.DefaultNoisyShare, Usage: "share of each task family the noisy profile answers wrongly"},
		},
		Action: func(c *ucli.Context) error {
			addr := c.String("listen")
			pace := baseline.Pace{TTFT: c.Duration("ttft"), PerToken: c.Duration("token-interval")}
			if pace == (baseline.Pace{}) {
				// Both zero was asked for explicitly; Config reads a zero Pace as
				// "use the default".
				pace = baseline.Unpaced()
			}
			keepAlive := c.Duration("keepalive")
			if keepAlive == 0 {
				keepAlive = -1 // zero means "default" to Config; on the command line it means "never"
			}
			cfg := baseline.Config{
				Model:          c.String("model"),
				Pace:           pace,
				KeepAlive:      keepAlive,
				Seed:           c.Uint64("seed"),
				Profile:        c.String("profile"),
				TimeScale:      c.Float64("time-scale"),
				NoisyShare:     c.Float64("noisy-share"),
				MaxConcurrency: c.Int("max-concurrency"),
				// Serve logs the URL it listens on ("baseline listening") here.
				Logger: slog.Default(),
			}
			if err := baseline.Serve(c.Context, addr, cfg); err != nil {
				var pe *baseline.ProfileError
				if errors.As(err, &pe) {
					return &UsageError{Err: err}
				}
				return fmt.Errorf("baseline on %s: %w", addr, err)
			}
			return nil
		},
	}
}
