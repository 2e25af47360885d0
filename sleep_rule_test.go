package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEverySleepSaysWhy holds the tests to issue 18's rule: no time.Sleep
// in a test unless a comment (on its line or ending within the three lines
// above) says why testing/synctest cannot serve, or that the sleep runs on
// a synctest bubble's fake clock.
func TestEverySleepSaysWhy(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, line := range bareSleeps(fset, f) {
			t.Errorf("%s:%d: time.Sleep without a comment saying why synctest cannot serve", path, line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bareSleeps lists the lines of f's time.Sleep calls that no comment
// explains.
func bareSleeps(fset *token.FileSet, f *ast.File) []int {
	commented := map[int]bool{}
	for _, cg := range f.Comments {
		end := fset.Position(cg.End()).Line
		for l := end; l <= end+3; l++ {
			commented[l] = true
		}
	}
	var bare []int
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Sleep" {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "time" {
			return true
		}
		if line := fset.Position(call.Pos()).Line; !commented[line] {
			bare = append(bare, line)
		}
		return true
	})
	return bare
}
