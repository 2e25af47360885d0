package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/conform"
	"github.com/janus-bench/janus/internal/container"
)

// conformCommand checks a target against the streaming and compatibility
// contract before it is benchmarked, so that a competitor team learns which
// rule it breaks (with the evidence) instead of reading a low score.
func conformCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "conform",
		Usage: "check a target against the Janus streaming and OpenAI compatibility contract",
		Description: "Sends a fixed set of requests (models, non-stream, streams with and without usage, an image,\n" +
			"a tool call, malformed bodies, an unknown model, two concurrent streams) and reports every rule\n" +
			"as PASS, FAIL, WARN or SKIP with its evidence. Exit 3 when a required check fails, 2 when the\n" +
			"target cannot be reached. With no --target it checks the embedded reference baseline.\n" +
			"`janus conform --list` explains every check.",
		Flags: append(append(targetFlags(),
			&ucli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&ucli.BoolFlag{Name: "list", Usage: "list the checks with their levels and rules, and exit (with --json: as JSON)"},
			&ucli.BoolFlag{Name: "long", Usage: "with --image: also check that a 5-minute request is not cut (takes over 5 minutes)"},
		), imageFlags(true)...),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("conform takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			if c.Bool("list") {
				if c.Bool("json") {
					enc := json.NewEncoder(stdout(c))
					enc.SetIndent("", "  ")
					if err := enc.Encode(conform.Checks()); err != nil {
						return fmt.Errorf("conform --list: %w", err)
					}
					return nil
				}
				if err := conform.WriteList(stdout(c)); err != nil {
					return fmt.Errorf("conform --list: %w", err)
				}
				return nil
			}
			copts, err := conformOptions(c)
			if err != nil {
				return err
			}
			image, err := imageTarget(c)
			if err != nil {
				return err
			}
			if image == "" && c.Bool("long") {
				return usageErrorf("--long needs --image")
			}
			var rep *conform.Report
			if image != "" {
				co, cerr := containerOptions(c, image)
				if cerr != nil {
					return cerr
				}
				copts.Target = ""
				rep, err = container.ConformImage(c.Context, co, copts, c.Bool("long"))
			} else {
				rep, err = conform.Run(c.Context, copts)
			}
			if rep != nil {
				write := rep.WriteText
				if c.Bool("json") {
					write = rep.WriteJSON
				}
				if werr := write(stdout(c)); werr != nil {
					return errors.Join(fmt.Errorf("conform: %w", werr), err)
				}
			}
			if err != nil {
				return fmt.Errorf("conform: %w", err)
			}
			return nil
		},
	}
}

// conformOptions turns conform's target flags into the checker's options,
// with the embedded reference target to start when --target is empty.
func conformOptions(c *ucli.Context) (conform.Options, error) {
	hdr, err := parseHeaders(c.StringSlice("header"))
	if err != nil {
		return conform.Options{}, err
	}
	lim, err := limits(c)
	if err != nil {
		return conform.Options{}, err
	}
	start, err := embeddedTarget(c, conform.EmbeddedKeepAlive)
	if err != nil {
		return conform.Options{}, err
	}
	return conform.Options{
		Target: c.String("target"), Model: c.String("model"), APIKey: c.String("api-key"), Header: hdr, FollowRedirects: c.Bool("follow-redirects"),
		Timeout: c.Duration("timeout"), TTFTTimeout: c.Duration("ttft-timeout"), Limits: lim,
		Budgets: trace.Budgets{TTFTMs: ms(c, "ttft-budget"), GapMs: ms(c, "gap-budget")},
		Start:   start,
	}, nil
}
