package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/trace"
)

func benchProbeCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "probe",
		Usage: "send one request and print its timeline, metrics and violations",
		Flags: append(targetFlags(),
			&ucli.StringFlag{Name: "prompt", Value: "Say hello", Usage: "the user message"},
			&ucli.BoolFlag{Name: "no-stream", Usage: "send stream:false"},
			&ucli.BoolFlag{Name: "json", Usage: "print the full trace as JSON"},
		),
		Action: func(c *ucli.Context) error {
			hdr, err := parseHeaders(c.StringSlice("header"))
			if err != nil {
				return err
			}
			lim, err := limits(c)
			if err != nil {
				return err
			}
			start, err := embeddedTarget(c, 0)
			if err != nil {
				return err
			}
			_, err = bench.Probe(c.Context, bench.ProbeOptions{
				Target: c.String("target"), Model: c.String("model"), APIKey: c.String("api-key"), Header: hdr, FollowRedirects: c.Bool("follow-redirects"),
				Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"), Limits: lim,
				Prompt: c.String("prompt"), NoStream: c.Bool("no-stream"),
				Budgets: trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")},
				Start:   start,
				Stdout:  stdout(c), JSON: c.Bool("json"),
			})
			if err != nil {
				return fmt.Errorf("bench probe: %w", err)
			}
			return nil
		},
	}
}
