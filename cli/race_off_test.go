//go:build !race

package cli

// raceEnabled says the race detector is on.
const raceEnabled = false
