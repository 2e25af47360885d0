package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
)

// serviceFlags are the flags `janus serve` and `janus worker` share.
func serviceFlags() []ucli.Flag {
	return []ucli.Flag{storeFlag(),
		&ucli.StringSliceFlag{Name: "allow-target", Usage: "CIDR, address or host competitor URLs may reach although internal (repeatable; e.g. 127.0.0.0/8)"},
		&ucli.DurationFlag{Name: "lease-ttl", Value: 30 * time.Second, Usage: "a worker's claim on a run lasts this long without renewal"},
		&ucli.DurationFlag{Name: "rescue-after", Value: 2 * time.Minute, Usage: "the queue hands a silent worker's job to another after this long"},
		&ucli.DurationFlag{Name: "run-timeout", Value: 2 * time.Hour, Usage: "longest a run may take"},
		&ucli.DurationFlag{Name: "retention", Usage: "delete finished runs older than this (0: keep all)"},
		&ucli.DurationFlag{Name: "grace", Value: 10 * time.Second, Usage: "on shutdown, time in-flight runs get before they are handed back"},
		&ucli.StringFlag{Name: "work-dir", Usage: "directory for in-flight report files (default: $TMPDIR/janus-service)"},
	}
}

func serviceConfig(c *ucli.Context, workers int) (service.Config, error) {
	ev, err := newEvaluator(c)
	if err != nil {
		return service.Config{}, err
	}
	// The baseline competitor's runs measure the embedded reference
	// target at its default pace (serve has no sim flags, so no error).
	start, _ := embeddedTarget(c, 0)
	return service.Config{Store: c.String("store"), Workers: workers, Evaluator: ev, AllowTargets: c.StringSlice("allow-target"),
		LeaseTTL: c.Duration("lease-ttl"), RescueAfter: c.Duration("rescue-after"), RunTimeout: c.Duration("run-timeout"),
		Retention: c.Duration("retention"), WorkDir: c.String("work-dir"), Version: versionString(), Logger: logger(),
		Reference: start}, nil
}

// serveCommand is `janus serve`: the scoring service.
func serveCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "serve",
		Usage: "serve the scoring service: a REST API over runs, competitors and the leaderboard, with its own workers (docs/SERVICE.md)",
		Description: "With no flags: a SQLite store under the data dir and an in-process worker, so `janus serve` alone is a\n" +
			"working platform. With --store postgres://… any number of `janus worker` processes share the queue.\n" +
			"While no API key exists, a loopback listener lets anonymous callers act as admin; create keys with\n" +
			"`janus serve keys create`.",
		Flags: append(serviceFlags(),
			&ucli.StringFlag{Name: "listen", Value: "127.0.0.1:8100", Usage: "address to listen on"},
			&ucli.IntFlag{Name: "workers", Value: 2, Usage: "runs this process executes at once (0: API only)"},
			&ucli.BoolFlag{Name: "public-read", Value: true, Usage: "callers without a key may read runs and the leaderboard"},
			&ucli.IntFlag{Name: "quota", Usage: "queued+running runs per submitter key created without a quota (0: no cap)"},
			gatewayFlag(), gatewayKeyEnvFlag(), demoFlag(),
		),
		Subcommands: []*ucli.Command{keysCommand()},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("serve takes no arguments (did you mean `janus serve keys`?)")
			}
			if c.Int("workers") < 0 {
				return usageErrorf("--workers %d: must not be negative", c.Int("workers"))
			}
			cfg, err := serviceConfig(c, c.Int("workers"))
			if err != nil {
				return err
			}
			cfg.PublicRead, cfg.DefaultQuota, cfg.Open = c.Bool("public-read"), c.Int("quota"), loopback(c.String("listen"))
			demoDir, err := demoStore(c, &cfg)
			if err != nil {
				return err
			}
			if demoDir != "" {
				defer os.RemoveAll(demoDir)
			}
			s, err := service.New(c.Context, cfg)
			if err != nil {
				return err
			}
			w, err := mountWeb(c, s, cfg)
			if err != nil {
				s.Close(context.Background())
				return err
			}
			closeChat, err := mountChat(c.Context, c, s, cfg, w.Sessions())
			if err != nil {
				s.Close(context.Background())
				return err
			}
			defer closeChat()
			return s.ListenAndServe(c.Context, service.ServeOptions{Listen: c.String("listen"), Grace: c.Duration("grace"),
				Ready: func(addr string) { fmt.Fprintf(c.App.ErrWriter, "janus serve: listening on http://%s\n", addr) }})
		},
	}
}

