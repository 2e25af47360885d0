package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

func versionString() string {
	return fmt.Sprintf("%s (report schema %s)", bench.HarnessVersion(), record.SchemaVersion)
}

func versionCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "version",
		Usage: "print the harness version and the report schema version",
		Action: func(c *ucli.Context) error {
			_, err := fmt.Fprintf(stdout(c), "janus %s\nreport schema %s\n", bench.HarnessVersion(), record.SchemaVersion)
			return err
		},
	}
}
