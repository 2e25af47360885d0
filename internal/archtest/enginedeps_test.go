package archtest

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// engineForbidden is, per engine package, what it may not depend on even
// indirectly (`go list -deps`): an embedding program links the engine
// alone, so the target it measures (the baseline sim, its thread stores,
// the memory service, the gateway), a front end or the commands must come
// from the application, handed down as a start func and a URL. A prefix
// names a package and every package under it.
var engineForbidden = []struct {
	pkg       string
	forbidden []string
}{
	{"bench", []string{module + "/baseline", module + "/memory", module + "/gateway", module + "/tui", module + "/cli", "github.com/redis/"}},
	{"conform", []string{module + "/baseline", module + "/memory", module + "/gateway", module + "/tui", module + "/cli", "github.com/redis/"}},
	{"container", []string{module + "/baseline", module + "/gateway", module + "/tui", module + "/cli", "github.com/redis/"}},
}

// TestEngineDeps walks `go list -deps` of each engine package in
// engineForbidden and fails on every forbidden dependency it reaches.
func TestEngineDeps(t *testing.T) {
	for _, row := range engineForbidden {
		t.Run(row.pkg, func(t *testing.T) {
			for _, e := range forbiddenDeps(row.pkg, listDeps(t, row.pkg), row.forbidden) {
				t.Error(e)
			}
		})
	}
}

// forbiddenDeps lists each of deps that forbidden names (exactly or as a
// prefix ending at a path boundary).
func forbiddenDeps(pkg string, deps, forbidden []string) []string {
	var errs []string
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") {
				errs = append(errs, fmt.Sprintf("engine package %s depends on %s (forbidden: %s); the application hands it down instead (docs/ARCHITECTURE.md)", pkg, d, f))
				break
			}
		}
	}
	return errs
}

// listDeps runs `go list -deps` on one package of the module.
func listDeps(t *testing.T, pkg string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the engine rule reads `go list`: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), gobin, "list", "-deps", "-f", "{{.ImportPath}}", "./"+pkg)
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps ./%s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps ./%s: %v", pkg, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 2 || deps[len(deps)-1] != module+"/"+pkg {
		t.Fatalf("go list -deps ./%s listed %d packages, not ending with the package itself", pkg, len(deps))
	}
	return deps
}

// TestForbiddenDeps: the check flags a forbidden package and one under a
// forbidden prefix, and leaves a look-alike name alone.
func TestForbiddenDeps(t *testing.T) {
	forbidden := []string{module + "/baseline", "github.com/redis/"}
	cases := []struct {
		name string
		deps []string
		want int
	}{
		{"the package", []string{module + "/baseline"}, 1},
		{"under it", []string{module + "/baseline/threads"}, 1},
		{"a prefix of deps", []string{"github.com/redis/go-redis/v9", "github.com/redis/go-redis/v9/push"}, 2},
		{"look-alike", []string{module + "/baselines", module + "/bench"}, 0},
		{"none", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := forbiddenDeps("bench", c.deps, forbidden); len(got) != c.want {
				t.Errorf("%d errors %q, want %d", len(got), got, c.want)
			}
		})
	}
}
