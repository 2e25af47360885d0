package baseline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/baseurl"
	"github.com/janus-bench/janus/internal/buildinfo"
	"github.com/janus-bench/janus/internal/httpguard"
	"github.com/janus-bench/janus/internal/svc"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/suites"
)

// shutdownGrace bounds how long Serve lets in-flight streams finish after
// its context is done.
const shutdownGrace = 10 * time.Second

// Server is the baseline's HTTP surface over one Provider. It is safe for
// any number of concurrent requests and keeps no per-request state between
// them.
type Server struct {
	cfg      Config
	provider Provider
	log      *slog.Logger
	started  time.Time
	mux      *http.ServeMux
	jangar   *jangar
	// artifacts holds tool outputs for GET /v1/artifacts/{id}.
	artifacts *artifactStore
	// prices prices usage the handler has to count itself.
	prices  pricing.Prices
	handler http.Handler
	// memory recalls and extracts through a memory service; nil without one.
	memory *memoryHook
}

// New builds a Server, filling in Config defaults. Without a Provider it
// builds the sim, loading the embedded smoke suite as its oracle when
// cfg.Suites is nil.
func New(cfg Config) (*Server, error) {
	if cfg.Model == "" && len(cfg.Models) > 0 {
		cfg.Model = cfg.Models[0]
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.Pace == (Pace{}) {
		cfg.Pace = DefaultPace()
	}
	cfg.Pace = cfg.Pace.normalized()
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = httpguard.DefaultReadHeaderTimeout
	}
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = httpguard.DefaultBodyReadTimeout
	}
	store := newArtifactStore(cfg.ArtifactTTL)
	prices := simPrices()
	if cfg.Prices != nil {
		prices = *cfg.Prices
	}
	if cfg.Provider == nil && cfg.ProviderName == ProviderOpenAI {
		p, err := newUpstreamRouter(&cfg, store)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		if p != nil {
			cfg.Provider = p
			if cfg.Prices == nil {
				prices = pricing.DefaultPrices()
			}
		}
	}
	if cfg.Provider == nil {
		if cfg.Suites == nil {
			smoke, err := suites.Load(context.Background(), "smoke")
			if err != nil {
				return nil, fmt.Errorf("baseline: load oracle suite: %w", err)
			}
			cfg.Suites = []*suites.Suite{smoke}
		}
		sp, err := newProfiledSim(cfg)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		cfg.Provider = simMemory{inner: newSimRouter(cfg, sp, store, prices)}
	}
	jg, err := newJangar(cfg)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	if r, ok := cfg.Provider.(*router); ok && r.inner == nil {
		jg.upstream = r.served // the upstream's models are served too
	}
	s := &Server{cfg: cfg, provider: cfg.Provider, log: cfg.Logger,
		started: time.Now(), mux: http.NewServeMux(), jangar: jg, artifacts: store, prices: prices, memory: newMemoryHook(cfg)}
	s.routes()
	s.handler = s.mux
	if cfg.MaxConcurrency > 0 {
		s.handler = limitConcurrency(s.mux, cfg.MaxConcurrency)
	}
	if cfg.APIKeysFile != "" {
		keys, err := apikeys.Load(cfg.APIKeysFile)
		if err != nil {
			return nil, errors.Join(&ConfigError{Field: "api keys", Msg: err.Error()}, s.Close())
		}
		s.handler = s.requireKey(keys, s.handler)
	}
	s.handler = httpguard.Handler(s.handler)
	return s, nil
}

// routes registers the server's endpoints on its mux.
func (s *Server) routes() {
	s.jangar.register(s.mux)
	s.mux.HandleFunc("/v1/chat/completions", s.handleChat)
	// Jangar's route (jangar-readme.md), for clients configured for it.
	s.mux.HandleFunc(JangarChatPath, s.handleChat)
	s.mux.HandleFunc("/openai/v1/models", s.handleModels)
	s.mux.HandleFunc("/v1/artifacts/{id}", s.handleArtifact)
	s.mux.HandleFunc("/v1/embeddings", s.handleEmbeddings)
	s.mux.HandleFunc("/v1/models", s.handleModels)
	s.mux.HandleFunc("/v1/models/{model}", s.handleModel)
	s.mux.HandleFunc("/health", s.handleHealth)
	s.mux.HandleFunc("/", s.handleNotFound)
}

// Close releases what New opened (a Redis connection pool). Start's stop
// and Serve call it; a caller of New alone calls it when done.
func (s *Server) Close() error { return s.jangar.close() }

// Handler returns the server's routes: /v1/chat/completions, /v1/models,
// /v1/models/{model} and /health.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) model() wire.Model {
	return wire.Model{ID: s.cfg.Model, Object: "model", Created: s.started.Unix(), OwnedBy: "janus"}
}

// handleModels serves GET /v1/models.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	if !s.allowGet(w, r) {
		return
	}
	list := wire.ModelList{Object: "list", Data: []wire.Model{s.model()}}
	for _, id := range s.jangar.modelIDs(r.Context()) {
		if id != s.cfg.Model {
			list.Data = append(list.Data, wire.Model{ID: id, Object: "model", Created: s.started.Unix(), OwnedBy: "janus"})
		}
	}
	s.writeJSON(r.Context(), w, http.StatusOK, list)
}

