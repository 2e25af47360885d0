//go:build long

package cli

// hostileCommands with the long tag: every command that reads a target.
var hostileCommands = []string{"probe", "run", "load"}
