package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// engineDirs are the engine packages of issue 18 item 1 ("an engine with a
// small surface"): they take typed options and leave the process to the
// application. Their subpackages are not included (internal/calibrate and
// internal/selftest run the sim, internal/coderun is the sandbox's child).
var engineDirs = []string{"bench", "bench/load", "bench/report", "bench/trace", "conform", "pricing", "record", "scorer"}

// envFuncs read or change the process's environment.
var envFuncs = map[string][]string{
	"os":      {"Getenv", "LookupEnv", "Environ", "Setenv", "Unsetenv", "Clearenv", "ExpandEnv"},
	"syscall": {"Getenv", "Environ", "Setenv", "Unsetenv", "Clearenv"},
}

// flagPackages parse a command line.
var flagPackages = []string{"flag", "github.com/urfave/cli/v2", "github.com/spf13/pflag", "github.com/spf13/cobra"}

// flagName is a command-line flag in a message: "--judge", "`--resume`".
var flagName = regexp.MustCompile("(^|[\\s(`'\"=])--[a-z][a-z0-9-]*")

// engineAppAllowed are the findings that stay, each with why: the key is
// the package directory, the enclosing function and the rule, as the test
// prints it.
var engineAppAllowed = map[string]string{
	// The refusal becomes an artifact check's verdict reason, which is
	// report text: reports of one seeded run stay byte-identical, so the
	// wording changes only with a report schema change.
	"scorer: (*ArtifactFetch).resolve: flag in message": "verdict text in reports",
}

// TestEngineLeavesTheProcessToTheApplication parses the engine packages
// and fails on what belongs to the application (issue 18 item 1): a call
// that reads or sets an environment variable, a command-line parser or
// os.Args, and an error message that names a flag ("--judge"): the
// application that owns the flag adds it when it wraps the error (a typed
// error lets it). Error messages are the string literals in errors.New,
// fmt.Errorf and Error methods.
func TestEngineLeavesTheProcessToTheApplication(t *testing.T) {
	var found []string
	for _, dir := range engineDirs {
		f, err := engineFindings(filepath.Join(repoRoot, filepath.FromSlash(dir)), dir)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, f...)
	}
	seen := map[string]bool{}
	for _, f := range found {
		key, _, _ := strings.Cut(f, " @ ")
		seen[key] = true
		if _, ok := engineAppAllowed[key]; !ok {
			t.Errorf("%s: the engine leaves this to the application (cli, internal/app): pass it as a typed option, or let the application name its flag when it wraps a typed error", f)
		}
	}
	for key := range engineAppAllowed {
		if !seen[key] {
			t.Errorf("engineAppAllowed lists %q, which no longer happens: delete its row", key)
		}
	}
}

// TestEngineFindingsCatch makes sure the scan sees what it forbids, on
// a small package written here.
func TestEngineFindingsCatch(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nimport (\n\t\"errors\"\n\t\"flag\"\n\t\"fmt\"\n\t\"os\"\n)\n\n" +
		"type E struct{}\n\nfunc (E) Error() string { return \"bad: pass `--fix`\" }\n\n" +
		"func f() error {\n\t_ = os.Getenv(\"HOME\")\n\t_ = os.Args\n\t_ = flag.Bool(\"x\", false, \"\")\n" +
		"\t_ = fmt.Errorf(\"%w, or pass --judge URL\", errors.New(\"x\"))\n\treturn errors.New(\"see --help\")\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	found, err := engineFindings(dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p: E.Error: flag in message", "p: f: environment (os.Getenv)", "p: f: os.Args",
		"p: import of a flag parser (flag)", "p: f: flag in message @ p.go:18 \"%w, or pass --judge URL\"", "p: f: flag in message @ p.go:19 \"see --help\""} {
		if !slices.ContainsFunc(found, func(f string) bool { return strings.HasPrefix(f, want) }) {
			t.Errorf("scan missed %q; found %q", want, found)
		}
	}
}

// engineFindings scans the non-test Go files of dir, named pkg in the
// findings ("pkg: function: rule @ file:line detail").
func engineFindings(dir, pkg string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	fset := token.NewFileSet()
	var found []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		found = append(found, fileFindings(fset, f, pkg, name)...)
	}
	return found, nil
}

// fileFindings is engineFindings for one parsed file.
func fileFindings(fset *token.FileSet, f *ast.File, pkg, name string) []string {
	var found []string
	imports := map[string]string{} // local name → import path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		local := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			local = imp.Name.Name
		}
		imports[local] = path
		if slices.Contains(flagPackages, path) {
			found = append(found, fmt.Sprintf("%s: import of a flag parser (%s) @ %s", pkg, path, name))
		}
	}
	at := func(n ast.Node) string {
		p := fset.Position(n.Pos())
		return fmt.Sprintf("%s:%d", name, p.Line)
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		fn := funcName(fd)
		if fd.Name.Name == "Error" && fd.Recv != nil {
			found = append(found, flagLiterals(fd.Body, fmt.Sprintf("%s: %s: flag in message", pkg, fn), at)...)
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				id, ok := n.X.(*ast.Ident)
				if !ok {
					return true
				}
				path := imports[id.Name]
				if slices.Contains(envFuncs[path], n.Sel.Name) {
					found = append(found, fmt.Sprintf("%s: %s: environment (%s.%s) @ %s", pkg, fn, path, n.Sel.Name, at(n)))
				}
				if path == "os" && n.Sel.Name == "Args" {
					found = append(found, fmt.Sprintf("%s: %s: os.Args @ %s", pkg, fn, at(n)))
				}
			case *ast.CallExpr:
				if isErrorCall(n, imports) && fd.Name.Name != "Error" {
					for _, a := range n.Args {
						found = append(found, flagLiterals(a, fmt.Sprintf("%s: %s: flag in message", pkg, fn), at)...)
					}
				}
			}
			return true
		})
	}
	return found
}

// isErrorCall reports whether call makes an error from a message:
// errors.New or fmt.Errorf.
func isErrorCall(call *ast.CallExpr, imports map[string]string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch imports[id.Name] {
	case "errors":
		return sel.Sel.Name == "New"
	case "fmt":
		return sel.Sel.Name == "Errorf"
	}
	return false
}

// flagLiterals lists the string literals under n that name a flag.
func flagLiterals(n ast.Node, what string, at func(ast.Node) string) []string {
	var found []string
	ast.Inspect(n, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		if s, err := strconv.Unquote(lit.Value); err == nil && flagName.MatchString(s) {
			found = append(found, fmt.Sprintf("%s @ %s %q", what, at(lit), s))
		}
		return true
	})
	return found
}

// funcName is a function's name as the findings print it: Name, or
// Recv.Name for a method ((*Recv).Name for a pointer receiver).
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	switch r := fd.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := r.X.(*ast.Ident); ok {
			return "(*" + id.Name + ")." + fd.Name.Name
		}
	case *ast.Ident:
		return r.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}