// handleModel serves GET /v1/models/{model}.
func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	if !s.allowGet(w, r) {
		return
	}
	if id := r.PathValue("model"); !s.jangar.servesModel(r.Context(), id) {
		s.writeError(r.Context(), w, "", &RequestError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "model_not_found",
			Param: "model", Message: fmt.Sprintf("the model %q does not exist; this server serves %q", id, s.cfg.Model)})
		return
	}
	m := s.model()
	m.ID = r.PathValue("model")
	s.writeJSON(r.Context(), w, http.StatusOK, m)
}

// health is the GET /health body.
type health struct {
	Status        string   `json:"status"`
	Version       string   `json:"version"`
	UptimeSeconds float64  `json:"uptime_seconds"`
	Provider      string   `json:"provider"`
	Model         string   `json:"model"`
	Features      []string `json:"features"`
}

// handleHealth serves GET /health.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if !s.allowGet(w, r) {
		return
	}
	features := []string{"chat_completions", "streaming", "include_usage", "request_id"}
	if s.cfg.KeepAlive > 0 {
		features = append(features, "keepalive")
	}
	s.writeJSON(r.Context(), w, http.StatusOK, health{Status: "ok", Version: buildinfo.Get(),
		UptimeSeconds: time.Since(s.started).Seconds(), Provider: s.provider.Name(), Model: s.cfg.Model,
		Features: append(append(features, s.provider.Features()...), s.jangar.features()...)})
}

// handleNotFound answers unknown paths with an OpenAI error envelope rather
// than net/http's plain text, so clients report something readable.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(r.Context(), w, "", &RequestError{Status: http.StatusNotFound, Type: "invalid_request_error",
		Message: fmt.Sprintf("unknown path %s %s", r.Method, r.URL.Path)})
}

// allowGet answers 405 for anything but GET and HEAD.
func (s *Server) allowGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	s.writeError(r.Context(), w, "", &RequestError{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error",
		Message: fmt.Sprintf("method %s is not allowed on %s; use GET", r.Method, r.URL.Path)})
	return false
}

// writeError writes re as an OpenAI error envelope.
func (s *Server) writeError(ctx context.Context, w http.ResponseWriter, rid string, re *RequestError) {
	s.log.LogAttrs(ctx, slog.LevelDebug, "request rejected", slog.String("request_id", rid),
		slog.Int("status", re.Status), slog.String("param", re.Param), slog.String("message", re.Message))
	env := wire.NewError(re.Type, re.Message, re.Param)
	if re.Code != "" {
		env.Error.Code = re.Code
	}
	s.writeJSON(ctx, w, re.Status, env)
}

// writeJSON writes v with status, logging what fails.
func (s *Server) writeJSON(ctx context.Context, w http.ResponseWriter, status int, v any) {
	svc.WriteJSONLogged(ctx, s.log, w, status, v)
}

// running is a listening server.
type running struct {
	url  string
	hs   *http.Server
	errc chan error
	log  *slog.Logger
	stop func(context.Context) error
	srv  *Server
}

// listen binds addr and serves cfg's Server on it in a goroutine.
func listen(ctx context.Context, addr string, cfg Config) (*running, error) {
	srv, err := New(cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("baseline: listen on %s: %w", addr, err), srv.Close())
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: srv.cfg.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       httpguard.ConnContext,
		ConnState:         httpguard.ConnState,
		ErrorLog:          slog.NewLogLogger(srv.log.Handler(), slog.LevelWarn),
	}
	rn := &running{url: baseurl.For(ln.Addr()), hs: hs, errc: make(chan error, 1), log: srv.log, srv: srv}
	go func() { rn.errc <- hs.Serve(httpguard.Listener(ln)) }()
	var once sync.Once
	var stopErr error
	rn.stop = func(ctx context.Context) error {
		once.Do(func() { stopErr = rn.shutdown(ctx) })
		return stopErr
	}
	srv.log.LogAttrs(ctx, slog.LevelInfo, "baseline listening", slog.String("url", rn.url),
		slog.String("model", srv.cfg.Model), slog.String("provider", srv.provider.Name()))
	return rn, nil
}

// shutdown lets in-flight requests finish until ctx is done, then closes
// every connection.
func (rn *running) shutdown(ctx context.Context) error {
	err := rn.hs.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("baseline: graceful shutdown: %w", err), rn.hs.Close())
	}
	if serr := <-rn.errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("baseline: serve: %w", serr))
	}
	if cerr := rn.srv.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("baseline: close: %w", cerr))
	}
	return err
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in a goroutine.
// It returns the base URL ending in "/v1" and a stop func that shuts down
// gracefully, bounded by its ctx, after which it force-closes connections.
// ctx only bounds setup: the server runs until stop is called.
func Start(ctx context.Context, addr string, cfg Config) (baseURL string, stop func(context.Context) error, err error) {
	rn, err := listen(ctx, addr, cfg)
	if err != nil {
		return "", nil, err
	}
	return rn.url, rn.stop, nil
}

// Serve listens on addr and serves until ctx is done, then gives in-flight
// streams a bounded grace period to finish. A server that stops because
// its context ended returns nil.
func Serve(ctx context.Context, addr string, cfg Config) error {
	rn, err := listen(ctx, addr, cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		rn.log.LogAttrs(ctx, slog.LevelInfo, "baseline shutting down", slog.String("url", rn.url))
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		return rn.stop(sctx)
	case err := <-rn.errc:
		return errors.Join(fmt.Errorf("baseline: serve %s: %w", rn.url, err), rn.hs.Close(), rn.srv.Close())
	}
}
