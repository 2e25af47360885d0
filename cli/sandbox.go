package cli

import (
	"log/slog"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/cli/loadcli"
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

// apiKeyFileFlag is --api-key-file (loadcli.APIKeyFileFlag).
func apiKeyFileFlag() ucli.Flag { return loadcli.APIKeyFileFlag() }

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
