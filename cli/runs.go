package cli

import (
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/leaderboard"
)

// runsCommand manages the runs in the store.
func runsCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "runs",
		Usage: "list, show, delete and import runs in the run store; submit, watch and cancel runs on a scoring service",
		Subcommands: append([]*ucli.Command{
			{
				Name:  "list",
				Usage: "list stored runs, newest first",
				Flags: []ucli.Flag{storeFlag(),
					&ucli.StringFlag{Name: "suite", Usage: "only runs of this suite"},
					&ucli.StringFlag{Name: "competitor", Usage: "only runs of this competitor"},
					&ucli.StringFlag{Name: "status", Usage: "only runs with this status (running, completed, failed, cancelled)"},
					&ucli.TimestampFlag{Name: "since", Layout: time.RFC3339, Usage: "only runs started at or after this RFC 3339 time"},
					&ucli.IntFlag{Name: "limit", Value: 100, Usage: "at most this many runs"},
					&ucli.BoolFlag{Name: "json", Usage: "print JSON"},
				},
				Action: runsList,
			},
			{
				Name:      "show",
				Usage:     "show one run: scores and tasks (--json: everything, with the report)",
				ArgsUsage: "RUN_ID",
				Flags:     []ucli.Flag{storeFlag(), &ucli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action:    runsShow,
			},
			{
				Name:      "delete",
				Usage:     "delete runs and their task results",
				ArgsUsage: "RUN_ID…",
				Flags:     []ucli.Flag{storeFlag()},
				Action:    runsDelete,
			},
			{
				Name:      "import",
				Usage:     "store report JSON files (idempotent: a run id already stored is skipped)",
				ArgsUsage: "REPORT.json…",
				Flags: []ucli.Flag{storeFlag(),
					&ucli.StringFlag{Name: "competitor", Usage: "competitor name (default: each report's model)"},
					&ucli.StringFlag{Name: "team", Usage: "competitor team"},
					&ucli.StringFlag{Name: "image", Usage: "competitor container image"},
					&ucli.BoolFlag{Name: "baseline", Usage: "mark the competitor as a baseline (reports of the embedded target always are)"},
				},
				Action: runsImport,
			},
		}, remoteRunsCommands()...),
	}
}

// runsList is runs list's action: the stored runs the filter flags
// select, newest first.
func runsList(c *ucli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("runs list takes no arguments")
	}
	f := leaderboard.RunFilter{Suite: c.String("suite"), Competitor: c.String("competitor"),
		Status: c.String("status"), Limit: c.Int("limit")}
	if ts := c.Timestamp("since"); ts != nil {
		f.Since = *ts
	}
	return leaderboard.ListRunsTo(c.Context, c.String("store"), f, c.Bool("json"), stdout(c))
}

// runsShow is runs show's action: one stored run.
func runsShow(c *ucli.Context) error {
	args, err := positional(c)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usageErrorf("runs show takes one RUN_ID, got %d arguments", len(args))
	}
	return leaderboard.ShowRunTo(c.Context, c.String("store"), args[0], c.Bool("json"), stdout(c))
}

// runsDelete is runs delete's action: it deletes the runs named.
func runsDelete(c *ucli.Context) error {
	args, err := positional(c)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageErrorf("runs delete needs at least one RUN_ID")
	}
	return leaderboard.DeleteRuns(c.Context, c.String("store"), args, stdout(c))
}

// runsImport is runs import's action: it stores the reports named.
func runsImport(c *ucli.Context) error {
	args, err := positional(c)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageErrorf("runs import needs at least one REPORT.json")
	}
	comp := leaderboard.Competitor{Name: c.String("competitor"), Team: c.String("team"),
		Image: c.String("image"), Baseline: c.Bool("baseline")}
	return leaderboard.ImportReports(c.Context, c.String("store"), args, comp, stdout(c))
}
