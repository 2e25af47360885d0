package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is the import path every janus package starts with.
const module = "github.com/janus-bench/janus"

// The layers of docs/ARCHITECTURE.md, lowest first. The rule: a package
// imports only packages of its own layer or a lower one, so no package
// imports its caller, and the engine never imports what it measures.
const (
	layerFoundation = iota // wire types, SSE, tokens, guards, sandbox: no janus imports above
	layerSuite             // suites, the trace of one request, the record a run leaves
	layerEvaluate          // evaluators and scores
	layerReport            // what is computed from and written out of a report
	layerEngine            // runners: bench, load, conformance
	layerStore             // what keeps and compares runs; container checks
	layerTarget            // what janus measures: the baseline sim, the gateway
	layerFront             // front ends: TUI, service, web
	layerApp               // commands: cli and the binary
)

// layers places every package of the module (the path after the module's).
// A new package must be placed here; TestLayerRule says so.
var layers = map[string]int{
	"internal/schemas":               layerFoundation,
	"internal/apikeys":               layerFoundation,
	"internal/archtest":              layerFoundation,
	"internal/baseurl":               layerFoundation,
	"internal/buildinfo":             layerFoundation,
	"internal/clip":                  layerFoundation,
	"internal/exitcode":              layerFoundation,
	"internal/h1":                    layerFoundation, // the lean HTTP/1.1 client transport (bench/load, gateway)
	"internal/httpguard":             layerFoundation,
	"internal/logbuf":                layerFoundation,
	"internal/monoclock":             layerFoundation,
	"internal/ratelimit":             layerFoundation,
	"internal/sandbox":               layerFoundation,
	"internal/search":                layerFoundation,
	"internal/sqlstore":              layerFoundation,
	"internal/sqlstore/sqltest":      layerFoundation,
	"internal/sse":                   layerFoundation,
	"internal/svc":                   layerFoundation,
	"internal/testbin":               layerFoundation,
	"internal/tokens":                layerFoundation,
	"internal/agenttools":            layerFoundation,
	"internal/chatreq":               layerFoundation,
	"internal/wire":                  layerFoundation,
	"pricing":                        layerFoundation,
	"internal/coderun":               layerFoundation,
	"stats":                          layerFoundation, // a leaf: stdlib and gonum only (forbiddenDeps)
	"bench/trace":                    layerSuite,
	"record":                         layerSuite, // what a run leaves: below the scorer that fills it in
	"suites":                         layerSuite,
	"internal/suitegen":              layerSuite,
	"scorer":                         layerEvaluate,
	"internal/suitecheck":            layerEvaluate,
	"bench/report":                   layerReport,
	"bench":                          layerEngine,
	"bench/load":                     layerEngine,
	"internal/calibrate":             layerTarget, // needs the sim: beside the engine, never in it
	"internal/selftest":              layerTarget, // needs the sim: beside the engine, never in it
	"conform":                        layerEngine,
	"internal/container":             layerStore,
	"leaderboard":                    layerStore,
	"internal/memory":                layerStore,
	"internal/sessions":              layerStore,
	"baseline":                       layerTarget,
	"baseline/janstore":              layerTarget,
	"baseline/reference":             layerTarget,
	"baseline/threads":               layerTarget,
	"baseline/threads/redistest":     layerTarget,
	"gateway":                        layerTarget,
	"internal/service":               layerFront,
	"tui":                            layerFront,
	"internal/app":                   layerFront, // the commands' files, env and limits around the engine; the TUI shares them
	"internal/web":                   layerFront,
	"internal/web/chat":              layerFront,
	"":                               layerApp, // the janus binary
	"cli":                            layerApp,
	"cli/loadcli":                    layerApp, // bench load's command line, shared with cmd/janus-load
	"cmd/janus-load":                 layerApp, // the lean load client
	"internal/loadapp":               layerApp, // janus bench load's application around bench/load
	"internal/suitegen/cmd/gensuite": layerApp,
	"internal/web/screenshots":       layerApp,
}

// layerViolations are the imports that break the rule today, each to be
// removed by issue 18 item 2 (invert the embedded target: the engine gets
// a start func and a base URL). The test fails on a violation not listed
// and on a listed one that is gone (delete its row). Sorted, one import a
// row.
var layerViolations = []string{}

