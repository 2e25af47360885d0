package cli

import (
	ucli "github.com/urfave/cli/v2"
)

// storeFlag is --store, shared by every command that reads or writes the
// run store. The help names the default without expanding it: JANUS_STORE
// may be a postgres URL with a password.
func storeFlag() *ucli.StringFlag {
	return &ucli.StringFlag{Name: "store", EnvVars: []string{"JANUS_STORE"},
		Usage: "run store: a SQLite file path or a postgres:// URL (default: $XDG_DATA_HOME/janus/janus.db, ~/.local/share/janus/janus.db)"}
}
