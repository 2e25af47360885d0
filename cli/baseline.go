package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/httpguard"
	"github.com/janus-bench/janus/internal/search"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/suites"
)

// baselineCommand serves the reference baseline on its own, so that other
// harnesses (or janus on another machine) can measure against the same
// deterministic target that `janus bench run` boots in-process.
func baselineCommand() *ucli.Command {
	def := baseline.DefaultPace()
	return &ucli.Command{
		Name:  "baseline",
		Usage: "serve the reference baseline competitor (sim or any OpenAI-compatible upstream)",
		Description: "Serves an OpenAI-compatible /v1/chat/completions, /v1/models and /health.\n" +
			"Prompts from the built-in smoke suite are answered with their reference answers;\n" +
			"anything else gets a reproducible sentence or two. Requests may override the pace\n" +
			"with metadata." + baseline.MetaPaceTTFTms + " and metadata." + baseline.MetaPaceTokenMs + ", and pick a\n" +
			"misbehaviour profile with metadata." + baseline.MetaProfile + " and metadata." + baseline.MetaTimeScale + ".",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Value: "127.0.0.1:8081", EnvVars: []string{"JANUS_BASELINE_LISTEN"},
				Usage: "`ADDR` to listen on (host:port; port 0 picks a free one)"},
			&ucli.StringFlag{Name: "model", Aliases: []string{"default-model"}, Value: baseline.DefaultModel,
				EnvVars: []string{"JANUS_DEFAULT_MODEL"}, Usage: "model id to serve, the default of --models (default: the first of --models)"},
			&ucli.DurationFlag{Name: "ttft", Value: def.TTFT, Usage: "time to the first output token"},
			&ucli.DurationFlag{Name: "token-interval", Value: def.PerToken, Usage: "time between output tokens"},
			&ucli.DurationFlag{Name: "keepalive", Value: baseline.DefaultKeepAlive, Usage: "send a \": ping\" comment after this much stream silence; 0 or negative disables"},
			&ucli.BoolFlag{Name: "keepalive-line-only", EnvVars: []string{"JANUS_KEEPALIVE_LINE_ONLY"}, Usage: "send keep-alives as \": ping\\n\" without the blank line, as the gateway's flag (for openai-go <= v1.12, which fails on \": ping\\n\\n\")"},
			&ucli.Uint64Flag{Name: "seed", Usage: "seed for answers to unknown prompts and tool call ids"},
			&ucli.StringFlag{Name: "sim-profile", Value: baseline.ProfileOracle, Usage: "the sim misbehaves in one known way: " + strings.Join(baseline.Profiles(), ", ") + " (as bench run --sim-profile)"},
			// The old name, kept working but no longer shown.
			&ucli.StringFlag{Name: "profile", Hidden: true, Usage: "old name of --sim-profile"},
			&ucli.Float64Flag{Name: "time-scale", Value: 1, Usage: "multiply the profiles' built-in delays (slow, stall) by this"},
			// Jangar mode and thread memory (baseline/jangar.go).
			&ucli.BoolFlag{Name: "jangar", Usage: "Jangar mode: streaming-only, and read JANGAR_MODELS, JANGAR_DEFAULT_MODEL, JANGAR_REDIS_URL, JANGAR_CHAT_KEY_PREFIX for what no flag sets"},
			&ucli.BoolFlag{Name: "streaming-only", EnvVars: []string{"JANUS_STREAMING_ONLY"}, Usage: "reject non-streamed requests with a 400 (Jangar mode)"},
			&ucli.StringFlag{Name: "models", EnvVars: []string{"JANUS_MODELS"}, Usage: "`A,B` model ids served; other models get a 404 (default: any model is answered)"},
			&ucli.StringFlag{Name: "data", EnvVars: []string{"JANUS_DATA_DIR"}, Usage: "Jan-style data `DIR` (models, assistants, threads) (default: $XDG_DATA_HOME/janus/baseline)"},
			&ucli.StringFlag{Name: "thread-store", EnvVars: []string{"JANUS_THREAD_STORE"}, Usage: "where threads named by x-openwebui-chat-id / X-Janus-Thread-Id live: file or redis (default: redis when --redis is set, else file)"},
			&ucli.StringFlag{Name: "redis", EnvVars: []string{"JANUS_REDIS_URL"}, Usage: "Redis `URL` for the redis thread store (redis://host:6379/0)"},
			&ucli.StringFlag{Name: "thread-key-prefix", Value: threads.DefaultKeyPrefix, EnvVars: []string{"JANUS_THREAD_KEY_PREFIX"}, Usage: "Redis key prefix of the redis thread store"},
			&ucli.DurationFlag{Name: "read-header-timeout", Value: httpguard.DefaultReadHeaderTimeout, Usage: "answer 408 to clients slower than this to send their headers"},
			&ucli.DurationFlag{Name: "body-read-timeout", Value: httpguard.DefaultBodyReadTimeout, Usage: "answer 408 to clients slower than this to send their request body"},
			&ucli.Int64Flag{Name: "thread-max-message-bytes", Value: threads.DefaultMaxMessageBytes, Usage: "largest message a thread stores; a larger new message is refused with 413"},
			&ucli.Int64Flag{Name: "thread-max-bytes", Value: threads.DefaultMaxThreadBytes, Usage: "largest thread; a turn that would grow it past this is refused with 413"},
			&ucli.IntFlag{Name: "thread-window", Value: threads.DefaultWindow, Usage: "latest stored messages loaded and handed to the model per turn"},
			&ucli.StringFlag{Name: "memory-url", EnvVars: []string{"JANUS_MEMORY_URL"}, Usage: "memory service `URL` (janus memory): recall into the system prompt, extract after each turn, for requests naming a user (X-Janus-User-Id or \"user\")"},
			&ucli.IntFlag{Name: "max-concurrency", Usage: "answer at most N chat completions at once and queue the rest (0: no limit); gives load sweeps a known knee"},
			&ucli.Float64Flag{Name: "noisy-share", Value: baseline.DefaultNoisyShare, Usage: "share of each task family the noisy profile answers wrongly"},
			&ucli.StringFlag{Name: "provider", Value: baseline.ProviderSim, EnvVars: []string{"JANUS_PROVIDER"},
				Usage: "brain: sim (deterministic, offline) or openai (any OpenAI-compatible upstream; probes local servers when no URL is set)"},
			&ucli.StringFlag{Name: "upstream-url", EnvVars: []string{baseline.EnvUpstreamURL}, Usage: "openai provider: upstream base `URL` ending in /v1"},
			&ucli.StringFlag{Name: "upstream-api-key", EnvVars: []string{baseline.EnvUpstreamAPIKey}, Usage: "openai provider: upstream API key"},
			&ucli.StringFlag{Name: "upstream-model", EnvVars: []string{baseline.EnvUpstreamModel}, Usage: "openai provider: default upstream model (empty: the first one it lists)"},
			&ucli.StringFlag{Name: "upstream-fast-model", EnvVars: []string{baseline.EnvUpstreamFastModel}, Usage: "openai provider: model for the fast path"},
			&ucli.StringFlag{Name: "upstream-agent-model", EnvVars: []string{baseline.EnvUpstreamAgentModel}, Usage: "openai provider: model for the agent path"},
			&ucli.StringFlag{Name: "upstream-vision-model", EnvVars: []string{baseline.EnvUpstreamVisionModel}, Usage: "openai provider: model for requests with images"},
			&ucli.StringFlag{Name: "image-url", EnvVars: []string{"JANUS_IMAGE_URL"}, Usage: "OpenAI /v1/images/generations-compatible `URL` ending in /v1 for generation_flags.generate_image (default: a deterministic local picture)"},
			&ucli.StringFlag{Name: "image-api-key", EnvVars: []string{"JANUS_IMAGE_API_KEY"}, Usage: "API key of the image provider"},
			&ucli.StringFlag{Name: "image-model", EnvVars: []string{"JANUS_IMAGE_MODEL"}, Usage: "model sent to the image provider"},
			&ucli.StringFlag{Name: "prices", Usage: "price table `FILE` (YAML or JSON, as for bench run --prices) for usage.cost_usd"},
			&ucli.StringFlag{Name: "corpus", Usage: "`DIR` of .md/.txt documents for the search and fetch tools (default: the embedded corpus)"},
			&ucli.IntFlag{Name: "max-agent-steps", Value: baseline.DefaultMaxAgentSteps, Usage: "model calls per request on the agent path"},
			&ucli.StringFlag{Name: "oracle-suite", Value: "smoke", Usage: "suites (comma-separated) whose tasks the sim answers with their reference"},
			&ucli.BoolFlag{Name: "enable-code-tool", EnvVars: []string{"JANUS_ENABLE_CODE_TOOL"},
				Usage: "offer the run_code tool on the agent path (model-written code in the sandbox); off by default"},
			&ucli.StringFlag{Name: "api-keys", EnvVars: []string{"JANUS_BASELINE_API_KEYS"},
				Usage: "`FILE` of accepted client keys (as the gateway's); empty: no authentication"},
			unsafeSandboxFlag(),
		},
		Action: baselineServe,
	}
}

