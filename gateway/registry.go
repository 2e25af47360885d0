package gateway

import (
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janus-bench/janus/internal/h1"
)

// competitor is one upstream as the request path sees it: its resolved
// URLs, its credentials and its connection pool. It is immutable; a reload
// builds new ones.
type competitor struct {
	cfg       CompetitorConfig
	id        string
	base      string // scheme://host[:port][/prefix], no trailing /v1
	chatURL   string
	modelsURL string
	healthURL string
	apiKey    string
	timeout   time.Duration
	// transport is rt's pool of connections (closed on reload and
	// shutdown): internal/h1's for a plain-http upstream, net/http's
	// otherwise.
	transport idleCloser
	// rt sends the requests (do): the transport, or a benchmark's
	// in-memory upstream.
	rt    http.RoundTripper
	state *compState
}

// compState is what the gateway learns about a competitor at run time. It
// outlives reloads as long as the competitor keeps its id and URL, so a
// reload does not forget health or discovered models.
type compState struct {
	healthy    atomic.Bool
	checked    atomic.Bool
	discovered atomic.Pointer[[]string]
}

// serves reports whether the competitor serves model, by its configured
// list or, without one, by the ids its /v1/models reported.
func (c *competitor) serves(model string) bool {
	if len(c.cfg.Models) > 0 {
		return slices.Contains(c.cfg.Models, model)
	}
	if d := c.state.discovered.Load(); d != nil {
		return slices.Contains(*d, model)
	}
	return false
}

// table is one immutable generation of the registry.
type table struct {
	list []*competitor
	byID map[string]*competitor
	def  *competitor
}

// registry holds the current table; the request path reads it with one
// atomic load, and a reload swaps it whole.
type registry struct {
	cur    atomic.Pointer[table]
	mu     sync.Mutex // serialises builds
	states map[string]*compState
}

func newRegistry() *registry {
	r := &registry{states: map[string]*compState{}}
	r.cur.Store(&table{byID: map[string]*competitor{}})
	return r
}

// load returns the current table.
func (r *registry) load() *table { return r.cur.Load() }

// set builds a table from cfgs and swaps it in. Connection pools of
// competitors that kept their configuration are reused; the idle
// connections of the others are closed.
func (r *registry) set(cfgs []CompetitorConfig, streamTimeout time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.load()
	t := &table{byID: make(map[string]*competitor, len(cfgs))}
	keep := map[string]bool{}
	for _, cfg := range cfgs {
		key := cfg.ID + "\x00" + normalizeBase(cfg.URL)
		st := r.states[key]
		if st == nil {
			st = &compState{}
			r.states[key] = st
		}
		keep[key] = true
		var c *competitor
		if prev := old.byID[cfg.ID]; prev != nil && sameConfig(prev.cfg, cfg) {
			c = prev
		} else {
			c = newCompetitor(cfg, streamTimeout, st)
		}
		t.list = append(t.list, c)
		t.byID[c.id] = c
		if cfg.Default {
			t.def = c
		}
	}
	for key := range r.states {
		if !keep[key] {
			delete(r.states, key)
		}
	}
	r.cur.Store(t)
	for _, c := range old.list {
		if t.byID[c.id] != c {
			c.transport.CloseIdleConnections()
		}
	}
}

// sameConfig reports whether two entries describe the same upstream.
func sameConfig(a, b CompetitorConfig) bool {
	return a.ID == b.ID && a.URL == b.URL && slices.Equal(a.Models, b.Models) && a.APIKey == b.APIKey &&
		a.APIKeyEnv == b.APIKeyEnv && a.HealthPath == b.HealthPath && a.Default == b.Default &&
		a.ConnectTimeout == b.ConnectTimeout && a.HeaderTimeout == b.HeaderTimeout && a.Timeout == b.Timeout
}

// normalizeBase strips a trailing slash and /v1, so that both spellings of
// a competitor URL reach the same endpoints.
func normalizeBase(u string) string {
	u = strings.TrimRight(u, "/")
	u = strings.TrimSuffix(u, "/v1")
	return strings.TrimRight(u, "/")
}

func newCompetitor(cfg CompetitorConfig, streamTimeout time.Duration, st *compState) *competitor {
	base := normalizeBase(cfg.URL)
	hp := cfg.HealthPath
	if hp == "" {
		hp = DefaultHealthPath
	}
	key := cfg.APIKey
	if cfg.APIKeyEnv != "" {
		key = os.Getenv(cfg.APIKeyEnv)
	}
	connect := cfg.ConnectTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = streamTimeout
	}
	tr := newTransport(base, connect, cfg.HeaderTimeout)
	return &competitor{
		cfg: cfg, id: cfg.ID, base: base,
		chatURL: base + "/v1/chat/completions", modelsURL: base + "/v1/models", healthURL: base + hp,
		// Redirects are not followed (do): a competitor that redirects is
		// misconfigured, and following would replay the body elsewhere.
		apiKey: key, timeout: timeout, transport: tr, rt: tr,
		state: st,
	}
}

// idleCloser is a transport whose kept connections can be closed.
type idleCloser interface {
	http.RoundTripper
	CloseIdleConnections()
}

// Upstream connection pool bounds, the same for both transports.
const (
	maxIdlePerUpstream = 1024
	upstreamIdleTime   = 90 * time.Second
)

// newTransport returns the transport for an upstream at base. A plain-http
// upstream (the usual one: a competitor on the same host or cluster) goes
// through internal/h1's, which runs each exchange on the handler's
// goroutine and parses a plain head without net/http's allocations: net/http's
// transport was about half the gateway's CPU per relayed completion.
// It keeps net/http's bounds: the connect and header timeouts, a 10 MiB
// response head, idle connections dropped after 90 s; redirects are never
// followed either way (do). Anything else (https above all) goes through
// net/http's transport.
func newTransport(base string, connect, header time.Duration) idleCloser {
	if strings.HasPrefix(base, "http://") {
		return h1.New(h1.Options{MaxIdle: maxIdlePerUpstream, DialTimeout: connect,
			ResponseHeaderTimeout: header, IdleTimeout: upstreamIdleTime})
	}
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: maxIdlePerUpstream,
		IdleConnTimeout:     upstreamIdleTime,
		// Compression would make the transport buffer a stream.
		DisableCompression:    true,
		ResponseHeaderTimeout: header,
		TLSHandshakeTimeout:   connect,
	}
}

// routeError says why no competitor was chosen; param is the request field
// to blame.
type routeError struct {
	param, code, message string
}

// route picks the competitor for a request: an explicit id (from the body
// or the header) must exist, never falling back to the default; otherwise
// the first competitor serving the model; otherwise the default.
func (t *table) route(explicit, model string) (*competitor, *routeError) {
	if explicit != "" {
		if c := t.byID[explicit]; c != nil {
			return c, nil
		}
		return nil, &routeError{param: "competitor_id", code: "competitor_not_found",
			message: "competitor " + quote(explicit) + " is not registered with this gateway"}
	}
	for _, c := range t.list {
		if c.serves(model) {
			return c, nil
		}
	}
	if t.def != nil {
		return t.def, nil
	}
	return nil, &routeError{param: "model", code: "model_not_found",
		message: "no competitor serves the model " + quote(model) + " and no default competitor is configured"}
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + s + `"`
}
