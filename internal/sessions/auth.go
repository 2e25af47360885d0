package sessions

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/svc"
)

// HeaderUser names the acting user for a service API key (one bound to no
// user), and in dev mode (no auth configured, loopback only).
const HeaderUser = "X-Janus-User-Id"

// authenticator turns a request into a user id.
type authenticator struct {
	keys     *apikeys.Set
	jwks     keyfunc.Keyfunc
	issuer   string
	audience string
	dev      bool
}

func newAuthenticator(ctx context.Context, cfg Config) (*authenticator, error) {
	a := &authenticator{keys: cfg.APIKeys, issuer: cfg.JWTIssuer, audience: cfg.JWTAudience, dev: cfg.DevUserHeader}
	if cfg.JWKSURL != "" {
		if cfg.JWTIssuer == "" || cfg.JWTAudience == "" {
			return nil, fmt.Errorf("sessions: --jwks-url needs --jwt-issuer and --jwt-audience")
		}
		kf, err := keyfunc.NewDefaultCtx(ctx, []string{cfg.JWKSURL})
		if err != nil {
			return nil, fmt.Errorf("sessions: JWKS %s: %w", cfg.JWKSURL, err)
		}
		a.jwks = kf
	}
	return a, nil
}

// mode describes the configured authentication for /health.
func (a *authenticator) mode() string {
	var m []string
	if a.jwks != nil {
		m = append(m, "jwt")
	}
	if a.keys != nil {
		m = append(m, "api_keys")
	}
	if a.dev {
		m = append(m, "dev_user_header")
	}
	return strings.Join(m, "+")
}

func unauthorized(format string, args ...any) error {
	return &svc.Error{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "invalid_token", Message: fmt.Sprintf(format, args...)}
}

// user authenticates r: a bearer JWT (three dot-separated parts) against
// the JWKS, with issuer, audience and expiry checked, its sub the user;
// else an API key, bound to a user or naming one in HeaderUser.
func (a *authenticator) user(r *http.Request) (string, error) {
	tok := apikeys.Presented(r)
	if tok == "" {
		if a.dev {
			return checkUser(r.Header.Get(HeaderUser))
		}
		return "", unauthorized("authentication required: Authorization: Bearer <JWT or API key>")
	}
	if strings.Count(tok, ".") == 2 && a.jwks != nil {
		claims := jwt.RegisteredClaims{}
		_, err := jwt.ParseWithClaims(tok, &claims, a.jwks.Keyfunc, jwt.WithIssuer(a.issuer), jwt.WithAudience(a.audience),
			jwt.WithExpirationRequired(), jwt.WithValidMethods([]string{"RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"}))
		if err != nil {
			return "", unauthorized("invalid token: %v", err)
		}
		if claims.Subject == "" {
			return "", unauthorized("invalid token: no sub claim")
		}
		if len(claims.Subject) > 255 || strings.IndexFunc(claims.Subject, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return "", unauthorized("invalid token: sub is over 255 bytes or holds control characters")
		}
		return claims.Subject, nil
	}
	owner, ok := a.keys.Lookup(tok)
	if !ok {
		return "", unauthorized("unknown API key or token")
	}
	if owner != "" {
		return owner, nil
	}
	return checkUser(r.Header.Get(HeaderUser))
}

func checkUser(u string) (string, error) {
	if u == "" {
		return "", unauthorized("no user: a service key must name the user in %s", HeaderUser)
	}
	if !apikeys.UserIDPattern.MatchString(u) {
		return "", unauthorized("user id %q: want 1-128 of A-Z a-z 0-9 . _ : @ -", clip.Bytes(u, 40, clip.Ellipsis))
	}
	return u, nil
}
