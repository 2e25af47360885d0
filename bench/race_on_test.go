//go:build race

package bench

// raceEnabled says the race detector is on; the statistical tests then
// run fewer repetitions.
const raceEnabled = true
