package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/leaderboard"
)

// storeFlag is --store, shared by every command that reads or writes the
// run store.
func storeFlag() *ucli.StringFlag {
	return &ucli.StringFlag{Name: "store", EnvVars: []string{"JANUS_STORE"},
		Usage: "run store: a SQLite file path or a postgres:// URL (default: " + leaderboard.DefaultDSN() + ")"}
}
