package cli

import (
	"fmt"
	"net/url"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/gateway"
	"github.com/janus-bench/janus/internal/logbuf"
	"github.com/janus-bench/janus/internal/search"
)

// gatewayCommand serves the Janus gateway, so that a team can put the
// same thin router the harness measures in front of its competitors.
func gatewayCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "gateway",
		Usage: "serve the OpenAI-compatible gateway that routes to competitors",
		Description: "Routes POST /v1/chat/completions to a competitor (competitor_id in the body or the\n" +
			"X-Janus-Competitor header, else the model, else the default), relays streams event by event\n" +
			"with \": ping\" keep-alives, and serves /v1/models, /health, /ready and /metrics; with --data, also\n" +
			"the arena (POST /v1/chat/completions/arena, POST /v1/arena/vote) and stored artifacts (GET /v1/artifacts/{id}).\n" +
			"The config file is reloaded when it changes and on SIGHUP.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Value: gateway.DefaultListen, EnvVars: []string{"JANUS_GATEWAY_LISTEN"},
				Usage: "`ADDR` to listen on (host:port; port 0 picks a free one)"},
			&ucli.StringFlag{Name: "config", EnvVars: []string{"JANUS_GATEWAY_CONFIG"},
				Usage: "YAML `FILE` listing competitors (see README, ## Gateway)"},
			&ucli.GenericFlag{Name: "competitor", Value: &specList{},
				Usage: "competitor `ID=http://host:port[,default]` (repeatable; overrides the file's entry with that id)"},
			&ucli.DurationFlag{Name: "keepalive", Value: gateway.DefaultKeepAlive, Usage: "send \": ping\" after this much stream silence"},
			&ucli.BoolFlag{Name: "keepalive-line-only", Usage: "send keep-alives as \": ping\\n\" without the blank line, and relay a competitor's own comment-only frames so (for openai-go <= v1.12, which fails on \": ping\\n\\n\")"},
			&ucli.DurationFlag{Name: "stream-timeout", Value: gateway.DefaultStreamTimeout, Usage: "end a stream with an error event and [DONE] after this long"},
			&ucli.DurationFlag{Name: "read-header-timeout", Value: gateway.DefaultReadHeaderTimeout, Usage: "answer 408 to clients slower than this to send their headers"},
			&ucli.DurationFlag{Name: "body-read-timeout", Value: gateway.DefaultBodyReadTimeout, Usage: "answer 408 to clients slower than this to send their request body"},
			&ucli.Int64Flag{Name: "max-body", Value: gateway.DefaultMaxBodyBytes, Usage: "largest request body in `BYTES` (413 above)"},
			&ucli.DurationFlag{Name: "models-ttl", Value: gateway.DefaultModelsTTL, Usage: "how long the /v1/models union is cached"},
			&ucli.DurationFlag{Name: "health-interval", Value: gateway.DefaultHealthInterval, Usage: "period of the competitors' health checks"},
			&ucli.DurationFlag{Name: "retry-budget", Value: gateway.DefaultRetryBudget, Usage: "how long to retry a competitor answering 429/502/503/504"},
			&ucli.DurationFlag{Name: "retry-max", Value: gateway.DefaultRetryMax, Usage: "longest wait between two retries"},
			&ucli.Float64Flag{Name: "rate-limit", Usage: "requests per second per API key (per client IP without keys); 0: unlimited"},
			&ucli.IntFlag{Name: "rate-burst", Usage: "requests a key may send at once (default: the rate, at least 1)"},
			&ucli.StringFlag{Name: "api-keys", Usage: "`FILE` of accepted client keys, one per line, clear or sha256:<hex>"},
			&ucli.BoolFlag{Name: "enable-sandbox", Usage: "serve /api/sandbox/create (runs clients' code in the sandbox; needs --api-keys)"},
			&ucli.Float64Flag{Name: "sandbox-rate", Value: gateway.DefaultSandboxRate, Usage: "sandbox runs per second per API key"},
			&ucli.IntFlag{Name: "sandbox-burst", Value: gateway.DefaultSandboxBurst, Usage: "sandbox runs a key may start at once"},
			&ucli.IntFlag{Name: "sandbox-concurrency", Value: gateway.DefaultSandboxConcurrency, Usage: "sandbox runs in progress over all clients (429 past it)"},
			unsafeSandboxFlag(),
			&ucli.StringSliceFlag{Name: "cors-origin", Usage: "browser `ORIGIN` allowed to call the API (repeatable; * for any)"},
			&ucli.BoolFlag{Name: "forward-user-id", Usage: "pass the client's X-Janus-User-Id header on to competitors (per-user memory; not authenticated by the gateway)"},
			&ucli.BoolFlag{Name: "log-bodies", Usage: "include request bodies (truncated) in request logs"},
			&ucli.StringFlag{Name: "data", EnvVars: []string{"JANUS_GATEWAY_DATA"},
				Usage: "`DIR` for arena prompts and votes (arena/*.jsonl) and stored artifacts; empty disables both"},
			&ucli.StringFlag{Name: "public-url", Usage: "the gateway's base `URL` as clients reach it, for artifact URLs (default: from each request's Host)"},
			&ucli.Int64Flag{Name: "artifact-max-bytes", Value: gateway.DefaultArtifactMaxBytes, Usage: "largest artifact stored, in `BYTES`"},
			&ucli.StringFlag{Name: "search-url", EnvVars: []string{"JANUS_SEARCH_URL"}, Usage: "SearXNG-compatible search `URL` (GET /search?q=…&format=json) for /api/search/web and /api/research (default: offline BM25 over --corpus)"},
			&ucli.StringFlag{Name: "transcription-url", EnvVars: []string{"JANUS_TRANSCRIPTION_URL"}, Usage: "OpenAI-compatible `URL` ending in /v1 that POST /v1/audio/transcriptions is forwarded to (default: none, 501)"},
			&ucli.StringFlag{Name: "transcription-api-key", EnvVars: []string{"JANUS_TRANSCRIPTION_API_KEY"}, Usage: "API key sent to the transcription provider"},
			&ucli.Int64Flag{Name: "transcription-max-bytes", Value: gateway.DefaultTranscriptionMaxBytes, Usage: "largest transcription upload"},
			&ucli.StringFlag{Name: "corpus", Usage: "`DIR` of .md/.txt documents for /api/search/web and /api/research (default: the embedded corpus)"},
			&ucli.DurationFlag{Name: "artifact-ttl", Value: gateway.DefaultArtifactTTL, Usage: "how long an artifact without ttl_seconds is kept"},
		},
		Action: gatewayServe,
	}
}

