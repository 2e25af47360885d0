package cli

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/service"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// serverFlags name a scoring service and its API key.
func serverFlags(required bool) []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "server", Required: required, EnvVars: []string{"JANUS_SERVER"}, Usage: "scoring service URL, e.g. http://127.0.0.1:8100"},
		&ucli.StringFlag{Name: "key", EnvVars: []string{"JANUS_SERVER_KEY"}, Usage: "the service's API key (janus serve keys create)"},
	}
}

func serviceClient(c *ucli.Context) *service.Client {
	return &service.Client{Base: c.String("server"), Key: c.String("key")}
}

// remoteRunsCommands are `janus runs submit|watch|cancel`, clients of a
// scoring service.
func remoteRunsCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:  "submit",
			Usage: "submit a run to a scoring service (then: janus runs watch ID)",
			Flags: append(serverFlags(true),
				&ucli.StringFlag{Name: "target", Usage: "competitor base URL ending in /v1 (none: the service's embedded sim)"},
				&ucli.StringFlag{Name: "image", Usage: "competitor container image (in the service's Docker engine)"},
				&ucli.StringFlag{Name: "model", Usage: "model name (default: the target's first)"},
				&ucli.StringFlag{Name: "api-key", EnvVars: []string{"JANUS_API_KEY"}, Usage: "the competitor's bearer token"},
				&ucli.StringFlag{Name: "competitor", Usage: "competitor name (default: the model)"},
				&ucli.StringFlag{Name: "team", Usage: "competitor team"},
				&ucli.StringFlag{Name: "suite", Value: "smoke", Usage: "built-in suite"},
				&ucli.IntFlag{Name: "limit", Usage: "at most N tasks"},
				&ucli.Uint64Flag{Name: "seed", Usage: "shuffle seed before --limit"},
				&ucli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 4, Usage: "concurrent requests"},
				&ucli.StringSliceFlag{Name: "categories", Usage: "only these categories or families"},
				&ucli.BoolFlag{Name: "watch", Usage: "follow the run's progress until it ends"},
				&ucli.BoolFlag{Name: "json", Usage: "print the run as JSON"}),
			Action: func(c *ucli.Context) error {
				if c.NArg() > 0 {
					return usageErrorf("runs submit takes no arguments")
				}
				req := service.SubmitRequest{Target: c.String("target"), Image: c.String("image"), Model: c.String("model"),
					APIKey: c.String("api-key"), Competitor: c.String("competitor"), Team: c.String("team"), Suite: c.String("suite"),
					Limit: c.Int("limit"), Seed: c.Uint64("seed"), Concurrency: c.Int("concurrency"), Categories: splitList(c.StringSlice("categories"))}
				cl := serviceClient(c)
				r, err := cl.Submit(c.Context, req)
				if err != nil {
					return remoteError("runs submit", err)
				}
				if c.Bool("json") {
					return writeJSONTo(stdout(c), r)
				}
				fmt.Fprintf(stdout(c), "%s\n", r.ID)
				fmt.Fprintf(c.App.ErrWriter, "run %s queued (%s on %s, %d tasks); follow it: janus runs watch --server %s %s\n",
					r.ID, r.Competitor.Name, r.Suite, r.TasksPlanned, c.String("server"), r.ID)
				if c.Bool("watch") {
					return watchRun(c, cl, r.ID)
				}
				return nil
			},
		},
		{
			Name:      "watch",
			Usage:     "follow a run on a scoring service: progress, then the final scores",
			ArgsUsage: "RUN_ID",
			Flags:     serverFlags(true),
			Action: func(c *ucli.Context) error {
				if c.NArg() != 1 {
					return usageErrorf("runs watch takes one RUN_ID")
				}
				return watchRun(c, serviceClient(c), c.Args().First())
			},
		},
		{
			Name:      "cancel",
			Usage:     "cancel a run on a scoring service",
			ArgsUsage: "RUN_ID",
			Flags:     serverFlags(true),
			Action: func(c *ucli.Context) error {
				if c.NArg() != 1 {
					return usageErrorf("runs cancel takes one RUN_ID")
				}
				r, err := serviceClient(c).Cancel(c.Context, c.Args().First())
				if err != nil {
					return remoteError("runs cancel", err)
				}
				fmt.Fprintf(stdout(c), "%s %s\n", r.ID, r.State)
				return nil
			},
		},
	}
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// watchRun prints progress (a bar on a terminal, lines otherwise) and the
// final scores; a failed or cancelled run is an error.
func watchRun(c *ucli.Context, cl *service.Client, id string) error {
	errw := c.App.ErrWriter
	tty := isTerminal(os.Stderr) && os.Getenv("CI") == ""
	last, err := cl.Watch(c.Context, id, func(ev service.Event) { printEvent(errw, tty, ev) })
	if err != nil {
		return remoteError("runs watch", err)
	}
	if tty {
		fmt.Fprintln(errw)
	}
	r := last.Run
	out := stdout(c)
	fmt.Fprintf(out, "run %s %s: %s on %s@%s, %d/%d tasks, %d passed\n", r.ID, r.State, r.Competitor.Name, r.Suite, r.SuiteVersion,
		r.Tasks, r.TasksPlanned, r.Passed)
	dims := map[record.Dimension]*leaderboard.Score{record.Composite: r.Composite}
	maps.Copy(dims, r.Dims)
	for _, n := range record.Ordered(slices.Collect(maps.Keys(dims))) {
		if s := dims[n]; s != nil {
			fmt.Fprintf(out, "  %-10s %6.1f\n", n, s.Value)
		}
	}
	if r.State != leaderboard.StatusCompleted {
		return fmt.Errorf("run %s %s: %s", r.ID, r.State, r.Reason)
	}
	return nil
}

func printEvent(w io.Writer, tty bool, ev service.Event) {
	switch ev.Type {
	case "state":
		if tty {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "state: %s %s\n", ev.State, ev.Reason)
	case "task":
		mean := 0.0
		if ev.MeanScore != nil {
			mean = *ev.MeanScore
		}
		if !tty {
			fmt.Fprintf(w, "[%d/%d] %s %s %.2f (mean %.2f)\n", ev.Done, ev.Planned, ev.Task.ID, ev.Task.Status, ev.Task.Score, mean)
			return
		}
		const width = 30
		filled := 0
		if ev.Planned > 0 {
			filled = min(width, ev.Done*width/ev.Planned)
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d mean %.2f  %-30.30s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			ev.Done, ev.Planned, mean, ev.Task.ID)
	}
}

// remoteError makes a service's 4xx answer a usage error (exit 2).
func remoteError(op string, err error) error {
	var ae *service.APIError
	if asAPIError(err, &ae) && ae.Status >= 400 && ae.Status < 500 {
		return usageErrorf("%s: %v", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// remoteLeaderboard prints a service's leaderboard.
func remoteLeaderboard(c *ucli.Context, q leaderboard.Query) error {
	b, err := serviceClient(c).Leaderboard(c.Context, service.LeaderboardQuery(q))
	if err != nil {
		return remoteError("leaderboard", err)
	}
	if c.Bool("json") {
		return writeJSONTo(stdout(c), b)
	}
	leaderboard.WriteBoard(stdout(c), b)
	return nil
}
