package cli

import (
	"context"
	"net/http"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/service"
	"github.com/janus-bench/janus/web/chat"
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
// Until the web pages' sign-in is wired, a loopback-only service has one
// local user ("local"); a service on another address serves the pages
// only to signed-in users, i.e. to nobody yet.
func mountChat(ctx context.Context, c *ucli.Context, s *service.Server, cfg service.Config) (func() error, error) {
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
	local := cfg.Open
	user := func(*http.Request) (string, bool) { return "local", local }
	key := ""
	if env := c.String("gateway-key-env"); env != "" {
		key = os.Getenv(env)
	}
	h, err := chat.New(chat.Options{Gateway: gw, GatewayKey: key, User: user, CSRF: chat.UserCSRF(user), Logger: logger()}, st)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	h.Mount(s.Handle)
	return st.Close, nil
}
