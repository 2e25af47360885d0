package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/go-units"
	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/container"
)

// imageFlags are the container flags of `bench run --image`, `conform
// --image` and `image check`: how the platform would run the image.
func imageFlags(withImage bool) []ucli.Flag {
	fs := []ucli.Flag{
		&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "container environment `KEY=VAL` (repeatable; a bare KEY passes janus's own value)"},
		&ucli.StringSliceFlag{Name: "env-file", Usage: "file of KEY=VAL lines for the container environment (repeatable)"},
		&ucli.Float64Flag{Name: "cpus", Value: container.DefaultCPUs, Usage: "container CPU limit (the platform's is 4)"},
		&ucli.StringFlag{Name: "memory", Value: "16g", Usage: "container memory limit, e.g. 512m, 16g (the platform's is 16 GB)"},
		&ucli.StringFlag{Name: "network", Usage: "network to attach the container to (default: the engine's default bridge)"},
		&ucli.DurationFlag{Name: "ready-timeout", Value: container.DefaultReadyTimeout, Usage: "give up when GET /health has not said {\"status\":\"ok\"} within this"},
	}
	if withImage {
		fs = append([]ucli.Flag{&ucli.StringFlag{Name: "image", Usage: "run this local Docker image (port 8080) and benchmark it as the platform would, instead of --target"}}, fs...)
	}
	return fs
}

// containerOptions binds the image flags; image is the reference.
func containerOptions(c *ucli.Context, image string) (container.Options, error) {
	mem, err := units.RAMInBytes(c.String("memory"))
	if err != nil || mem <= 0 {
		return container.Options{}, usageErrorf("--memory %q: want a size such as 512m or 16g", c.String("memory"))
	}
	if c.Float64("cpus") <= 0 {
		return container.Options{}, usageErrorf("--cpus %v: must be more than 0", c.Float64("cpus"))
	}
	if c.Duration("ready-timeout") <= 0 {
		return container.Options{}, usageErrorf("--ready-timeout %s: must be more than 0", c.Duration("ready-timeout"))
	}
	return container.Options{Image: image, Env: c.StringSlice("env"), EnvFiles: c.StringSlice("env-file"),
		CPUs: c.Float64("cpus"), MemoryBytes: mem, Network: c.String("network"),
		ReadyTimeout: c.Duration("ready-timeout"), Logger: logger()}, nil
}

// imageTarget checks that --image and --target are not both given. A
// target that only comes from OPENAI_BASE_URL yields to --image.
func imageTarget(c *ucli.Context) (image string, err error) {
	image = c.String("image")
	if image == "" {
		return "", nil
	}
	if t := c.String("target"); t != "" && t != os.Getenv("OPENAI_BASE_URL") {
		return "", usageErrorf("--image and --target exclude each other: --image runs the competitor itself")
	}
	return image, nil
}

// imageCommand groups the commands about a competitor's container image.
func imageCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "image",
		Usage: "check a competitor container image before you submit it",
		Subcommands: []*ucli.Command{
			{
				Name:      "check",
				Usage:     "start an image as the platform would and check the container contract",
				ArgsUsage: "IMAGE",
				Description: "Starts IMAGE (a local image; janus never pulls) with the platform's limits, port 8080\n" +
					"published on 127.0.0.1, waits for GET /health to say {\"status\":\"ok\"}, then checks the\n" +
					"container contract: ready within 30 s, the /health shape, two long streams served at once\n" +
					"and, with --long, a 5-minute request not cut. The container is always removed. Exit 1 when\n" +
					"the container exits or never becomes ready (with its exit code and last 50 log lines), 3\n" +
					"when a required check fails.",
				Flags: append(imageFlags(false),
					&ucli.StringFlag{Name: "model", Usage: "model id for the chat requests (default: first id from GET /v1/models)"},
					&ucli.StringFlag{Name: "api-key", Usage: "sent as a Bearer token", EnvVars: []string{"JANUS_API_KEY"}},
					&ucli.StringSliceFlag{Name: "header", Usage: "extra request header 'K: V' (repeatable)"},
					&ucli.BoolFlag{Name: "long", Usage: "also check that a 5-minute request is not cut (takes over 5 minutes)"},
					&ucli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
				),
				Action: func(c *ucli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("image check takes one IMAGE argument, got %d", c.NArg())
					}
					co, err := containerOptions(c, c.Args().First())
					if err != nil {
						return err
					}
					hdr, err := parseHeaders(c.StringSlice("header"))
					if err != nil {
						return err
					}
					rep, err := container.ImageCheck(c.Context, co, container.CheckOptions{Model: c.String("model"),
						APIKey: c.String("api-key"), Header: hdr, Long: c.Bool("long")})
					if rep != nil {
						write := rep.WriteText
						if c.Bool("json") {
							write = rep.WriteJSON
						}
						if werr := write(stdout(c)); werr != nil {
							err = errors.Join(err, werr)
						}
					}
					if err != nil {
						return fmt.Errorf("image check: %w", err)
					}
					return nil
				},
			},
		},
	}
}

// cleanupCommand removes the containers that a janus killed mid-run left
// behind.
func cleanupCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "cleanup",
		Usage: "remove the containers a crashed or killed janus left behind",
		Description: "Removes every container labelled janus.run that was created before now and whose janus\n" +
			"process is gone. Containers of a janus still running on this host are kept unless --force.\n" +
			"Every `--image` run does this on start too.",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "force", Usage: "also remove containers of janus processes that still run"},
			&ucli.BoolFlag{Name: "json", Usage: "print what was found as JSON"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("cleanup takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
			}
			o := container.CleanupOptions{Before: time.Now(), Force: c.Bool("force"), Logger: logger()}
			if err := container.CleanupAll(c.Context, o, stdout(c), c.Bool("json")); err != nil {
				return fmt.Errorf("cleanup: %w", err)
			}
			return nil
		},
	}
}
