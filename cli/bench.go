package cli

import (
	"net/http"
	"net/textproto"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench/trace"
)

func benchCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "bench",
		Usage:       "run, probe and calibrate benchmarks",
		Subcommands: []*ucli.Command{benchRunCommand(), benchProbeCommand(), benchSelftestCommand(), benchReplayCommand(), benchCompareCommand(), benchCalibrateCommand(), benchLoadCommand(), benchSelftestSimCommand()},
	}
}

// targetFlags are shared by every command that talks to a target.
func targetFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "target", Usage: "base URL ending in /v1 (empty: boot the embedded reference target)", EnvVars: []string{"OPENAI_BASE_URL"}},
		&ucli.StringFlag{Name: "model", Usage: "model id (default: first id from GET /v1/models)"},
		&ucli.StringFlag{Name: "api-key", Usage: "sent as a Bearer token; never written to reports or logs (prefer the env or --api-key-file: a flag is visible in the process list)", EnvVars: []string{"JANUS_API_KEY", "OPENAI_API_KEY"}},
		apiKeyFileFlag(),
		&ucli.StringSliceFlag{Name: "header", Usage: "extra request header 'K: V' (repeatable)"},
		&ucli.BoolFlag{Name: "follow-redirects", Usage: "follow a 307/308 that stays on the target's origin (a redirect to another origin is never followed: the redirect violation)"},
		&ucli.DurationFlag{Name: "timeout", Value: 5 * time.Minute, Usage: "per-request total timeout"},
		&ucli.DurationFlag{Name: "ttft-timeout", Value: 30 * time.Second, Usage: "give up when no token arrived within this"},
		&ucli.DurationFlag{Name: "ttft-budget", Value: 2 * time.Second, Usage: "streaming contract: first token within this"},
		&ucli.DurationFlag{Name: "gap-budget", Value: 2 * time.Second, Usage: "streaming contract: no silence longer than this (keep-alives count)"},
		&ucli.StringFlag{Name: "max-event-bytes", Value: "8MiB", Usage: "cap one SSE event: past it reading stops (event_too_large)"},
		&ucli.IntFlag{Name: "max-stream-events", Value: trace.DefaultLimits().Events, Usage: "events kept per trace: later ones are counted, not kept (stream_too_large)"},
		&ucli.StringFlag{Name: "max-text-bytes", Value: "16MiB", Usage: "text kept per trace: later text is counted, not kept (stream_too_large)"},
		&ucli.StringFlag{Name: "max-stream-bytes", Value: "256MiB", Usage: "cap the bytes read from one stream: past it the stream is cut (stream_too_large)"},
		&ucli.StringFlag{Name: "max-body-bytes", Value: "32MiB", Usage: "cap a non-stream body: past it reading stops (body_too_large)"},
		&ucli.DurationFlag{Name: "sim-ttft", Value: 150 * time.Millisecond, Usage: "embedded target: time to first token"},
		&ucli.DurationFlag{Name: "sim-token-interval", Value: 20 * time.Millisecond, Usage: "embedded target: time between tokens"},
	}
}

// parseHeaders turns repeated 'K: V' flags into a header.
func parseHeaders(vals []string) (http.Header, error) {
	h := http.Header{}
	for _, v := range vals {
		k, val, ok := strings.Cut(v, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, usageErrorf("--header %q: want 'Name: value'", v)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(k), strings.TrimSpace(val))
	}
	return h, nil
}
