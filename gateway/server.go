package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/baseurl"
	"github.com/janus-bench/janus/internal/buildinfo"
	"github.com/janus-bench/janus/internal/httpguard"
	"github.com/janus-bench/janus/internal/ratelimit"
	"github.com/janus-bench/janus/internal/svc"
	"github.com/janus-bench/janus/internal/wire"
)

// shutdownGrace bounds how long Serve lets in-flight streams finish after
// its context is done.
const shutdownGrace = 10 * time.Second

// Server is the gateway: routes, guards, the competitor registry and its
// background health checks. It is safe for any number of concurrent
// requests; Reload may run at any time.
type Server struct {
	opts      Options
	log       *slog.Logger
	reg       *registry
	metrics   *metrics
	keys      atomic.Pointer[apikeys.Set]
	limit     *ratelimit.Limiter
	flagComps []CompetitorConfig
	started   time.Time
	handler   http.Handler

	reloadMu  sync.Mutex
	fileStamp fileStamp

	models modelCache

	arena     *arenaStore    // nil without a data dir
	artifacts *artifactStore // nil without a data dir
	bgCancel  context.CancelFunc

	// sbLimit and sbSlots are the sandbox endpoint's own rate limit and
	// concurrency cap (nil when the endpoint is off).
	sbLimit *ratelimit.Limiter
	sbSlots chan struct{}
}

// fileStamp identifies a version of the config file cheaply: a write in
// place or a rename over it changes the modification time or the size.
type fileStamp struct {
	mod  time.Time
	size int64
}

// statStamp is the stamp of the file at path now.
func statStamp(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, fmt.Errorf("stat gateway config: %w", err)
	}
	return fileStamp{mod: st.ModTime(), size: st.Size()}, nil
}

// same reports whether two stamps name the same version of the file.
func (f fileStamp) same(g fileStamp) bool { return f.mod.Equal(g.mod) && f.size == g.size }

// New builds a gateway from opts: it parses the competitor flags, reads the
// config file and the API keys, and fails if the resulting configuration is
// invalid. It starts nothing; Run starts the background work.
func New(opts Options) (*Server, error) {
	opts.defaults()
	s := &Server{opts: opts, log: opts.Logger, reg: newRegistry(), metrics: newMetrics(), started: time.Now()}
	for _, spec := range opts.Competitors {
		c, err := ParseCompetitor(spec)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		s.flagComps = append(s.flagComps, c)
	}
	if opts.RateLimit > 0 {
		s.limit = ratelimit.New(opts.RateLimit, opts.RateBurst)
	}
	if opts.Sandbox.Enabled {
		if opts.APIKeysFile == "" {
			return nil, errors.New("gateway: the sandbox endpoint (--enable-sandbox) runs code for its callers and needs --api-keys")
		}
		s.sbLimit = ratelimit.New(opts.Sandbox.RateLimit, opts.Sandbox.RateBurst)
		s.sbSlots = make(chan struct{}, opts.Sandbox.Concurrency)
	}
	if err := s.Reload(context.Background()); err != nil {
		return nil, err
	}
	if opts.DataDir != "" {
		var err error
		if s.arena, err = openArenaStore(opts.DataDir); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		bg, cancel := context.WithCancel(context.Background())
		s.bgCancel = cancel
		s.artifacts, err = openArtifactStore(bg, opts.DataDir, opts.ArtifactMaxBytes, opts.ArtifactTTL, opts.Now, s.log)
		if err != nil {
			cancel()
			return nil, errors.Join(fmt.Errorf("gateway: %w", err), s.arena.close())
		}
		s.artifacts.counts = s.metrics.artifacts
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions/arena", s.handleArena)
	mux.HandleFunc("POST /v1/arena/vote", s.handleVote)
	mux.HandleFunc("GET /v1/artifacts/{id}", s.handleArtifact)
	mux.HandleFunc("POST /api/search/web", s.handleSearch)
	mux.HandleFunc("POST /api/research", s.handleResearch)
	mux.HandleFunc("POST /api/sandbox/create", s.handleSandbox)
	mux.HandleFunc("POST /v1/audio/transcriptions", s.handleTranscription)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("GET /v1/models/{model...}", s.handleModel)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("GET /ready", s.handleReady)
	mux.Handle("GET /metrics", s.metrics)
	mux.HandleFunc("/", s.handleNotFound)
	s.handler = s.middleware(mux)
	return s, nil
}

// Handler returns the gateway's routes wrapped in its guards.
func (s *Server) Handler() http.Handler { return s.handler }

// now is the gateway's clock (Options.Now).
func (s *Server) now() time.Time { return s.opts.Now() }

// Close releases the data dir's files: background artifact fetches are
// cancelled and awaited, the journals closed. Stop calls it.
func (s *Server) Close() error {
	if s.bgCancel != nil {
		s.bgCancel()
	}
	var err error
	if s.artifacts != nil {
		err = s.artifacts.close()
	}
	if s.arena != nil {
		err = errors.Join(err, s.arena.close())
	}
	return err
}

// SweepArtifacts forgets expired and failed artifacts and deletes the
// blobs nothing refers to any more. Opening the store does it once, and Run
// every ArtifactSweepInterval.
func (s *Server) SweepArtifacts() {
	if s.artifacts != nil {
		s.artifacts.sweep()
	}
}

// ArtifactSweepInterval is how often Run sweeps expired artifacts.
const ArtifactSweepInterval = time.Minute

// Reload re-reads the config file and the API key file and swaps in the new
// competitor table. On any error the running configuration stays as it
// was, so a half-edited file never takes the gateway down.
func (s *Server) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	var file FileConfig
	if s.opts.ConfigFile != "" {
		// The stamp is taken before the read and kept even when the file
		// does not load: the poller retries only once the file changes
		// again (a broken file is reported once, not at every poll), and a
		// write that lands during the read changes the stamp after it.
		st, err := statStamp(s.opts.ConfigFile)
		if err != nil {
			return fmt.Errorf("gateway reload: %w", err)
		}
		s.fileStamp = st
		if file, err = LoadFile(s.opts.ConfigFile); err != nil {
			return fmt.Errorf("gateway reload: %w", err)
		}
	}
	cfgs, err := merge(file.Competitors, s.flagComps)
	if err != nil {
		return fmt.Errorf("gateway reload: %w", err)
	}
	if len(cfgs) == 0 {
		return errors.New("gateway reload: no competitor configured (use --competitor id=http://host:port or a config file)")
	}
	if s.opts.APIKeysFile != "" {
		ks, err := apikeys.Load(s.opts.APIKeysFile)
		if err != nil {
			return fmt.Errorf("gateway reload: %w", err)
		}
		s.keys.Store(ks)
	}
	s.reg.set(cfgs, s.opts.StreamTimeout)
	s.models.invalidate()
	ids := make([]string, len(cfgs))
	for i, c := range cfgs {
		ids[i] = c.ID
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "gateway configuration loaded", slog.Any("competitors", ids))
	return nil
}

