// Package memory is janus's memory service: it extracts short facts about
// a user from a conversation with any OpenAI-compatible model (a JSON
// schema'd answer, checked before anything is stored) and recalls the
// facts relevant to a new prompt, with BM25 by default or embeddings from
// an OpenAI-compatible /v1/embeddings endpoint. Memories live in a SQLite
// file or a PostgreSQL database (internal/sqlstore), capped per user with
// least-recently-used eviction, and every user is rate limited.
package memory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/ratelimit"
	"github.com/janus-bench/janus/internal/sqlstore"
	"github.com/janus-bench/janus/internal/svc"
)

// Defaults of Config.
const (
	DefaultListen        = "127.0.0.1:8090"
	DefaultMaxPerUser    = 200
	DefaultRatePerMinute = 120
	DefaultK             = 5
	MaxK                 = 50
	// DefaultMaxBodyBytes bounds a request body.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxMessages bounds a conversation's messages.
	DefaultMaxMessages = 200
	// DefaultMaxMessageChars bounds one message's content, in characters.
	DefaultMaxMessageChars = 16_000
	// DefaultMaxConversationChars bounds the whole conversation.
	DefaultMaxConversationChars = 128_000
	// DefaultMaxPromptChars bounds a recall prompt.
	DefaultMaxPromptChars = 8_000
	// sourceTextChars is how much of the source message a memory keeps.
	sourceTextChars = 500
)

// DefaultDSN is JANUS_MEMORY_STORE, else memory.db under the janus data
// directory.
func DefaultDSN() string { return sqlstore.DefaultPath("memory.db") }

// Config configures a Service.
type Config struct {
	// DSN is the store: a SQLite path or a postgres:// URL.
	DSN string
	// LLMURL is the extraction model's OpenAI-compatible base URL (ending
	// in /v1); LLMModel its model; LLMKey an optional bearer key.
	LLMURL, LLMModel, LLMKey string
	// LLMTimeout bounds one extraction call; default 60s.
	LLMTimeout time.Duration
	// EmbedURL switches recall to embeddings (cosine similarity over
	// vectors stored with the memories); empty means BM25.
	EmbedURL, EmbedModel, EmbedKey string
	// MinSimilarity is the lowest cosine similarity recalled (default 0:
	// the k best with any positive similarity).
	MinSimilarity float64
	// MaxPerUser caps each user's memories; the least recently used
	// (created, recalled or read) are evicted. Default DefaultMaxPerUser.
	MaxPerUser int
	// RatePerMinute is each user's sustained request rate, with a burst of
	// the same size; default DefaultRatePerMinute; negative disables.
	RatePerMinute float64
	// Limits on input sizes; zero means the defaults above.
	MaxBodyBytes         int64
	MaxMessages          int
	MaxMessageChars      int
	MaxConversationChars int
	MaxPromptChars       int
	// APIKeys, when set, is required of every request but /health; a key
	// bound to a user may only act for that user.
	APIKeys *apikeys.Set
	// HTTPClient calls the model endpoints; nil means a default client.
	HTTPClient *http.Client
	// Logger receives logs (never a memory's text); nil discards.
	Logger *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Service is a running memory service. Safe for concurrent use.
type Service struct {
	cfg      Config
	store    *store
	llm      *llmClient
	embedder *embedClient
	limiter  *ratelimit.Limiter
	log      *slog.Logger
}

// New opens the store and builds the service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.LLMURL == "" {
		return nil, errors.New("memory: an extraction model URL is required (--llm-url)")
	}
	if cfg.LLMModel == "" {
		return nil, errors.New("memory: the extraction model's name is required (--llm-model)")
	}
	if cfg.EmbedURL != "" && cfg.EmbedModel == "" {
		return nil, errors.New("memory: --embed-url needs --embed-model")
	}
	defaults(&cfg)
	db, err := sqlstore.Open(ctx, cfg.DSN, service, migrations)
	if err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	s := &Service{cfg: cfg, store: &store{db: db}, log: cfg.Logger,
		llm:     &llmClient{url: cfg.LLMURL, model: cfg.LLMModel, key: cfg.LLMKey, hc: cfg.HTTPClient},
		limiter: ratelimit.New(cfg.RatePerMinute/60, int(math.Max(1, math.Ceil(cfg.RatePerMinute))))}
	if cfg.EmbedURL != "" {
		s.embedder = &embedClient{url: cfg.EmbedURL, model: cfg.EmbedModel, key: cfg.EmbedKey, hc: cfg.HTTPClient}
	}
	return s, nil
}

func defaults(cfg *Config) {
	if cfg.DSN == "" {
		cfg.DSN = DefaultDSN()
	}
	if cfg.LLMTimeout <= 0 {
		cfg.LLMTimeout = time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.LLMTimeout}
	}
	if cfg.MaxPerUser <= 0 {
		cfg.MaxPerUser = DefaultMaxPerUser
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = DefaultRatePerMinute
	}
	setDefault(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&cfg.MaxMessages, DefaultMaxMessages)
	setDefault(&cfg.MaxMessageChars, DefaultMaxMessageChars)
	setDefault(&cfg.MaxConversationChars, DefaultMaxConversationChars)
	setDefault(&cfg.MaxPromptChars, DefaultMaxPromptChars)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

func setDefault[T int | int64](p *T, v T) {
	if *p <= 0 {
		*p = v
	}
}

// Close releases the store.
func (s *Service) Close() error { return s.store.db.Close() }

// Method is the recall method in use: MethodBM25 or MethodEmbeddings.
func (s *Service) Method() string {
	if s.embedder != nil {
		return MethodEmbeddings
	}
	return MethodBM25
}

// Serve runs the service on addr until ctx is done. onListen, if set, gets
// the base URL once listening.
func Serve(ctx context.Context, addr string, cfg Config, onListen func(url string)) error {
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	s.log.LogAttrs(ctx, slog.LevelInfo, "memory service starting", slog.String("store", s.store.db.Dialect),
		slog.String("recall", s.Method()), slog.String("llm", cfg.LLMURL))
	if err := svc.Serve(ctx, addr, s.Handler(), s.log, onListen); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	return nil
}