// baselineServe is the baseline command's action: it serves until the
// context ends; a bad profile or configuration is a usage error.
func baselineServe(c *ucli.Context) error {
	addr := c.String("listen")
	cfg, err := baselineConfig(c)
	if err != nil {
		return err
	}
	if cfg.EnableCodeTool {
		reportSandbox("baseline run_code")
	}
	if err := baseline.Serve(c.Context, addr, cfg); err != nil {
		var pe *baseline.ProfileError
		var ce *baseline.ConfigError
		if errors.As(err, &pe) || errors.As(err, &ce) {
			return &UsageError{Err: err}
		}
		return fmt.Errorf("baseline on %s: %w", addr, err)
	}
	return nil
}

// baselineConfig turns the baseline command's flags (and, in Jangar mode,
// the JANGAR_* environment) into the server's configuration.
func baselineConfig(c *ucli.Context) (baseline.Config, error) {
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
		Profile:        simProfile(c),
		TimeScale:      c.Float64("time-scale"),
		NoisyShare:     c.Float64("noisy-share"),
		MaxConcurrency: c.Int("max-concurrency"), MemoryURL: c.String("memory-url"),
		EnableCodeTool: c.Bool("enable-code-tool"),
		APIKeysFile:    c.String("api-keys"),

		KeepAliveLineOnly: c.Bool("keepalive-line-only"),

		ReadHeaderTimeout: c.Duration("read-header-timeout"),
		BodyReadTimeout:   c.Duration("body-read-timeout"),
		ThreadLimits: threads.Limits{MaxMessageBytes: c.Int64("thread-max-message-bytes"),
			MaxThreadBytes: c.Int64("thread-max-bytes"), Window: c.Int("thread-window")},

		StreamingOnly:   c.Bool("streaming-only"),
		DataDir:         c.String("data"),
		ThreadStore:     c.String("thread-store"),
		RedisURL:        c.String("redis"),
		ThreadKeyPrefix: c.String("thread-key-prefix"),
		// Serve logs the URL it listens on ("baseline listening"):
		// always printed, as "janus: baseline listening on URL".
		Logger: announceLogger(c.App.ErrWriter),
	}
	for _, m := range strings.Split(c.String("models"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			cfg.Models = append(cfg.Models, m)
		}
	}
	if len(cfg.Models) > 0 && !c.IsSet("model") {
		cfg.Model = "" // the first of --models
	}
	if c.Bool("jangar") {
		baseline.ApplyJangarEnv(&cfg, os.Getenv, c.IsSet)
	}
	if cfg.DataDir == "" {
		// The default data dir is best effort (a container may have no
		// home) and created only when something is written to it.
		dir, err := janstore.DefaultDir()
		if err != nil {
			slog.Warn("no data dir: assistants and the file thread store are off", "error", err)
		}
		cfg.DataDir = dir
	}
	if err := baselineBrain(c, &cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// baselineBrain applies the provider, upstream, prices, corpus and oracle
// flags to cfg; bad values are usage errors.
func baselineBrain(c *ucli.Context, cfg *baseline.Config) error {
	switch p := c.String("provider"); p {
	case baseline.ProviderSim, baseline.ProviderOpenAI:
		cfg.ProviderName = p
	default:
		return &UsageError{Err: fmt.Errorf("--provider %q: want %s or %s", p, baseline.ProviderSim, baseline.ProviderOpenAI)}
	}
	cfg.Upstream = baseline.UpstreamConfig{URL: c.String("upstream-url"), APIKey: c.String("upstream-api-key"),
		Models: baseline.Models{Default: c.String("upstream-model"), Fast: c.String("upstream-fast-model"),
			Agent: c.String("upstream-agent-model"), Vision: c.String("upstream-vision-model")}}
	cfg.MaxAgentSteps = c.Int("max-agent-steps")
	if u := c.String("image-url"); u != "" {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return &UsageError{Err: fmt.Errorf("--image-url %q: want an http(s) URL ending in /v1", u)}
		}
		cfg.Image = &baseline.ImageProvider{URL: u, APIKey: c.String("image-api-key"), Model: c.String("image-model")}
	}
	if f := c.String("prices"); f != "" {
		p, err := pricing.LoadPrices(f)
		if err != nil {
			return &UsageError{Err: err}
		}
		cfg.Prices = &p
	}
	if d := c.String("corpus"); d != "" {
		corpus, err := search.LoadDir(d)
		if err != nil {
			return &UsageError{Err: err}
		}
		cfg.Corpus = corpus
	}
	if names := c.String("oracle-suite"); names != "" {
		for _, n := range strings.Split(names, ",") {
			s, err := suites.Load(c.Context, strings.TrimSpace(n))
			if err != nil {
				return &UsageError{Err: fmt.Errorf("--oracle-suite: %w", err)}
			}
			cfg.Suites = append(cfg.Suites, s)
		}
	}
	return nil
}

// simProfile is --sim-profile, or the old --profile when only that is set.
func simProfile(c *ucli.Context) string {
	if c.IsSet("profile") && !c.IsSet("sim-profile") {
		return c.String("profile")
	}
	return c.String("sim-profile")
}