// pollConfig is one tick of the config file poller; seen is the stamp the
// previous tick saw. It reloads when the file differs from the loaded one
// and has not changed since the previous tick: a file still being written
// in place (an editor that truncates, then writes) is left for the next
// tick, so a reload reads a torn file only if its writer stalls for a whole
// interval. Writing the new file aside and renaming it over the old one
// leaves nothing torn to read at all.
func (s *Server) pollConfig(ctx context.Context, seen *fileStamp) {
	st, err := statStamp(s.opts.ConfigFile)
	if err != nil {
		// Between an editor's delete and its create; the next tick sees
		// the new file, and the running configuration stays meanwhile.
		return
	}
	settled := st.same(*seen)
	*seen = st
	s.reloadMu.Lock()
	loaded := s.fileStamp
	s.reloadMu.Unlock()
	if settled && !st.same(loaded) {
		s.reload(ctx, "config file changed")
	}
}

// Run does the background work until ctx is done: health checks, the
// models refresh that model routing relies on, polling the config file,
// and, with WatchSignals, reloading on SIGHUP.
func (s *Server) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.healthLoop(ctx) })
	if s.artifacts != nil {
		wg.Go(func() {
			t := time.NewTicker(ArtifactSweepInterval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					s.SweepArtifacts()
				}
			}
		})
	}
	if s.opts.ConfigFile != "" && s.opts.ReloadInterval > 0 {
		wg.Go(func() {
			t := time.NewTicker(s.opts.ReloadInterval)
			defer t.Stop()
			var seen fileStamp
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					s.pollConfig(ctx, &seen)
				}
			}
		})
	}
	if s.opts.WatchSignals {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		wg.Go(func() {
			defer signal.Stop(hup)
			for {
				select {
				case <-ctx.Done():
					return
				case <-hup:
					s.reload(ctx, "SIGHUP")
				}
			}
		})
	}
	wg.Wait()
}

func (s *Server) reload(ctx context.Context, why string) {
	if err := s.Reload(ctx); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "gateway reload failed; keeping the running configuration",
			slog.String("trigger", why), slog.Any("error", err))
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "gateway reloaded", slog.String("trigger", why))
}

