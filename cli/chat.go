package cli

import (
	"context"
	"net/http"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/internal/web"
	"github.com/janus-bench/janus/internal/web/chat"
	"github.com/janus-bench/janus/leaderboard"
)

// gatewayFlag is `janus serve --gateway`: the chat pages' gateway.
func gatewayFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "gateway", Usage: "serve the chat and arena pages (/chat) talking to this janus gateway (http://host:port)"}
}

// gatewayKeyEnvFlag names where the gateway's API key is, if it checks keys.
func gatewayKeyEnvFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "gateway-key-env", Usage: "environment variable holding the API key the chat pages send to the gateway"}
}

// mountChat adds the chat pages to the service when --gateway is set. The
// conversations live in the service's store (their own migrations table).
// Who is signed in and the CSRF check are the web pages' sign-in
// (sessions): one sign-in for the leaderboard's submit page and the chat;
// an open loopback service (no API key yet) has one user, "local".
func mountChat(ctx context.Context, c *ucli.Context, s *service.Server, cfg service.Config, sessions web.SessionLookup) (func() error, error) {
	gw := c.String("gateway")
	if gw == "" {
		return func() error { return nil }, nil
	}
	dsn := cfg.Store
	if dsn == "" {
		dsn = leaderboard.DefaultDSN()
	}
	st, err := chat.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	open := cfg.Open
	user := func(r *http.Request) (string, bool) {
		if sess, ok := sessions.Lookup(r); ok {
			// Conversations belong to the key the visitor signed in with.
			return sess.KeyID, true
		}
		// A loopback service with no API key yet (Config.Open) has one
		// local user, as its API lets anonymous callers act as admin.
		if !open {
			return "", false
		}
		has, err := s.Store().HasKeys(r.Context())
		return "local", err == nil && !has
	}
	csrf := chat.CSRF{Token: sessions.CSRFToken, Check: sessions.CheckCSRF}
	key := ""
	if env := c.String("gateway-key-env"); env != "" {
		key = os.Getenv(env)
	}
	h, err := chat.New(chat.Options{Gateway: gw, GatewayKey: key, User: user, CSRF: csrf, SignInURL: "/signin", Logger: logger()}, st)
	if err != nil {
		st.Close()
		return nil, usageErrorf("%v", err)
	}
	h.Mount(s.Handle)
	return st.Close, nil
}
