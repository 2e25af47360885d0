package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/cli/loadcli"
)

// limits reads the size-cap flags of targetFlags.
func limits(c *ucli.Context) (trace.Limits, error) { return loadcli.Limits(c) }

// parseSize reads a byte size (loadcli.ParseSize).
func parseSize(s string) (int64, error) { return loadcli.ParseSize(s) }
