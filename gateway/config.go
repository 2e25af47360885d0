package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/janus-bench/janus/internal/httpguard"
)

// Defaults of Options and CompetitorConfig. They are exported so that the
// command line documents the same values the library applies.
const (
	DefaultListen            = "127.0.0.1:8000"
	DefaultKeepAlive         = time.Second
	DefaultStreamTimeout     = 5 * time.Minute
	DefaultReadHeaderTimeout = httpguard.DefaultReadHeaderTimeout
	DefaultBodyReadTimeout   = httpguard.DefaultBodyReadTimeout
	DefaultMaxBodyBytes      = 32 << 20
	DefaultModelsTTL         = 30 * time.Second
	DefaultHealthInterval    = 5 * time.Second
	DefaultReloadInterval    = time.Second
	DefaultHealthPath        = "/health"
	DefaultConnectTimeout    = 5 * time.Second
	DefaultRetryBase         = 100 * time.Millisecond
	DefaultRetryMax          = 2 * time.Second
	DefaultRetryBudget       = 30 * time.Second
)

// Options configure a gateway. The command line binds its flags into this
// struct; zero values mean the documented defaults.
type Options struct {
	// Listen is the address to serve on (host:port; port 0 picks one).
	Listen string
	// ConfigFile is a YAML file listing competitors (see FileConfig). It is
	// re-read when it changes and on Reload (SIGHUP with WatchSignals).
	ConfigFile string
	// Competitors are command-line specs, "id=http://host:port[,default]".
	// They are merged over the file's entries with the same id.
	Competitors []string
	// KeepAlive is how long a stream may stay silent before the gateway
	// sends ": ping"; default 1s.
	KeepAlive time.Duration
	// KeepAliveLineOnly sends keep-alives as ": ping\n", without the blank
	// line of the contract's ": ping\n\n". Spec-compliant readers treat
	// both alike, but some SDK decoders (openai-go up to v1.12,
	// older openai-python) dispatch an empty event at every blank line and
	// fail to decode it, killing any stream that receives a keep-alive.
	// A competitor's own comment-only frames are relayed in the same
	// line-only form (lineOnlyPings), or they would kill it just the same.
	KeepAliveLineOnly bool
	// StreamTimeout bounds one request from arrival to its last byte;
	// default 5m. A stream cut by it ends with an error event and [DONE].
	StreamTimeout time.Duration
	// ReadHeaderTimeout bounds reading request headers (slowloris guard);
	// default 10s.
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds reading one request body; default 1m.
	BodyReadTimeout time.Duration
	// MaxBodyBytes caps a request body; default 32 MiB. A larger declared
	// Content-Length is refused before any of the body is read.
	MaxBodyBytes int64
	// ModelsTTL is how long the GET /v1/models union is cached; default 30s.
	ModelsTTL time.Duration
	// HealthInterval is the period of the background health checks;
	// default 5s.
	HealthInterval time.Duration
	// ReloadInterval is how often ConfigFile is checked for changes;
	// default 1s, negative disables polling. A change is loaded once two
	// checks in a row have seen it (so that a file still being written is
	// not read torn): one to two intervals after the write.
	ReloadInterval time.Duration
	// WatchSignals makes Serve reload the configuration on SIGHUP.
	WatchSignals bool
	// Retry is the policy for cold upstreams (429, 502, 503, 504, refused
	// connections).
	Retry RetryPolicy
	// RateLimit is the sustained number of requests per second allowed per
	// API key (per client IP without keys); 0 disables rate limiting.
	RateLimit float64
	// RateBurst is how many requests a key may make at once; default
	// max(1, ceil(RateLimit)).
	RateBurst int
	// APIKeysFile lists the keys clients must present, one per line, either
	// in clear or as "sha256:<hex>". Only hashes are kept in memory. Empty
	// means no authentication.
	APIKeysFile string
	// ForwardUserID passes the client's X-Janus-User-Id header (1-128
	// printable characters) to the competitor, for competitors that keep
	// per-user memory (janus baseline --memory-url). The gateway does not
	// authenticate it: put it behind a front end that sets it.
	ForwardUserID bool
	// CORSOrigins are the browser origins allowed to call the API ("*" for
	// any); empty sends no CORS headers.
	CORSOrigins []string
	// LogBodies adds request bodies (truncated) to the request logs. The
	// Authorization header is never logged.
	LogBodies bool
	// Logger receives request and lifecycle logs; nil discards them.
	Logger *slog.Logger
	// DataDir holds what the gateway must keep across restarts: arena
	// prompts and votes (arena/*.jsonl) and stored artifacts (artifacts/).
	// Empty disables the arena and artifact storage.
	DataDir string
	// PublicURL is the gateway's base URL as clients reach it, used in
	// rewritten artifact URLs; empty means the scheme and Host of each
	// request.
	PublicURL string
	// ArtifactMaxBytes caps one stored artifact; default 64 MiB.
	ArtifactMaxBytes int64
	// ArtifactTTL is how long an artifact without ttl_seconds is kept;
	// default 24h.
	ArtifactTTL time.Duration
	// Now is the clock of the arena's vote rules and artifact expiry;
	// nil means time.Now. Tests set it.
	Now func() time.Time
	// Tools are the backends of /api/search/web, /api/research and
	// /api/sandbox/create; nil fields get the local offline ones.
	Tools Tools
	// Sandbox guards /api/sandbox/create, which runs clients' code.
	Sandbox SandboxOptions
}

