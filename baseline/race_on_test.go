//go:build race

package baseline_test

// raceEnabled lets heavy tests shrink under the race detector.
const raceEnabled = true