// healthLoop probes every competitor now and then every HealthInterval,
// and keeps the models union fresh so that routing by discovered model ids
// works before any client asked for /v1/models.
func (s *Server) healthLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.HealthInterval)
	defer t.Stop()
	for {
		s.checkHealth(ctx)
		s.modelList(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkHealth probes every competitor once, concurrently.
func (s *Server) checkHealth(ctx context.Context) {
	timeout := min(s.opts.HealthInterval, 2*time.Second)
	var wg sync.WaitGroup
	for _, c := range s.reg.load().list {
		wg.Go(func() {
			ok := s.probe(ctx, c, timeout)
			was := c.state.healthy.Swap(ok)
			first := !c.state.checked.Swap(true)
			if was != ok || first {
				lvl := slog.LevelInfo
				if !ok {
					lvl = slog.LevelWarn
				}
				s.log.LogAttrs(ctx, lvl, "competitor health", slog.String("competitor", c.id), slog.Bool("healthy", ok))
			}
		})
	}
	wg.Wait()
}

// probe GETs the competitor's health path; any 2xx is healthy.
func (s *Server) probe(ctx context.Context, c *competitor, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.healthURL, nil)
	if err != nil {
		return false
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.do(req)
	if err != nil {
		return false
	}
	drain(resp)
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// health is the GET /health body.
type health struct {
	Status        string            `json:"status"`
	Version       string            `json:"version"`
	UptimeSeconds float64           `json:"uptime_seconds"`
	Competitors   []competitorState `json:"competitors"`
}

type competitorState struct {
	ID      string `json:"id"`
	Healthy bool   `json:"healthy"`
	Checked bool   `json:"checked"`
	Default bool   `json:"default,omitempty"`
}

func (s *Server) competitorStates() ([]competitorState, int) {
	t := s.reg.load()
	out := make([]competitorState, 0, len(t.list))
	healthy := 0
	for _, c := range t.list {
		h := c.state.healthy.Load()
		if h {
			healthy++
		}
		out = append(out, competitorState{ID: c.id, Healthy: h, Checked: c.state.checked.Load(), Default: c.cfg.Default})
	}
	return out, healthy
}

// handleHealth serves GET /health: the gateway process is alive; the
// competitors' states are informational.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	states, _ := s.competitorStates()
	svc.WriteJSON(w, http.StatusOK, health{Status: "ok", Version: buildinfo.Get(),
		UptimeSeconds: time.Since(s.started).Seconds(), Competitors: states})

}

// handleReady serves GET /ready: 200 when at least one competitor passed
// its last health check, else 503, so a load balancer only sends traffic
// to a gateway that can answer.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	states, healthy := s.competitorStates()
	status := http.StatusOK
	if healthy == 0 {
		status = http.StatusServiceUnavailable
	}
	svc.WriteJSON(w, status, struct {
		Ready       bool              `json:"ready"`
		Competitors []competitorState `json:"competitors"`
	}{healthy > 0, states})

}

// handleNotFound answers unknown paths and methods with an OpenAI error
// envelope rather than net/http's plain text.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/chat/completions", "/v1/models", "/health", "/ready", "/metrics", "/v1/chat/completions/arena", "/v1/arena/vote",
		"/api/search/web", "/api/research", "/api/sandbox/create", "/v1/audio/transcriptions":
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "",
			fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "",
		fmt.Sprintf("unknown path %s %s", r.Method, r.URL.Path))
}

// writeError writes an OpenAI error envelope.
func writeError(w http.ResponseWriter, status int, typ, code, param, msg string) {
	env := wire.NewError(typ, msg, param)
	if code != "" {
		env.Error.Code = code
	}
	svc.WriteJSON(w, status, env)
}

// Running is a gateway listening in the background, as Start returns it.
type Running struct {
	// URL is the base URL clients use, ending in /v1.
	URL string
	// Server is the gateway, for Reload and tests.
	Server *Server

	hs     *http.Server
	cancel context.CancelFunc
	errc   chan error
	bg     sync.WaitGroup
	once   sync.Once
	err    error
}

// Start listens on opts.Listen and serves in the background until Stop. ctx
// only bounds setup.
func Start(ctx context.Context, opts Options) (*Running, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.opts.Listen)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("gateway: listen on %s: %w", s.opts.Listen, err), s.Close())
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnContext:       httpguard.ConnContext,
		ConnState:         httpguard.ConnState,
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rn := &Running{URL: baseurl.For(ln.Addr()), Server: s, hs: hs, cancel: cancel, errc: make(chan error, 1)}
	rn.bg.Go(func() { s.Run(bctx) })
	go func() { rn.errc <- hs.Serve(httpguard.Listener(ln)) }()
	s.log.LogAttrs(ctx, slog.LevelInfo, "gateway listening", slog.String("url", rn.URL))
	return rn, nil
}

// Stop shuts the gateway down: in-flight requests may finish until ctx is
// done, then every connection is closed.
func (rn *Running) Stop(ctx context.Context) error {
	rn.once.Do(func() {
		err := rn.hs.Shutdown(ctx)
		if err != nil {
			err = errors.Join(fmt.Errorf("gateway: graceful shutdown: %w", err), rn.hs.Close())
		}
		if serr := <-rn.errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, fmt.Errorf("gateway: serve: %w", serr))
		}
		rn.cancel()
		rn.bg.Wait()
		for _, c := range rn.Server.reg.load().list {
			c.transport.CloseIdleConnections()
		}
		rn.err = errors.Join(err, rn.Server.Close())
	})
	return rn.err
}

// Serve runs the gateway until ctx is done, then gives in-flight streams a
// bounded grace period. A gateway stopped by its context returns nil.
func Serve(ctx context.Context, opts Options) error {
	rn, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		rn.Server.log.LogAttrs(ctx, slog.LevelInfo, "gateway shutting down", slog.String("url", rn.URL))
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		return rn.Stop(sctx)
	case err := <-rn.errc:
		rn.errc <- err // Stop reads it
		return errors.Join(fmt.Errorf("gateway: serve %s: %w", rn.URL, err), rn.Stop(context.Background()))
	}
}
