package cli

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/internal/sandbox"
)

// unsafeSandboxFlag is --unsafe-sandbox, on every command that runs
// model-written code: where the kernel refuses the sandbox's namespaces,
// run code anyway with rlimits and a clean environment only. Named so on
// purpose, logged at start and on every run, and marked in every verdict
// of such a run.
func unsafeSandboxFlag() ucli.Flag {
	return &ucli.BoolFlag{Name: "unsafe-sandbox",
		Usage: "run model-written code even where the kernel refuses the sandbox (no user namespaces): NO isolation, logged on every run",
		Action: func(_ *ucli.Context, on bool) error {
			sandbox.SetUnsafe(on)
			if on {
				slog.Warn("--unsafe-sandbox: model-written code may run WITHOUT kernel isolation where the sandbox is unavailable")
			}
			return nil
		}}
}

// apiKeyFileFlag is --api-key-file: the target's key read from a file, so
// it is on no command line (and in no /proc/<pid>/cmdline) at all. It
// overrides --api-key and JANUS_API_KEY / OPENAI_API_KEY.
func apiKeyFileFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "api-key-file", Usage: "read the target's API key from `FILE` (first line), keeping it off the command line",
		Action: func(c *ucli.Context, path string) error {
			b, err := os.ReadFile(path)
			if err != nil {
				return usageErrorf("--api-key-file: %v", err)
			}
			key, _, _ := strings.Cut(string(b), "\n")
			if key = strings.TrimSpace(key); key == "" {
				return usageErrorf("--api-key-file %s: the first line is empty", path)
			}
			if err := c.Set("api-key", key); err != nil {
				return fmt.Errorf("--api-key-file: %w", err)
			}
			return nil
		}}
}

// reportSandbox checks the sandbox once at start-up of a server that runs
// code, so the operator learns at once whether code will run isolated,
// be refused, or run unisolated (--unsafe-sandbox).
func reportSandbox(what string) {
	err := sandbox.Check()
	switch {
	case err == nil:
		slog.Info(what+": sandbox ready", "isolation", sandbox.IsolationBwrap)
	case sandbox.Unsafe():
		slog.Warn(what+": sandbox unavailable; code runs WITHOUT isolation (--unsafe-sandbox)", "reason", err.Error())
	default:
		slog.Warn(what+": sandbox unavailable; code will be refused", "reason", err.Error())
	}
}
