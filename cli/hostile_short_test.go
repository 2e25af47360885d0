//go:build !long

package cli

// hostileCommands without the long tag: probe only (a few seconds).
var hostileCommands = []string{"probe"}