// SandboxOptions guard /api/sandbox/create. The endpoint runs code for
// its callers, so it is off by default, needs API keys when on, and has a
// rate limit and a concurrency cap of its own on top of the gateway's.
type SandboxOptions struct {
	// Enabled turns the endpoint on (--enable-sandbox); off, it answers
	// 404 sandbox_disabled. New refuses Enabled without APIKeysFile.
	Enabled bool
	// RateLimit is sandbox runs per second per API key; default 0.5.
	RateLimit float64
	// RateBurst is how many runs a key may start at once; default 2.
	RateBurst int
	// Concurrency caps the runs in progress over all clients; default 2.
	// Past it a request gets 429 sandbox_busy at once.
	Concurrency int
}

// Sandbox endpoint defaults.
const (
	DefaultSandboxRate        = 0.5
	DefaultSandboxBurst       = 2
	DefaultSandboxConcurrency = 2
)

// RetryPolicy is capped exponential backoff for upstreams that answer 429,
// 502, 503 or 504 or refuse the connection: attempt n waits
// min(Max, Base·2^(n-1)) (or the upstream's Retry-After, capped at Max)
// until Budget has passed since the first attempt.
type RetryPolicy struct {
	Base   time.Duration
	Max    time.Duration
	Budget time.Duration
}

// FileConfig is the YAML configuration file.
//
//	competitors:
//	  - id: baseline
//	    url: http://127.0.0.1:8081
//	    models: [janus-baseline-sim]
//	    default: true
//	    api_key_env: BASELINE_KEY
//	    health_path: /health
//	    connect_timeout: 5s
//	    header_timeout: 0s
//	    timeout: 5m
type FileConfig struct {
	Competitors []CompetitorConfig `yaml:"competitors"`
}

// CompetitorConfig describes one upstream competitor.
type CompetitorConfig struct {
	// ID names the competitor in routing (competitor_id, X-Janus-Competitor),
	// in owned_by and in metrics.
	ID string `yaml:"id"`
	// URL is the competitor's base URL (http://host:port, with or without a
	// trailing /v1).
	URL string `yaml:"url"`
	// Models are the model ids routed to this competitor. Empty means the
	// ids its GET /v1/models reports.
	Models []string `yaml:"models"`
	// APIKey is sent upstream as a Bearer token; APIKeyEnv names an
	// environment variable holding it instead, keeping it out of the file.
	APIKey    string `yaml:"api_key"`
	APIKeyEnv string `yaml:"api_key_env"`
	// HealthPath is probed by the background health check; default /health.
	HealthPath string `yaml:"health_path"`
	// Default receives requests no other rule routes.
	Default bool `yaml:"default"`
	// ConnectTimeout bounds one TCP connect; default 5s.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// HeaderTimeout bounds the wait for the upstream's response headers;
	// 0 means only the stream timeout applies (keep-alives cover the wait).
	HeaderTimeout time.Duration `yaml:"header_timeout"`
	// Timeout bounds a non-streamed request; default the stream timeout.
	Timeout time.Duration `yaml:"timeout"`
}

