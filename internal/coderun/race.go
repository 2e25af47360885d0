//go:build race

package coderun

// raceAllowance is the extra address space a race-detector build of the
// child maps for its shadow memory before running a line.
const raceAllowance = 512 << 20
