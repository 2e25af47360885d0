//go:build !race

package coderun

// raceAllowance is zero: this is not a race-detector build.
const raceAllowance = 0
