package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The function-size limits of issue 18: outside tests and generated code no
// function is longer or more branched than this.
const (
	maxFuncLines = 80
	maxFuncCyclo = 25
)

// oversized are the functions over a limit when the rule came in (issue 18),
// with their size then. An entry may only shrink: the test fails when a
// function not listed here goes over a limit, when a listed one grows, and
// when a listed one is back within the limits (delete its row). Keep the
// table sorted by name, one row per function, so branches that split
// functions merge by deleting rows.
var oversized = []struct {
	fn           string // package dir, then [receiver.]name
	lines, cyclo int
}{}

// TestFunctionSize measures every function as gocyclo would (1 + if, for,
// range, case, select case, && and ||, closures counted in the function
// that holds them) and its length in lines, from func to closing brace.
func TestFunctionSize(t *testing.T) {
	sizes, err := funcSizes(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(oversized, func(a, b struct {
		fn           string
		lines, cyclo int
	}) int {
		return strings.Compare(a.fn, b.fn)
	}) {
		t.Errorf("oversized is not sorted by name: keep it sorted so that merges stay simple")
	}
	listed := map[string]bool{}
	for _, o := range oversized {
		if listed[o.fn] {
			t.Errorf("oversized lists %s twice", o.fn)
		}
		listed[o.fn] = true
		s, ok := sizes[o.fn]
		switch {
		case !ok:
			t.Errorf("oversized lists %s, which no longer exists: delete its row", o.fn)
		case s.lines <= maxFuncLines && s.cyclo <= maxFuncCyclo:
			t.Errorf("%s is within the limits now (%d lines, cyclomatic %d): delete its row from oversized", o.fn, s.lines, s.cyclo)
		case s.lines > max(o.lines, maxFuncLines) || s.cyclo > max(o.cyclo, maxFuncCyclo):
			t.Errorf("%s (%s) grew: %d lines, cyclomatic %d; listed at %d and %d, limits %d and %d: split it",
				o.fn, s.pos, s.lines, s.cyclo, o.lines, o.cyclo, maxFuncLines, maxFuncCyclo)
		}
	}
	for _, fn := range sortedKeys(sizes) {
		s := sizes[fn]
		if !listed[fn] && (s.lines > maxFuncLines || s.cyclo > maxFuncCyclo) {
			t.Errorf("%s (%s): %d lines, cyclomatic %d; the limits are %d lines and %d: split it",
				fn, s.pos, s.lines, s.cyclo, maxFuncLines, maxFuncCyclo)
		}
	}
}

// funcSize is one function's measure.
type funcSize struct {
	pos          string // file:line from the repository root, for the message
	lines, cyclo int
}

// funcSizes measures every function declared in the non-test, non-generated
// Go files under root, keyed by package dir and [receiver.]name (init
// functions, which may repeat, also by file).
func funcSizes(root string) (map[string]funcSize, error) {
	sizes := map[string]funcSize{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && d.Name() != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return fmt.Errorf("function size: parse %s: %w", path, err)
		}
		if ast.IsGenerated(f) {
			return nil
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
			sizes[funcKey(path, fd)] = funcSize{pos: fmt.Sprintf("%s:%d", relPath(path), start.Line),
				lines: end.Line - start.Line + 1, cyclo: cyclomatic(fd)}
		}
		return nil
	})
	return sizes, err
}

// funcKey names fd as the oversized table does: "tui.Model.Update" for a
// method in tui/, "main.run" for a function in the root package.
func funcKey(path string, fd *ast.FuncDecl) string {
	rel, err := filepath.Rel(repoRoot, path)
	if err == nil {
		path = rel
	}
	dir := filepath.ToSlash(filepath.Dir(path))
	if dir == "." {
		dir = "main"
	}
	name := fd.Name.Name
	if fd.Recv != nil && len(fd.Recv.List) == 1 {
		name = recvName(fd.Recv.List[0].Type) + "." + name
	}
	if name == "init" {
		name += "@" + filepath.Base(path)
	}
	return dir + "." + name
}

// recvName is a receiver type's name without pointer or type parameters.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

// cyclomatic is gocyclo's measure: 1, plus one for each if, for, range,
// non-default case and select case, && and ||.
func cyclomatic(fd *ast.FuncDecl) int {
	c := 1
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if n.List != nil {
				c++
			}
		case *ast.CommClause:
			if n.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}

// TestCyclomatic pins the measure on a function whose count is known.
func TestCyclomatic(t *testing.T) {
	const src = `package p
func f(a, b bool, xs []int, ch chan int) {
	if a && b || a { // 1 if, 1 &&, 1 ||
	}
	for i := 0; i < 1; i++ { // 1
	}
	for range xs { // 1
	}
	switch {
	case a: // 1
	case b, a: // 1 (one clause, however many values)
	default: // 0
	}
	select {
	case <-ch: // 1
	default: // 0
	}
	_ = func() {
		if b { // 1: a closure counts in its function
		}
	}
}`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := cyclomatic(f.Decls[0].(*ast.FuncDecl)); got != 10 {
		t.Errorf("cyclomatic = %d, want 10", got)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// repoRoot is the module's root, from this package's directory.
const repoRoot = "../.."

// relPath is path from the repository root.
func relPath(path string) string {
	if rel, err := filepath.Rel(repoRoot, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}
