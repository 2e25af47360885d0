package bench

import "github.com/janus-bench/janus/internal/buildinfo"

// HarnessVersion returns the harness version (internal/buildinfo).
func HarnessVersion() string { return buildinfo.Get() }
