package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// loadEngineBanned are what the load engine (bench/load) must not link,
// even indirectly: the benchmark runner, the targets it measures, the
// front ends, and the heavy evaluator runtimes. A lean load client links
// bench/load alone, so each of these would be resident memory in every
// load run (docs/PERFORMANCE.md, the load client's RSS).
// A path ending in "/..." bans the package and every one under it, as in
// `go list` patterns; bench is banned alone (bench/trace is the engine's).
var loadEngineBanned = []string{
	module + "/bench",
	module + "/baseline/...",
	module + "/gateway/...",
	module + "/tui/...",
	module + "/internal/coderun/...",
	"github.com/redis/...",
	"github.com/dop251/goja/...",
	"github.com/traefik/yaegi/...",
	// The live metrics' exposition is the application's (loadapp.Mount.Metrics).
	"github.com/prometheus/...",
	"google.golang.org/protobuf/...",
}

// TestLoadEngineDeps walks `go list -deps ./bench/load` and fails on any
// package loadEngineBanned bans.
func TestLoadEngineDeps(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the check reads `go list`: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), gobin, "list", "-deps", "./bench/load")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./bench/load: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || deps[len(deps)-1] != module+"/bench/load" {
		t.Fatalf("go list -deps gave %d packages, the last %q: not the load engine's deps", len(deps), deps[len(deps)-1])
	}
	for _, e := range loadEngineErrors(deps) {
		t.Error(e)
	}
}

// loadEngineErrors names every package of deps that loadEngineBanned bans.
func loadEngineErrors(deps []string) []string {
	var errs []string
	for _, d := range deps {
		for _, b := range loadEngineBanned {
			root, tree := strings.CutSuffix(b, "/...")
			if d == root || tree && strings.HasPrefix(d, root+"/") {
				errs = append(errs, "bench/load depends on "+d+" (banned: "+b+")")
			}
		}
	}
	return errs
}

// TestLoadEngineErrors: the check flags a banned package and one under a
// banned module, and passes the engine's own and a lookalike path (a
// check that cannot fail would prove nothing).
func TestLoadEngineErrors(t *testing.T) {
	cases := []struct {
		dep  string
		want bool
	}{
		{module + "/bench", true},
		{module + "/bench/load", false},
		{module + "/bench/trace", false},
		{module + "/baseline/threads", true},
		{"github.com/dop251/goja/parser", true},
		{"github.com/redis/go-redis/v9", true},
		{module + "/internal/coderun", true},
		{"github.com/prometheus/client_golang/prometheus", true},
		{"google.golang.org/protobuf/proto", true},
		{module + "/scorer", false},
		{module + "/tuition", false},
	}
	for _, c := range cases {
		t.Run(c.dep, func(t *testing.T) {
			if got := len(loadEngineErrors([]string{c.dep})) > 0; got != c.want {
				t.Errorf("flagged %v, want %v", got, c.want)
			}
		})
	}
}
