package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/cli/loadcli"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/selftest"
)

func benchSelftestCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "selftest",
		Usage: "measure the harness's own timing error and ceiling against a sim with known delays (in a process of its own)",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "levels", Value: "1,100,1000", Usage: "concurrency levels"},
			&ucli.DurationFlag{Name: "ttft", Value: 150 * time.Millisecond, Usage: "sim time to first token"},
			&ucli.DurationFlag{Name: "token-interval", Value: 50 * time.Millisecond, Usage: "sim time between tokens"},
			&ucli.IntFlag{Name: "tokens", Value: 40, Usage: "tokens per answer"},
			&ucli.IntFlag{Name: "min-streams", Value: 10, Usage: "at least this many streams per level"},
			&ucli.BoolFlag{Name: "burst", Usage: "start every stream of a round at once (thundering herd) instead of staggered"},
			&ucli.BoolFlag{Name: "sim-in-process", Usage: "run the sim inside janus's process (it then shares janus's GC, scheduler and RSS)"},
			&ucli.BoolFlag{Name: "no-save", Usage: "do not keep the result for reports' harness block"},
			&ucli.BoolFlag{Name: "json", Usage: "print JSON"},
		},
		Action: func(c *ucli.Context) error {
			var levels []int
			for _, s := range strings.Split(c.String("levels"), ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < 1 {
					return usageErrorf("--levels %q: want positive integers separated by commas", c.String("levels"))
				}
				levels = append(levels, n)
			}
			var err error
			o := selftest.Options{
				Levels: levels, Pace: baseline.Pace{TTFT: c.Duration("ttft"), PerToken: c.Duration("token-interval")},
				Tokens: c.Int("tokens"), MinStreams: c.Int("min-streams"), Burst: c.Bool("burst"),
				Stdout: stdout(c), JSON: c.Bool("json"),
			}
			if !c.Bool("no-save") {
				o.SaveTo = app.SelftestPath()
			}
			if err := app.RaiseFileLimit(selftest.OpenFiles(levels)); err != nil {
				return fmt.Errorf("bench selftest: %w", err)
			}
			if !c.Bool("sim-in-process") {
				if o.SimCommand, err = selftestSimCommand(); err != nil {
					return err
				}
			}
			_, err = selftest.Run(c.Context, o)
			if err != nil {
				return fmt.Errorf("bench selftest: %w", err)
			}
			return nil
		},
	}
}

// selftestSimCommand is how this binary starts its own selftest sim
// (loadcli.SelftestSim).
func selftestSimCommand() ([]string, error) { return loadcli.SelftestSim() }

// selftestSimSubcommand is the hidden `bench selftest-sim`: the selftest's
// sim in a process of its own, which selftestSimCommand starts.
func selftestSimSubcommand() *ucli.Command {
	return &ucli.Command{
		Name:   "selftest-sim",
		Usage:  "the selftest's sim, run by `bench selftest` and `bench load` in a process of its own",
		Hidden: true,
		Action: func(c *ucli.Context) error {
			return selftest.ServeSim(c.Context, os.Stdin, os.Stdout)
		},
	}
}
