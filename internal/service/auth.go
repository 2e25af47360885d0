package service

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/janus-bench/janus/leaderboard"
)

// access is what a route requires of the caller.
type access int

const (
	accessPublic access = iota // anyone (health, the OpenAPI document)
	accessRead                 // anyone while public read is on, else a key
	accessSubmit               // a submitter or admin key
	accessAdmin                // an admin key
)

// caller is who made a request: a key, or nobody.
type caller struct {
	key   *leaderboard.APIKey
	admin bool
}

// owner is the name competitors and runs of this caller are owned by.
func (c caller) owner() string {
	if c.key == nil {
		return ""
	}
	return c.key.Name
}

func (c caller) id() string {
	if c.key == nil {
		return ""
	}
	return c.key.ID
}

type callerKey struct{}

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// authenticate resolves the bearer token (if any) and checks the route's
// access. Without any key in the store and with Open set (a loopback
// listener), an anonymous caller acts as admin: `janus serve` alone is a
// working local platform.
func (s *Server) authenticate(r *http.Request, need access) (caller, *apiError) {
	tok := strings.TrimSpace(r.Header.Get("Authorization"))
	if tok == "" {
		tok = strings.TrimSpace(r.Header.Get("X-Api-Key"))
	} else if t, ok := strings.CutPrefix(tok, "Bearer "); ok {
		tok = strings.TrimSpace(t)
	} else {
		return caller{}, unauthorized("Authorization: want \"Bearer <key>\"")
	}
	var c caller
	if tok != "" {
		k, err := s.st.Authenticate(r.Context(), tok)
		if errors.Is(err, leaderboard.ErrBadKey) {
			return caller{}, unauthorized("invalid or revoked API key")
		}
		if err != nil {
			s.log.Error("authenticate", "err", err)
			return caller{}, internalError()
		}
		c = caller{key: &k, admin: k.Role == leaderboard.RoleAdmin}
	} else if s.open(r.Context()) {
		c.admin = true
	}
	switch need {
	case accessPublic:
	case accessRead:
		if !s.cfg.PublicRead && c.key == nil && !c.admin {
			return c, unauthorized("this service requires an API key to read")
		}
	case accessSubmit:
		if c.key == nil && !c.admin {
			return c, unauthorized("an API key is required (janus serve keys create)")
		}
	case accessAdmin:
		if !c.admin {
			return c, forbidden("this needs an admin key")
		}
	}
	return c, nil
}

// open says whether anonymous callers act as admin: only when the
// service was started with Open and no key exists yet.
func (s *Server) open(ctx context.Context) bool {
	if !s.cfg.Open {
		return false
	}
	has, err := s.st.HasKeys(ctx)
	return err == nil && !has
}
