package cli

import (
	"os"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/tui"
)

// leaderboardCommand prints the leaderboard from the run store.
func leaderboardCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "leaderboard",
		Usage: "rank competitors by their best completed run per suite version (interactive on a terminal; --json for scripts)",
		Description: "Each competitor's best completed run per suite, suite version and split, ranked by composite;\n" +
			"RANGE is the rank range the 95% intervals allow (LMSYS style); PARETO marks the quality-vs-cost-per-\n" +
			"correct and quality-vs-speed frontiers. With --server the board (interactive or not) is a scoring\n" +
			"service's (janus serve), read through its API.",
		Flags: []ucli.Flag{storeFlag(), serverFlags(false)[0], serverFlags(false)[1],
			&ucli.StringFlag{Name: "suite", Usage: "only this suite"},
			&ucli.StringFlag{Name: "suite-version", Usage: "only this suite version"},
			&ucli.StringFlag{Name: "split", Usage: "only runs limited to this split (all: runs over the whole suite)"},
			&ucli.StringFlag{Name: "baseline", Value: "include", Usage: "baseline competitors: include, only or exclude"},
			&ucli.TimestampFlag{Name: "since", Layout: time.RFC3339, Usage: "best run among runs started at or after this RFC 3339 time"},
			&ucli.BoolFlag{Name: "json", Usage: "print JSON (for scripts)"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("leaderboard takes no arguments")
			}
			q := leaderboard.Query{Suite: c.String("suite"), SuiteVersion: c.String("suite-version"), Split: c.String("split"),
				Baseline: c.String("baseline")}
			if q.Baseline == "include" {
				q.Baseline = leaderboard.BaselineInclude
			}
			if ts := c.Timestamp("since"); ts != nil {
				q.Since = *ts
			}
			interactive := !c.Bool("json") && isTerminal(os.Stdin) && isTerminal(os.Stdout)
			if c.String("server") != "" && interactive {
				return tui.Run(c.Context, serverTUIOptions(c, q))
			}
			if c.String("server") != "" {
				return remoteLeaderboard(c, q)
			}
			if interactive {
				// A person at a terminal gets the interactive board; a read
				// command never creates the store it was pointed at.
				if err := leaderboard.StoreExists(c.String("store")); err != nil {
					return &leaderboard.InputError{Op: "leaderboard", Err: err}
				}
				return tui.Run(c.Context, tui.Options{Start: tui.ScreenLeaderboard, Store: c.String("store"), Query: q, NoColor: c.Bool("no-color") || os.Getenv("NO_COLOR") != ""})
			}
			return leaderboard.PrintLeaderboard(c.Context, c.String("store"), q, c.Bool("json"), stdout(c))
		},
	}
}

// serverTUIOptions open the interactive board on a scoring service's
// leaderboard (janus leaderboard --server on a terminal).
func serverTUIOptions(c *ucli.Context, q leaderboard.Query) tui.Options {
	cl := serviceClient(c)
	return tui.Options{Start: tui.ScreenLeaderboard, Store: "-", Query: q, NoColor: c.Bool("no-color") || os.Getenv("NO_COLOR") != "",
		Source: tui.ServerSource{Client: cl, Server: cl.Base, Query: service.LeaderboardQuery(q)}}
}
