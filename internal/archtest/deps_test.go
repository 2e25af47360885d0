package archtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// heavy are what a reader of reports or the evaluator must not link: the
// code runners' interpreters (goja, yaegi), the baseline sim and Redis.
// An entry matches the package and every package under it.
var heavy = []string{
	"github.com/dop251/goja",
	"github.com/redis/go-redis",
	"github.com/traefik/yaegi",
	module + "/baseline",
}

// engineForbidden are what a runner must not link: heavy, the memory
// service (the embedded target's, started by the application), the
// gateway, and the front ends and commands that call the engine.
var engineForbidden = slices.Concat(heavy, []string{module + "/memory", module + "/gateway", module + "/tui",
	module + "/cli", module + "/service", module + "/web"})

// forbiddenDeps maps a package (its path after the module's) to what it
// must not depend on, even indirectly (`go list -deps`, tests excluded).
// A row keeps a package light for the programs that embed it; add one
// when a package must stay so.
var forbiddenDeps = map[string][]string{
	// The engine knows a base URL, never what it measures, and no front end
	// or command (issue 18 item 2).
	"bench":              engineForbidden,
	"bench/load":         engineForbidden,
	"conform":            engineForbidden,
	"internal/container": engineForbidden,
	"bench/report":       heavy,
	"pricing":            heavy,
	"record":             slices.Concat(heavy, []string{module + "/scorer"}), // the evaluator fills records in, never the reverse
	"scorer":             heavy,
	// The statistics are a leaf: the standard library and gonum, nothing
	// of janus (issue 18 item 7), so any caller can use them.
	"stats": {module},
	// The lean load client: its resident memory is the load run's, so it
	// links no sim, store, gateway or front end (issue 17 item 8,
	// docs/PERFORMANCE.md); janus mounts the embedded target instead.
	"cmd/janus-load":   leanLoadForbidden,
	"cli/loadcli":      leanLoadForbidden,
	"internal/loadapp": leanLoadForbidden,
}

// leanLoadForbidden are what janus-load and the load application it is
// built from must not link: heavy, the gateway, the memory service, the
// TUI, gorm and SQLite, and Prometheus's client_golang with protobuf
// (its exposition is the mounter's, loadapp.Mount.Metrics: janus mounts
// client_golang's, janus-load writes the same text itself; linked, their
// code and init were ~2 MB of janus-load's resident memory,
// docs/PERFORMANCE.md, item 8 fifth pass).
var leanLoadForbidden = slices.Concat(heavy, []string{module + "/gateway", module + "/memory", module + "/tui",
	"gorm.io", "github.com/glebarez", "modernc.org/sqlite",
	"github.com/prometheus", "google.golang.org/protobuf"})

// TestForbiddenDeps checks forbiddenDeps on `go list -json ./...`.
func TestForbiddenDeps(t *testing.T) {
	for _, e := range depErrors(listPackages(t), forbiddenDeps) {
		t.Error(e)
	}
}

// depErrors lists every dependency of pkgs that forbidden rules out, and
// every row of forbidden whose package was not listed (a renamed package
// must not leave its row checking nothing).
func depErrors(pkgs []goPackage, forbidden map[string][]string) []string {
	var errs []string
	seen := map[string]bool{}
	for _, p := range pkgs {
		from := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rules, ok := forbidden[from]
		if !ok {
			continue
		}
		seen[from] = true
		for _, dep := range p.Deps {
			for _, f := range rules {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					errs = append(errs, fmt.Sprintf("%s depends on %s (forbidden: %s; see forbiddenDeps in internal/archtest/deps_test.go)", from, dep, f))
				}
			}
		}
	}
	for from := range forbidden {
		if !seen[from] {
			errs = append(errs, fmt.Sprintf("forbiddenDeps has a row for %q, which go list does not list: fix or delete the row", from))
		}
	}
	slices.Sort(errs)
	return errs
}

// TestDepErrors: the check flags a forbidden dependency, direct or under
// a forbidden path, and a row for a package that is not there.
func TestDepErrors(t *testing.T) {
	rules := map[string][]string{"scorer": heavy}
	cases := []struct {
		name string
		pkgs []goPackage
		want string
	}{
		{"interpreter", []goPackage{{ImportPath: module + "/scorer", Deps: []string{"github.com/dop251/goja/parser"}}}, "scorer depends on github.com/dop251/goja/parser"},
		{"module path", []goPackage{{ImportPath: module + "/scorer", Deps: []string{module + "/baseline/threads"}}}, "scorer depends on " + module + "/baseline/threads"},
		{"missing package", []goPackage{{ImportPath: module + "/bench"}}, `row for "scorer"`},
		{"a prefix is not a path", []goPackage{{ImportPath: module + "/scorer", Deps: []string{"github.com/dop251/gojax"}}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := depErrors(c.pkgs, rules)
			if c.want == "" {
				if len(errs) > 0 {
					t.Errorf("errors %q, want none", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0], c.want) {
				t.Errorf("errors %q, want one with %q", errs, c.want)
			}
		})
	}
}
