package bench

import "runtime/debug"

// Version is the harness version, set at build time with
// -ldflags "-X github.com/janus-bench/janus/bench.Version=v1.2.3"; without
// it the module version or VCS revision from the build info is used.
var Version = ""

// HarnessVersion returns the best version string available.
func HarnessVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}
