package cli

import (
	"encoding/json"
	"fmt"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/suitecheck"
	"github.com/janus-bench/janus/suites"
)

func suitesCommand() *ucli.Command {
	jsonFlag := &ucli.BoolFlag{Name: "json", Usage: "print JSON"}
	return &ucli.Command{
		Name:  "suites",
		Usage: "list, show and validate suites",
		Subcommands: []*ucli.Command{
			suitesEncryptCommand(),
			suitesGenerateCommand(),
			{
				Name:  "list",
				Usage: "list the built-in suites",
				Flags: []ucli.Flag{jsonFlag},
				Action: func(c *ucli.Context) error {
					var sums []suites.Summary
					for _, n := range suites.Builtin() {
						s, err := suites.Load(c.Context, n)
						if err != nil {
							return fmt.Errorf("suites list: %w", err)
						}
						sums = append(sums, suites.Summarize(s))
					}
					if c.Bool("json") {
						return json.NewEncoder(stdout(c)).Encode(sums)
					}
					return suites.WriteList(sums)(stdout(c))
				},
			},
			{
				Name:      "show",
				Usage:     "show a suite: task counts per category and split, hash",
				ArgsUsage: "NAME|PATH",
				Flags:     []ucli.Flag{jsonFlag},
				Action: func(c *ucli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("suites show takes one suite name or path")
					}
					s, err := suites.Load(c.Context, c.Args().First())
					if err != nil {
						return fmt.Errorf("suites show: %w", err)
					}
					if c.Bool("json") {
						return json.NewEncoder(stdout(c)).Encode(suites.Summarize(s))
					}
					return suites.WriteShow(suites.Summarize(s))(stdout(c))
				},
			},
			{
				Name:      "validate",
				Usage:     "check suites: schema, checks, images, references score 1.0, non-answers score < 0.5",
				ArgsUsage: "[PATH…] (default: every built-in suite)",
				Action: func(c *ucli.Context) error {
					names := c.Args().Slice()
					if len(names) == 0 {
						names = suites.Builtin()
					}
					for _, n := range names {
						s, err := suites.Load(c.Context, n)
						if err != nil {
							return fmt.Errorf("suites validate: %w", err)
						}
						// Running every reference and non-answer (code in the
						// sandbox) takes a while: say what is happening.
						start := time.Now()
						fmt.Fprintf(c.App.ErrWriter, "janus: validating %s@%s: %d tasks (references run, code in the sandbox)…\n", s.Name, s.Version, len(s.Tasks))
						ev, err := newEvaluator(c)
						if err != nil {
							return err
						}
						if err := suitecheck.Suite(s, ev); err != nil {
							return fmt.Errorf("suites validate: %w", err)
						}
						fmt.Fprintf(stdout(c), "ok  %s@%s  %d tasks  sha256 %.12s  (%.1fs)\n", s.Name, s.Version, len(s.Tasks), s.SHA256, time.Since(start).Seconds())
					}
					return nil
				},
			},
		},
	}
}
