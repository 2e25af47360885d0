package archtest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// reflectMethodLookups are the reflect functions that look a method up by
// index or name at run time. A binary that links one keeps every exported
// method of every type it converts to an interface, since the linker
// cannot tell which one will be looked up: text/template's field
// evaluation (urfave/cli's help printer) did that to janus-load, 7 MB of
// binary and 3 MB of resident memory (docs/PERFORMANCE.md, issue 17 item
// 8 fifth pass).
var reflectMethodLookups = []string{
	"reflect.Value.Method", "reflect.Value.MethodByName",
	"reflect.(*rtype).Method", "reflect.(*rtype).MethodByName",
}

// TestLeanLoadLinksNoReflectMethod builds cmd/janus-load and fails when
// its symbols include a reflectMethodLookups function: then something
// janus-load links (text/template most likely, through urfave/cli's
// App or Command.Run) turned the linker's method dead-code elimination
// off. `go build -ldflags=-dumpdep ./cmd/janus-load | grep ReflectMethod`
// names the caller.
func TestLeanLoadLinksNoReflectMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("builds janus-load")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the check builds with go: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "janus-load")
	build := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, "./cmd/janus-load")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/janus-load: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(t.Context(), gobin, "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	syms := symbolNames(string(out))
	if !syms["main.main"] {
		t.Fatalf("go tool nm listed %d symbols, main.main not among them: not janus-load's", len(syms))
	}
	for _, f := range reflectMethodLookups {
		if syms[f] {
			t.Errorf("janus-load links %s: its methods are no longer dead-code eliminated", f)
		}
	}
}

// symbolNames is the set of symbol names in `go tool nm` output (address,
// type, name; a name may hold spaces).
func symbolNames(nm string) map[string]bool {
	syms := map[string]bool{}
	for _, line := range strings.Split(nm, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 {
			syms[strings.Join(f[2:], " ")] = true
		}
	}
	return syms
}

// TestSymbolNames: a text symbol and a name with spaces are read whole.
func TestSymbolNames(t *testing.T) {
	got := symbolNames("  4e5160 T reflect.Value.Method\n  56cee0 T main.main\n  1000 D go:string.\"a b\"\n")
	for _, want := range []string{"reflect.Value.Method", "main.main", `go:string."a b"`} {
		if !got[want] {
			t.Errorf("symbolNames lacks %q: %v", want, got)
		}
	}
}