// gatewayServe is the gateway command's action: it checks the flags and
// serves until the context ends.
func gatewayServe(c *ucli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("gateway takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
	}
	comps := *c.Generic("competitor").(*specList)
	if err := checkGatewayFlags(c, comps); err != nil {
		return err
	}
	opts := gatewayOptions(c, comps)
	// Serve logs the URL it listens on ("gateway listening"): always
	// printed, as "janus: gateway listening on URL". The request log is
	// written in batches off the request path.
	var lw *logbuf.Writer
	opts.Logger, lw = bufferedAnnounceLogger(c, c.App.ErrWriter)
	defer lw.Close()
	if opts.Sandbox.Enabled && opts.APIKeysFile == "" {
		return usageErrorf("--enable-sandbox runs clients' code and needs --api-keys FILE")
	}
	if opts.Sandbox.Enabled {
		reportSandbox("gateway /api/sandbox/create")
	}
	if err := gatewayTools(c, &opts.Tools); err != nil {
		return err
	}
	if err := gateway.Serve(c.Context, opts); err != nil {
		return fmt.Errorf("gateway on %s: %w", opts.Listen, err)
	}
	return nil
}

// checkGatewayFlags rejects competitors that do not parse, a gateway with
// nothing to route to, and negative or empty limits.
func checkGatewayFlags(c *ucli.Context, comps specList) error {
	for _, spec := range comps {
		if _, err := gateway.ParseCompetitor(spec); err != nil {
			return usageErrorf("--competitor: %v", err)
		}
	}
	if len(comps) == 0 && c.String("config") == "" {
		return usageErrorf("gateway needs --competitor id=http://host:port or --config FILE")
	}
	if c.Float64("rate-limit") < 0 || c.Int("rate-burst") < 0 || c.Int64("max-body") < 1 {
		return usageErrorf("--rate-limit, --rate-burst and --max-body must not be negative")
	}
	if c.Int64("artifact-max-bytes") < 1 || c.Duration("artifact-ttl") <= 0 {
		return usageErrorf("--artifact-max-bytes and --artifact-ttl must be positive")
	}
	if u := c.String("public-url"); u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return usageErrorf("--public-url %q must be an http(s) URL", u)
	}
	return nil
}