func (o *Options) defaults() {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	if o.StreamTimeout <= 0 {
		o.StreamTimeout = DefaultStreamTimeout
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.ModelsTTL <= 0 {
		o.ModelsTTL = DefaultModelsTTL
	}
	if o.HealthInterval <= 0 {
		o.HealthInterval = DefaultHealthInterval
	}
	if o.ReloadInterval == 0 {
		o.ReloadInterval = DefaultReloadInterval
	}
	if o.Retry.Base <= 0 {
		o.Retry.Base = DefaultRetryBase
	}
	if o.Retry.Max <= 0 {
		o.Retry.Max = DefaultRetryMax
	}
	if o.Retry.Budget <= 0 {
		o.Retry.Budget = DefaultRetryBudget
	}
	if o.RateLimit > 0 && o.RateBurst <= 0 {
		o.RateBurst = max(1, int(o.RateLimit+0.999))
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sandbox.RateLimit <= 0 {
		o.Sandbox.RateLimit = DefaultSandboxRate
	}
	if o.Sandbox.RateBurst <= 0 {
		o.Sandbox.RateBurst = DefaultSandboxBurst
	}
	if o.Sandbox.Concurrency <= 0 {
		o.Sandbox.Concurrency = DefaultSandboxConcurrency
	}
	if o.ArtifactMaxBytes <= 0 {
		o.ArtifactMaxBytes = DefaultArtifactMaxBytes
	}
	if o.ArtifactTTL <= 0 {
		o.ArtifactTTL = DefaultArtifactTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// ParseCompetitor parses a command-line spec "id=http://host:port[,default]".
func ParseCompetitor(spec string) (CompetitorConfig, error) {
	id, rest, ok := strings.Cut(spec, "=")
	id = strings.TrimSpace(id)
	if !ok || id == "" || rest == "" {
		return CompetitorConfig{}, fmt.Errorf("parse competitor %q: want id=http://host:port[,default]", spec)
	}
	c := CompetitorConfig{ID: id}
	parts := strings.Split(rest, ",")
	c.URL = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		switch strings.TrimSpace(p) {
		case "default":
			c.Default = true
		default:
			return CompetitorConfig{}, fmt.Errorf("parse competitor %q: unknown option %q (only \"default\")", spec, p)
		}
	}
	if err := c.check(); err != nil {
		return CompetitorConfig{}, fmt.Errorf("parse competitor %q: %w", spec, err)
	}
	return c, nil
}

// LoadFile reads and checks a configuration file.
func LoadFile(path string) (FileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return FileConfig{}, fmt.Errorf("read gateway config: %w", err)
	}
	cfg, err := parseFile(data)
	if err != nil {
		return FileConfig{}, fmt.Errorf("gateway config %s: %w", path, err)
	}
	return cfg, nil
}

// parseFile decodes a configuration, refusing unknown keys so that a typo
// is an error rather than a silently ignored setting.
func parseFile(data []byte) (FileConfig, error) {
	var cfg FileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return FileConfig{}, fmt.Errorf("decode YAML: %w", err)
	}
	for i := range cfg.Competitors {
		if err := cfg.Competitors[i].check(); err != nil {
			return FileConfig{}, fmt.Errorf("competitors[%d]: %w", i, err)
		}
	}
	return cfg, nil
}

// check validates one competitor entry.
func (c *CompetitorConfig) check() error {
	if c.ID == "" {
		return errors.New("id is required")
	}
	if strings.ContainsAny(c.ID, " \t\r\n,=\"") {
		return fmt.Errorf("id %q must not contain spaces, commas, '=' or quotes", c.ID)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("competitor %s: url: %w", c.ID, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("competitor %s: url %q must be http(s)://host:port", c.ID, c.URL)
	}
	if c.HealthPath != "" && !strings.HasPrefix(c.HealthPath, "/") {
		return fmt.Errorf("competitor %s: health_path %q must start with /", c.ID, c.HealthPath)
	}
	if c.ConnectTimeout < 0 || c.HeaderTimeout < 0 || c.Timeout < 0 {
		return fmt.Errorf("competitor %s: timeouts must not be negative", c.ID)
	}
	return nil
}

// merge returns the file's competitors with the command-line ones laid
// over them: a flag with an id already in the file replaces that entry, a
// new id is appended. At most one competitor may be the default.
func merge(file []CompetitorConfig, flags []CompetitorConfig) ([]CompetitorConfig, error) {
	out := append([]CompetitorConfig(nil), file...)
	for _, f := range flags {
		replaced := false
		for i := range out {
			if out[i].ID == f.ID {
				out[i], replaced = f, true
			}
		}
		if !replaced {
			out = append(out, f)
		}
	}
	seen := map[string]bool{}
	def := ""
	for _, c := range out {
		if seen[c.ID] {
			return nil, fmt.Errorf("competitor id %q is listed twice", c.ID)
		}
		seen[c.ID] = true
		if c.Default {
			if def != "" {
				return nil, fmt.Errorf("competitors %q and %q are both marked default", def, c.ID)
			}
			def = c.ID
		}
	}
	return out, nil
}
