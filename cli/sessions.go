package cli

import (
	"errors"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/sessions"
	"github.com/janus-bench/janus/internal/sqlstore"
)

// sessionsCommand serves the browser session service and manages its
// secret.
func sessionsCommand() *ucli.Command {
	storeF := &ucli.StringFlag{Name: "store", EnvVars: []string{"JANUS_SESSIONS_STORE"},
		Usage: "a SQLite file path or a postgres:// URL (default: $XDG_DATA_HOME/janus/sessions.db)"}
	return &ucli.Command{
		Name:  "sessions",
		Usage: "serve the browser session service (encrypted Playwright storage states per user)",
		Description: "POST/GET /sessions, GET/PUT/DELETE /sessions/{id}, GET /sessions/{id}/state, GET /sessions/by-name/{name},\n" +
			"/health (README, ## Browser session service; docs/SERVICES.md). The server secret (base64 of 32 bytes) comes from\n" +
			"--secret-file or " + sessions.EnvSecret + "; there is no default. Without --jwks-url or --api-keys the service runs\n" +
			"in dev mode on loopback only, trusting " + sessions.HeaderUser + ".",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "listen", Value: sessions.DefaultListen, EnvVars: []string{"JANUS_SESSIONS_LISTEN"}, Usage: "`ADDR` to listen on"},
			storeF,
			&ucli.StringFlag{Name: "secret-file", EnvVars: []string{"JANUS_SESSIONS_SECRET_FILE"}, Usage: "`FILE` holding the server secret (base64 of 32 bytes)"},
			&ucli.StringFlag{Name: "jwks-url", EnvVars: []string{"JANUS_SESSIONS_JWKS_URL"}, Usage: "JWKS `URL` that bearer JWTs are verified against"},
			&ucli.StringFlag{Name: "jwt-issuer", EnvVars: []string{"JANUS_SESSIONS_JWT_ISSUER"}, Usage: "required iss of JWTs"},
			&ucli.StringFlag{Name: "jwt-audience", EnvVars: []string{"JANUS_SESSIONS_JWT_AUDIENCE"}, Usage: "required aud of JWTs"},
			&ucli.StringFlag{Name: "api-keys", EnvVars: []string{"JANUS_SESSIONS_API_KEYS"}, Usage: "`FILE` of API keys: USER KEY per line (or KEY alone: a service key naming the user in " + sessions.HeaderUser + ")"},
			&ucli.Int64Flag{Name: "max-state-bytes", Value: sessions.DefaultMaxStateBytes, Usage: "largest storage state in `BYTES`"},
		},
		Subcommands: []*ucli.Command{
			{
				Name:  "rotate-secret",
				Usage: "re-encrypt every session from the old server secret to a new one, in one transaction",
				Flags: []ucli.Flag{storeF,
					&ucli.StringFlag{Name: "old-secret-file", Usage: "`FILE` with the current secret (default: " + sessions.EnvSecret + ")"},
					&ucli.StringFlag{Name: "new-secret-file", Required: true, Usage: "`FILE` with the new secret"},
				},
				Action: sessionsRotateSecret,
			},
			{
				Name:  "gen-secret",
				Usage: "print a new random server secret (base64 of 32 bytes)",
				Action: func(c *ucli.Context) error {
					fmt.Fprintln(stdout(c), sessions.NewSecret())
					return nil
				},
			},
		},
		Action: sessionsServe,
	}
}

// sessionsServe is the sessions command's action: it serves until the
// context ends; a missing secret or authentication is a usage error.
func sessionsServe(c *ucli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("sessions takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
	}
	keys, err := sessions.LoadSecret(c.String("secret-file"))
	if err != nil {
		return &UsageError{Err: err}
	}
	cfg := sessions.Config{DSN: c.String("store"), Keys: keys, JWKSURL: c.String("jwks-url"), JWTIssuer: c.String("jwt-issuer"),
		JWTAudience: c.String("jwt-audience"), MaxStateBytes: c.Int64("max-state-bytes"), Logger: logger()}
	if cfg.DSN == "" {
		cfg.DSN = sessions.DefaultDSN()
	}
	if f := c.String("api-keys"); f != "" {
		ks, err := apikeys.Load(f)
		if err != nil {
			return &UsageError{Err: err}
		}
		cfg.APIKeys = ks
	}
	out := stdout(c)
	err = sessions.Serve(c.Context, c.String("listen"), cfg, func(u string) {
		fmt.Fprintf(out, "janus sessions listening on %s (store %s, key %s)\n", u, sqlstore.Redact(cfg.DSN), keys.ID())
	})
	if err != nil && (strings.Contains(err.Error(), "no authentication") || errors.Is(err, sessions.ErrNoSecret)) {
		return &UsageError{Err: err}
	}
	return err
}

// sessionsRotateSecret is sessions rotate-secret's action: it re-encrypts
// every stored session from the old secret to the new one.
func sessionsRotateSecret(c *ucli.Context) error {
	from, err := sessions.LoadSecret(c.String("old-secret-file"))
	if err != nil {
		return &UsageError{Err: err}
	}
	to, err := sessions.LoadSecret(c.String("new-secret-file"))
	if err != nil {
		return &UsageError{Err: err}
	}
	dsn := c.String("store")
	if dsn == "" {
		dsn = sessions.DefaultDSN()
	}
	n, err := sessions.RotateSecret(c.Context, dsn, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout(c), "re-encrypted %d sessions in %s under key %s; restart the service with the new secret\n", n, sqlstore.Redact(dsn), to.ID())
	return nil
}