// loopback says whether a listen address binds only loopback.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// workerCommand is `janus worker`: executes queued runs of a shared store.
func workerCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "worker",
		Usage: "execute queued runs of the scoring service (any number of processes on a postgres:// store)",
		Flags: append(serviceFlags(),
			&ucli.IntFlag{Name: "workers", Value: 2, Usage: "runs this process executes at once"}),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("worker takes no arguments")
			}
			if c.Int("workers") < 1 {
				return usageErrorf("--workers %d: must be at least 1", c.Int("workers"))
			}
			cfg, err := serviceConfig(c, c.Int("workers"))
			if err != nil {
				return err
			}
			s, err := service.New(c.Context, cfg)
			if err != nil {
				return err
			}
			return s.Work(c.Context, c.Duration("grace"))
		},
	}
}

// keysCommand manages the service's API keys.
func keysCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "keys",
		Usage: "create, list and revoke API keys of the scoring service",
		Subcommands: []*ucli.Command{
			{
				Name:  "create",
				Usage: "create a key; its token is printed once (only its hash is stored)",
				Flags: []ucli.Flag{storeFlag(),
					&ucli.StringFlag{Name: "name", Required: true, Usage: "who holds it (owns its competitors)"},
					&ucli.StringFlag{Name: "role", Value: leaderboard.RoleSubmitter, Usage: "admin or submitter"},
					&ucli.IntFlag{Name: "quota", Usage: "queued+running runs allowed (0: the service default)"}},
				Action: func(c *ucli.Context) error {
					return withStore(c, func(ctx context.Context, st *leaderboard.Store) error {
						k, tok, err := st.CreateKey(ctx, c.String("name"), c.String("role"), c.Int("quota"))
						if err != nil {
							return err
						}
						fmt.Fprintf(stdout(c), "%s\n", tok)
						fmt.Fprintf(c.App.ErrWriter, "key %s (%s, %s) created; the token above is not shown again\n", k.ID, k.Name, k.Role)
						return nil
					})
				},
			},
			{
				Name:  "list",
				Usage: "list keys (never their tokens)",
				Flags: []ucli.Flag{storeFlag()},
				Action: func(c *ucli.Context) error {
					return withStore(c, func(ctx context.Context, st *leaderboard.Store) error {
						ks, err := st.ListKeys(ctx)
						if err != nil {
							return err
						}
						tw := tabwriter.NewWriter(stdout(c), 0, 4, 2, ' ', 0)
						fmt.Fprintln(tw, "ID\tNAME\tROLE\tQUOTA\tCREATED\tREVOKED")
						for _, k := range ks {
							rev := "-"
							if k.RevokedAt != nil {
								rev = k.RevokedAt.Format(time.RFC3339)
							}
							fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", k.ID, k.Name, k.Role, k.Quota, k.CreatedAt.Format(time.RFC3339), rev)
						}
						return tw.Flush()
					})
				},
			},
			{
				Name:      "revoke",
				Usage:     "revoke a key by id",
				ArgsUsage: "KEY_ID",
				Flags:     []ucli.Flag{storeFlag()},
				Action: func(c *ucli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("keys revoke takes one KEY_ID")
					}
					return withStore(c, func(ctx context.Context, st *leaderboard.Store) error {
						if err := st.RevokeKey(ctx, c.Args().First()); err != nil {
							return err
						}
						fmt.Fprintf(stdout(c), "revoked %s\n", c.Args().First())
						return nil
					})
				},
			},
		},
	}
}

func withStore(c *ucli.Context, f func(context.Context, *leaderboard.Store) error) error {
	st, err := leaderboard.Open(c.Context, c.String("store"))
	if err != nil {
		return err
	}
	defer st.Close()
	return f(c.Context, st)
}
