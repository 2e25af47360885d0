//go:build race

package cli

// raceEnabled says the race detector is on: its shadow memory makes an
// RSS ceiling meaningless.
const raceEnabled = true
