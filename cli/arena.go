package cli

import (
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/leaderboard"
)

// arenaCommand imports arena votes and rates competitors from them.
func arenaCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "arena",
		Usage: "import pairwise votes and compute arena ratings (Elo, Bradley-Terry)",
		Subcommands: []*ucli.Command{
			{
				Name:      "import",
				Usage:     "store votes from JSONL files written by the gateway (idempotent by vote id)",
				ArgsUsage: "VOTES.jsonl…",
				Flags:     []ucli.Flag{storeFlag()},
				Action: func(c *ucli.Context) error {
					args, err := positional(c)
					if err != nil {
						return err
					}
					if len(args) == 0 {
						return usageErrorf("arena import needs at least one VOTES.jsonl")
					}
					return leaderboard.ImportVotes(c.Context, c.String("store"), args, stdout(c))
				},
			},
			{
				Name:  "ratings",
				Usage: "rate competitors from the stored votes",
				Flags: []ucli.Flag{storeFlag(),
					&ucli.StringFlag{Name: "method", Value: "bt", Usage: "bt (Bradley-Terry with bootstrap CI95) or elo (K=32, as the Janus PoC)"},
					&ucli.IntFlag{Name: "bootstrap", Value: 200, Usage: "bt: bootstrap resamples for the CI (negative: none)"},
					&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "bt: bootstrap seed"},
					&ucli.TimestampFlag{Name: "since", Layout: time.RFC3339, Usage: "only votes cast at or after this RFC 3339 time"},
					&ucli.BoolFlag{Name: "json", Usage: "print JSON"},
				},
				Action: func(c *ucli.Context) error {
					if c.NArg() > 0 {
						return usageErrorf("arena ratings takes no arguments")
					}
					o := leaderboard.RatingsOptions{Method: c.String("method"), JSON: c.Bool("json"),
						BT: leaderboard.BTOptions{Bootstrap: c.Int("bootstrap"), Seed: c.Uint64("seed")}}
					if ts := c.Timestamp("since"); ts != nil {
						o.Filter.Since = *ts
					}
					return leaderboard.PrintRatings(c.Context, c.String("store"), o, stdout(c))
				},
			},
		},
	}
}