// gatewayOptions turns the gateway command's flags into the server's
// options (tools aside: gatewayTools sets those).
func gatewayOptions(c *ucli.Context, comps specList) gateway.Options {
	opts := gateway.Options{
		Listen: c.String("listen"), ConfigFile: c.String("config"), Competitors: comps,
		KeepAlive: c.Duration("keepalive"), KeepAliveLineOnly: c.Bool("keepalive-line-only"), StreamTimeout: c.Duration("stream-timeout"),
		ReadHeaderTimeout: c.Duration("read-header-timeout"), BodyReadTimeout: c.Duration("body-read-timeout"), MaxBodyBytes: c.Int64("max-body"),
		ModelsTTL: c.Duration("models-ttl"), HealthInterval: c.Duration("health-interval"),
		Retry:     gateway.RetryPolicy{Max: c.Duration("retry-max"), Budget: c.Duration("retry-budget")},
		RateLimit: c.Float64("rate-limit"), RateBurst: c.Int("rate-burst"), APIKeysFile: c.String("api-keys"),
		CORSOrigins: c.StringSlice("cors-origin"), LogBodies: c.Bool("log-bodies"), WatchSignals: true, ForwardUserID: c.Bool("forward-user-id"),
		DataDir: c.String("data"), PublicURL: c.String("public-url"),
		ArtifactMaxBytes: c.Int64("artifact-max-bytes"), ArtifactTTL: c.Duration("artifact-ttl"),
	}
	opts.Sandbox = gateway.SandboxOptions{Enabled: c.Bool("enable-sandbox"), RateLimit: c.Float64("sandbox-rate"),
		RateBurst: c.Int("sandbox-burst"), Concurrency: c.Int("sandbox-concurrency")}
	return opts
}

// gatewayTools sets the search, research and transcription back ends
// from --corpus, --search-url and --transcription-url.
func gatewayTools(c *ucli.Context, tools *gateway.Tools) error {
	if d := c.String("corpus"); d != "" {
		corpus, err := search.LoadDir(d)
		if err != nil {
			return usageErrorf("--corpus: %v", err)
		}
		tools.Search, tools.Research = gateway.LocalSearch{Corpus: corpus}, gateway.LocalResearch{Corpus: corpus}
	}
	if u := c.String("search-url"); u != "" {
		if !isHTTPURL(u) {
			return usageErrorf("--search-url %q: want an http(s) URL", u)
		}
		tools.Search = gateway.SearXNG{URL: u}
		tools.Research = gateway.SearchResearch{Search: tools.Search}
	}
	if u := c.String("transcription-url"); u != "" {
		if !isHTTPURL(u) {
			return usageErrorf("--transcription-url %q: want an http(s) URL", u)
		}
		tools.Transcription = &gateway.Transcription{URL: u, APIKey: c.String("transcription-api-key"),
			MaxBytes: c.Int64("transcription-max-bytes")}
	}
	return nil
}

// isHTTPURL reports whether u parses as an http or https URL with a host.
func isHTTPURL(u string) bool {
	pu, err := url.Parse(u)
	return err == nil && (pu.Scheme == "http" || pu.Scheme == "https") && pu.Host != ""
}

// specList collects a repeatable flag whose values contain commas
// ("a=http://h:1,default"), which StringSliceFlag would split apart.
type specList []string

// Set appends one occurrence of the flag.
func (l *specList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// String lists the values given.
func (l *specList) String() string { return strings.Join(*l, " ") }