// engine are the packages that run and score a benchmark; an embedding
// program links them alone, so none may depend, even indirectly, on a
// front end, the gateway or the commands.
var (
	engine    = []string{"bench", "bench/load", "bench/report", "bench/trace", "conform", "record", "scorer", "stats", "suites"}
	notEngine = []string{"cli", "gateway", "internal/service", "tui", "internal/web"}
)

// goPackage is the part of `go list -json` the rule reads.
type goPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// TestLayerRule checks the layer rule on `go list -json ./...`: every
// package placed in a layer, every import going to the same layer or a
// lower one (known violations listed), and the engine free of front ends.
func TestLayerRule(t *testing.T) {
	for _, e := range layerErrors(listPackages(t), layerViolations) {
		t.Error(e)
	}
	if !slices.IsSorted(layerViolations) {
		t.Errorf("layerViolations is not sorted")
	}
}

// layerErrors lists every break of the rule in pkgs that allowed does not
// list, and every allowed one that no longer happens.
func layerErrors(pkgs []goPackage, allowed []string) []string {
	var errs []string
	seen := map[string]bool{}
	for _, p := range pkgs {
		from := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		lf, ok := layers[from]
		if !ok {
			errs = append(errs, fmt.Sprintf("package %q has no layer: place it in layers (internal/archtest/layer_test.go) and docs/ARCHITECTURE.md", p.ImportPath))
			continue
		}
		for _, imp := range janusOnly(p.Imports) {
			if li, ok := layers[imp]; ok && li > lf {
				edge := from + " -> " + imp
				seen[edge] = true
				if !slices.Contains(allowed, edge) {
					errs = append(errs, fmt.Sprintf("%s: layer %d imports layer %d; a package imports only its own layer or lower ones (docs/ARCHITECTURE.md)", edge, lf, li))
				}
			}
		}
		if slices.Contains(engine, from) {
			for _, dep := range janusOnly(p.Deps) {
				if slices.Contains(notEngine, dep) {
					errs = append(errs, fmt.Sprintf("engine package %s depends on %s", from, dep))
				}
			}
		}
	}
	for _, v := range allowed {
		if !seen[v] {
			errs = append(errs, fmt.Sprintf("layerViolations lists %q, which no longer happens: delete its row", v))
		}
	}
	return errs
}

// janusOnly keeps the module's packages of paths, as paths after the module's.
func janusOnly(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == module || strings.HasPrefix(p, module+"/") {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
		}
	}
	return out
}

// listPackages runs `go list -json ./...` on the module.
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the layer rule reads `go list`: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), gobin, "list", "-json", "./...")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < len(layers)/2 {
		t.Fatalf("go list found %d packages; the layers table has %d", len(pkgs), len(layers))
	}
	return pkgs
}

// TestLayerErrors: the check flags an import upwards, an engine package
// reaching a front end, an unplaced package and a stale allowlist row (a
// rule that cannot fail would prove nothing).
func TestLayerErrors(t *testing.T) {
	cases := []struct {
		name    string
		pkgs    []goPackage
		allowed []string
		want    string
	}{
		{"upwards", []goPackage{{ImportPath: module + "/scorer", Imports: []string{module + "/bench"}}}, nil, "scorer -> bench: layer"},
		{"engine to front end", []goPackage{{ImportPath: module + "/bench", Deps: []string{module + "/tui"}}}, nil, "engine package bench depends on tui"},
		{"unplaced", []goPackage{{ImportPath: module + "/newpkg"}}, nil, "has no layer"},
		{"stale allowlist", []goPackage{{ImportPath: module + "/bench"}}, []string{"bench -> baseline"}, "no longer happens"},
		{"allowed", []goPackage{{ImportPath: module + "/bench", Imports: []string{module + "/baseline"}}}, []string{"bench -> baseline"}, ""},
		{"downwards", []goPackage{{ImportPath: module + "/tui", Imports: []string{module + "/bench", "fmt"}}}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := layerErrors(c.pkgs, c.allowed)
			if c.want == "" && len(errs) > 0 || c.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], c.want)) {
				t.Errorf("errors %q, want one containing %q", errs, c.want)
			}
		})
	}
}
