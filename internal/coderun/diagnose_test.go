//go:build linux

package coderun

import "testing"

// TestOutOfMemory checks the words that mark a child that ran out of its
// memory limit without being signalled.
func TestOutOfMemory(t *testing.T) {
	cases := []struct {
		stderr string
		want   bool
	}{
		{"fatal error: runtime: out of memory\n", true},                                         // Go heap growth refused
		{"runtime/cgo: pthread_create failed: Resource temporarily unavailable\nSIGABRT", true}, // thread stack refused under RLIMIT_DATA
		{"Traceback …\nMemoryError\n", true},                                                    // Python
		{"panic: runtime error: index out of range [3] with length 3\n", false},                 // an ordinary crash
		{"pthread_create failed: Invalid argument\n", false},                                    // not a resource limit
	}
	for _, c := range cases {
		t.Run(c.stderr, func(t *testing.T) {
			if got := outOfMemory(c.stderr); got != c.want {
				t.Errorf("outOfMemory(%q) = %v, want %v", c.stderr, got, c.want)
			}
		})
	}
}
