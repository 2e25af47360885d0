// Package sessions is janus's browser session service: it keeps
// Playwright storage states (cookies, and localStorage per origin) for
// authenticated browsing by agents, encrypted at rest with AES-256-GCM
// under per-user keys that HKDF derives from a server secret and the user
// id. Users authenticate with bearer JWTs checked against a JWKS (issuer
// and audience required) or with API keys, and see only their own
// sessions. A storage state is never logged.
package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/sqlstore"
	"github.com/janus-bench/janus/internal/svc"
)

// DefaultListen is where `janus sessions` listens.
const DefaultListen = "127.0.0.1:8091"

// DefaultDSN is sessions.db under the janus data directory.
func DefaultDSN() string { return sqlstore.DefaultPath("sessions.db") }

// Config configures a Service.
type Config struct {
	// DSN is the store: a SQLite path or a postgres:// URL.
	DSN string
	// Keys holds the server secret (required).
	Keys *Keyring
	// JWKSURL, JWTIssuer and JWTAudience configure JWT authentication.
	JWKSURL, JWTIssuer, JWTAudience string
	// APIKeys are accepted bearer keys (USER KEY binds a key to a user).
	APIKeys *apikeys.Set
	// DevUserHeader trusts HeaderUser without credentials: for a loopback
	// service with no JWKS and no keys (Serve refuses it elsewhere).
	DevUserHeader bool
	// MaxStateBytes bounds a storage state; default DefaultMaxStateBytes.
	MaxStateBytes int64
	// Logger receives logs (ids and users, never a state); nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service is the browser session service. Safe for concurrent use.
type Service struct {
	cfg   Config
	store *store
	auth  *authenticator
	log   *slog.Logger
}

// New checks cfg, opens the store and builds the service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Keys == nil {
		return nil, ErrNoSecret
	}
	if cfg.JWKSURL == "" && cfg.APIKeys == nil && !cfg.DevUserHeader {
		return nil, errors.New("sessions: no authentication: set --jwks-url (with --jwt-issuer, --jwt-audience) or --api-keys")
	}
	if cfg.DSN == "" {
		cfg.DSN = DefaultDSN()
	}
	if cfg.MaxStateBytes <= 0 {
		cfg.MaxStateBytes = DefaultMaxStateBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	auth, err := newAuthenticator(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, cfg.DSN, service, migrations)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return &Service{cfg: cfg, store: &store{db: db}, auth: auth, log: cfg.Logger}, nil
}

// Close releases the store.
func (s *Service) Close() error { return s.store.db.Close() }

// Serve runs the service on addr until ctx is done. Without JWKS or API
// keys it runs in dev mode (the user named by HeaderUser), which it allows
// on a loopback address only.
func Serve(ctx context.Context, addr string, cfg Config, onListen func(url string)) error {
	if cfg.JWKSURL == "" && cfg.APIKeys == nil {
		host, _, err := net.SplitHostPort(addr)
		ip := net.ParseIP(host)
		if err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return errors.New("sessions: no authentication configured: set --jwks-url or --api-keys to listen on " + addr +
				" (without them the service trusts " + HeaderUser + " and listens on loopback only)")
		}
		cfg.DevUserHeader = true
		if cfg.Logger != nil {
			cfg.Logger.Warn("sessions: no --jwks-url or --api-keys: dev mode, the user is whoever " + HeaderUser + " names (loopback only)")
		}
	}
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := svc.Serve(ctx, addr, s.Handler(), s.log, onListen); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}
