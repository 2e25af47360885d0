package cli

import (
	"net/http"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/cli/loadcli"
)

func benchCommand() *ucli.Command {
	return &ucli.Command{
		Name:        "bench",
		Usage:       "run, probe and calibrate benchmarks",
		Subcommands: []*ucli.Command{benchRunCommand(), benchProbeCommand(), benchSelftestCommand(), benchReplayCommand(), benchCompareCommand(), benchCalibrateCommand(), loadcli.BenchLoadCommand(newEvaluator, loadMount()), selftestSimSubcommand()},
	}
}

// targetFlags are shared by every command that talks to a target
// (defined with bench load's command line, cli/loadcli).
func targetFlags() []ucli.Flag { return loadcli.TargetFlags() }

// parseHeaders turns repeated 'K: V' flags into a header.
func parseHeaders(vals []string) (http.Header, error) { return loadcli.ParseHeaders(vals) }
