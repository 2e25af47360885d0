package coderun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// goAllowed are the standard packages interpreted Go may import: pure
// computation, formatting and encoding. Everything that reaches the
// network, the file system, other processes or the runtime (net/..., os
// beyond its stdio, os/exec, syscall, io/ioutil, path/filepath, runtime,
// plugin, unsafe) is absent, so importing it fails to compile.
var goAllowed = map[string]bool{
	"bufio": true, "bytes": true, "cmp": true, "container/heap": true, "container/list": true,
	"container/ring": true, "context": true, "crypto/md5": true, "crypto/sha1": true,
	"crypto/sha256": true, "crypto/sha512": true, "encoding/base32": true, "encoding/base64": true,
	"encoding/binary": true, "encoding/csv": true, "encoding/hex": true, "encoding/json": true,
	"errors": true, "fmt": true, "hash": true, "hash/crc32": true, "hash/fnv": true, "html": true,
	"io": true, "log": true, "maps": true, "math": true, "math/big": true, "math/bits": true,
	"math/cmplx": true, "math/rand": true, "math/rand/v2": true, "regexp": true, "slices": true,
	"sort": true, "strconv": true, "strings": true, "sync": true, "sync/atomic": true,
	"text/tabwriter": true, "time": true, "unicode": true, "unicode/utf16": true, "unicode/utf8": true,
}

// goOSAllowed are the only os symbols interpreted Go sees: its standard
// streams and arguments (yaegi virtualises Getenv and friends itself). Exit
// is replaced by exitCalled.
var goOSAllowed = []string{"Args", "File", "Stdin", "Stdout", "Stderr"}

// exitCalled is the panic value of os.Exit in interpreted Go: exiting
// must not end a run before the tests have had their say.
type exitCalled struct{ code int }

// goSymbols builds the symbol table interpreted Go gets.
func goSymbols() interp.Exports {
	out := interp.Exports{}
	for key, syms := range stdlib.Symbols {
		// Keys are "import/path/name"; the name is the package's.
		slash := strings.LastIndexByte(key, '/')
		if slash > 0 && goAllowed[key[:slash]] {
			out[key] = syms
		}
	}
	osSyms := map[string]reflect.Value{}
	for _, name := range goOSAllowed {
		if v, ok := stdlib.Symbols["os/os"][name]; ok {
			osSyms[name] = v
		}
	}
	osSyms["Exit"] = reflect.ValueOf(func(code int) { panic(exitCalled{code}) })
	out["os/os"] = osSyms
	return out
}

// goSource is one parsed Go file and where its pieces are.
type goSource struct {
	src     string
	fset    *token.FileSet
	file    *ast.File
	prefixd bool // "package main\n" was added in front
}

// parseGo parses a Go file, adding a package clause when the text has none
// (a model may answer with just the function).
func parseGo(name, src string) (*goSource, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err == nil {
		return &goSource{src: src, fset: fset, file: f}, nil
	}
	withPkg := "package main\n" + src
	fset2 := token.NewFileSet()
	if f2, err2 := parser.ParseFile(fset2, name, withPkg, parser.ParseComments|parser.SkipObjectResolution); err2 == nil {
		return &goSource{src: withPkg, fset: fset2, file: f2, prefixd: true}, nil
	}
	return nil, errors.New(oneLine(err.Error(), 200))
}

// goSyntax parses code without running it.
func goSyntax(code string) error {
	_, err := parseGo("solution.go", code)
	return err
}

// goTestsSpec checks Go tests: they must parse and declare func main.
func goTestsSpec(tests string) error {
	s, err := parseGo("tests.go", tests)
	if err != nil {
		return err
	}
	if findMain(s.file) == nil {
		return errors.New("tests declare no func main (the runner calls it)")
	}
	return nil
}

func findMain(f *ast.File) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			return fd
		}
	}
	return nil
}

// solutionMain is what the code's own func main is renamed to.
const solutionMain = "janusSolutionMain"

// goPredeclared are the universe scope's names. Code may not declare one
// the tests use at package level: the tests share the package, and code
// that declares func panic(any) {} (or const true = false, type error int)
// would silence or bend every check the tests make. A helper the tests do
// not touch (the func max(a, b int) int of pre-1.21 habit) is allowed.
var goPredeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true, "int32": true,
	"int64": true, "rune": true, "string": true, "uint": true, "uint8": true, "uint16": true, "uint32": true,
	"uint64": true, "uintptr": true, "true": true, "false": true, "iota": true, "nil": true,
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true,
	"imag": true, "len": true, "make": true, "max": true, "min": true, "new": true, "panic": true,
	"print": true, "println": true, "real": true, "recover": true,
}

// importName is the name an import spec binds in its file: the alias, or
// the path's last element (the one before a /vN major-version suffix).
func importName(imp *ast.ImportSpec) (name, path string) {
	path, _ = strconv.Unquote(imp.Path.Value)
	if imp.Name != nil {
		return imp.Name.Name, path
	}
	parts := strings.Split(path, "/")
	name = parts[len(parts)-1]
	if len(parts) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = parts[len(parts)-2]
	}
	return name, path
}

// topNames lists the names a file declares at package level (methods and
// blank identifiers aside), each with the identifier that declares it.
func topNames(f *ast.File) map[string]*ast.Ident {
	out := map[string]*ast.Ident{}
	for _, d := range f.Decls {
		switch x := d.(type) {
		case *ast.FuncDecl:
			if x.Recv == nil {
				out[x.Name.Name] = x.Name
			}
		case *ast.GenDecl:
			for _, sp := range x.Specs {
				switch s := sp.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						out[n.Name] = n
					}
				case *ast.TypeSpec:
					out[s.Name.Name] = s.Name
				}
			}
		}
	}
	delete(out, "_")
	return out
}

// checkIsolation refuses code that would reach into the tests instead of
// being judged by them: a package-level name that shadows a predeclared
// identifier the tests use, a dot import (its names land in the tests' scope), or an
// import or declaration that takes a name the tests import a package as.
// The tests' own declarations need no such check: they are renamed with a
// per-run nonce (renameTests), so code can neither call, assign nor
// redeclare them.
func checkIsolation(cs, ts *goSource) error {
	testImports := map[string]string{}
	for _, imp := range ts.file.Imports {
		name, path := importName(imp)
		testImports[name] = path
	}
	used := unresolvedNames(ts.file)
	for name, id := range topNames(cs.file) {
		pos := cs.fset.Position(id.Pos())
		if goPredeclared[name] && used[name] {
			return fmt.Errorf("solution.go:%d: code declares %q, a predeclared identifier (shadowing a builtin is refused: the tests rely on it)", pos.Line-cs.lineShift(), name)
		}
		if _, ok := testImports[name]; ok {
			return fmt.Errorf("solution.go:%d: code declares %q, the name the tests import a package as", pos.Line-cs.lineShift(), name)
		}
	}
	for _, imp := range cs.file.Imports {
		name, path := importName(imp)
		if name == "." {
			return fmt.Errorf("solution.go: dot import of %s is refused (its names would land in the tests' scope)", imp.Path.Value)
		}
		if goPredeclared[name] && used[name] {
			return fmt.Errorf("solution.go: code imports %s as %q, a predeclared identifier (shadowing a builtin is refused: the tests rely on it)", imp.Path.Value, name)
		}
		if tp, ok := testImports[name]; ok && tp != path {
			return fmt.Errorf("solution.go: code imports %s as %q, the name the tests use for %q", imp.Path.Value, name, tp)
		}
	}
	return nil
}

// unresolvedNames are the identifiers a file uses without declaring them:
// predeclared names, imported package names and the code's names (and,
// harmlessly, selector and field names, which the parser leaves alone).
func unresolvedNames(f *ast.File) map[string]bool {
	out := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Obj == nil {
			out[id.Name] = true
		}
		return true
	})
	return out
}

// lineShift is 1 when a package clause was added in front of the text.
func (s *goSource) lineShift() int {
	if s.prefixd {
		return 1
	}
	return 0
}

// renameTests maps the byte offset of every identifier in the tests that
// names one of the tests' own package-level declarations (bar main and
// init) to that name prefixed with prefix, which holds a per-run nonce.
// The tests are parsed with object resolution, so a local variable or a
// field that happens to share a name is left alone.
func renameTests(ts *goSource, prefix string) map[int]rename {
	own := map[*ast.Object]bool{}
	for name, id := range topNames(ts.file) {
		if name != "main" && name != "init" && id.Obj != nil {
			own[id.Obj] = true
		}
	}
	out := map[int]rename{}
	ast.Inspect(ts.file, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Obj != nil && own[id.Obj] {
			out[ts.fset.Position(id.Pos()).Offset] = rename{old: id.Name, new: prefix + id.Name}
		}
		return true
	})
	return out
}

// mergeGo makes one package main file of code and tests: the union of their
// imports, then the code's declarations (its main renamed so it never
// runs), then the tests' declarations with their own names renamed apart
// (renameTests), after checkIsolation has refused code that would shadow
// what the tests use. //line directives keep compile and panic positions
// pointing at solution.go and tests.go.
func mergeGo(code, tests string) (string, error) {
	cs, err := parseGo("solution.go", code)
	if err != nil {
		return "", fmt.Errorf("code does not parse: %w", err)
	}
	ts, err := parseGoResolved("tests.go", tests)
	if err != nil {
		return "", fmt.Errorf("tests do not parse: %w", err)
	}
	if findMain(ts.file) == nil {
		return "", errors.New("tests declare no func main")
	}
	if err := checkIsolation(cs, ts); err != nil {
		return "", err
	}
	seen := map[string]bool{}
	var imports []string
	for _, s := range []*goSource{cs, ts} {
		for _, imp := range s.file.Imports {
			if path, err := strconv.Unquote(imp.Path.Value); err != nil || !(goAllowed[path] || path == "os") {
				return "", fmt.Errorf("import %s is not available in the sandbox (only pure standard packages are)", imp.Path.Value)
			}
			spec := imp.Path.Value
			if imp.Name != nil {
				spec = imp.Name.Name + " " + spec
			}
			if !seen[spec] {
				seen[spec] = true
				imports = append(imports, spec)
			}
		}
	}
	sort.Strings(imports)
	var b strings.Builder
	b.WriteString("package main\n\n")
	if len(imports) > 0 {
		b.WriteString("import (\n")
		for _, spec := range imports {
			b.WriteString("\t" + spec + "\n")
		}
		b.WriteString(")\n")
	}
	cs.writeDecls(&b, "solution.go", true, nil)
	ts.writeDecls(&b, "tests.go", false, renameTests(ts, testPrefix()))
	return b.String(), nil
}

// rename is one identifier's old and new name.
type rename struct{ old, new string }

// testPrefix is the per-run prefix of the tests' own names: random, so no
// code can name them even by guessing the scheme.
func testPrefix() string {
	var n [8]byte
	if _, err := rand.Read(n[:]); err != nil {
		panic("coderun: crypto/rand: " + err.Error()) // the runtime aborts before this returns an error
	}
	return "janusT" + hex.EncodeToString(n[:]) + "_"
}

// parseGoResolved is parseGo with object resolution, which renameTests
// needs to tell the tests' own names from fields and locals.
func parseGoResolved(name, src string) (*goSource, error) {
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, name, src, parser.ParseComments); err == nil {
		return &goSource{src: src, fset: fset, file: f}, nil
	}
	withPkg := "package main\n" + src
	fset2 := token.NewFileSet()
	f2, err := parser.ParseFile(fset2, name, withPkg, parser.ParseComments)
	if err != nil {
		return nil, errors.New(oneLine(err.Error(), 200))
	}
	return &goSource{src: withPkg, fset: fset2, file: f2, prefixd: true}, nil
}

// writeDecls copies the file's non-import declarations, with their doc
// comments, each after a //line directive naming its original position;
// renames maps byte offsets of identifiers to the names they get.
func (s *goSource) writeDecls(b *strings.Builder, name string, renameMain bool, renames map[int]rename) {
	for _, d := range s.file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		start := d.Pos()
		switch x := d.(type) {
		case *ast.FuncDecl:
			if x.Doc != nil {
				start = x.Doc.Pos()
			}
		case *ast.GenDecl:
			if x.Doc != nil {
				start = x.Doc.Pos()
			}
		}
		from := s.fset.Position(start).Offset
		to := s.fset.Position(d.End()).Offset
		text := spliceNames(s.src, from, to, renames)
		if fd, ok := d.(*ast.FuncDecl); ok && renameMain && fd.Recv == nil && fd.Name.Name == "main" {
			at := s.fset.Position(fd.Name.Pos()).Offset - from
			text = text[:at] + solutionMain + text[at+len("main"):]
		}
		line := s.fset.Position(start).Line - s.lineShift() // an added package clause is not the author's line
		b.WriteString("\n//line " + name + ":" + strconv.Itoa(line) + "\n")
		b.WriteString(text)
		b.WriteString("\n")
	}
}

// spliceNames returns src[from:to] with every identifier at an offset in
// renames replaced by its new name.
func spliceNames(src string, from, to int, renames map[int]rename) string {
	var at []int
	for off := range renames {
		if off >= from && off < to {
			at = append(at, off)
		}
	}
	if len(at) == 0 {
		return src[from:to]
	}
	sort.Ints(at)
	var b strings.Builder
	last := from
	for _, off := range at {
		r := renames[off]
		if !strings.HasPrefix(src[off:], r.old) {
			continue // cannot happen: the parser's offset names the identifier
		}
		b.WriteString(src[last:off])
		b.WriteString(r.new)
		last = off + len(r.old)
	}
	b.WriteString(src[last:to])
	return b.String()
}

// runGo merges the job's code and tests and runs them on yaegi: the tests'
// main returning normally is a pass.
func runGo(j job) outcome {
	src, err := mergeGo(j.Code, j.Tests)
	if err != nil {
		return outcome{Status: StatusFailed, Reason: oneLine(err.Error(), 200)}
	}
	i := interp.New(interp.Options{
		Stdin:  strings.NewReader(""),
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Args:   []string{"solution"},
		Env:    []string{},
		// No source files at all: an import of anything but the allowed
		// symbol tables (a relative "../../evilpkg", a GOPATH package)
		// has nothing to load, inside the sandbox or not.
		SourcecodeFilesystem: noSource{},
		GoPath:               "/nonexistent",
	})
	if err := i.Use(goSymbols()); err != nil {
		return outcome{Status: StatusError, Reason: "child: load symbols: " + err.Error()}
	}
	wall := time.Duration(j.WallNs)
	ctx, cancel := context.WithTimeout(context.Background(), wall)
	defer cancel()
	_, err = i.EvalWithContext(ctx, src)
	switch {
	case err == nil:
		return outcome{Status: StatusPassed, Reason: "all tests passed"}
	case ctx.Err() != nil:
		return outcome{Status: StatusKilled, Reason: fmt.Sprintf("killed: wall-time limit %s exceeded (interrupted)", fmtDuration(wall))}
	}
	var p interp.Panic
	if errors.As(err, &p) {
		if e, ok := p.Value.(exitCalled); ok {
			return outcome{Status: StatusFailed, Reason: fmt.Sprintf("os.Exit(%d) called: tests pass only by returning from main", e.code)}
		}
		return outcome{Status: StatusFailed, Reason: "test failed: panic: " + oneLine(fmt.Sprint(p.Value), 200)}
	}
	if m := goMissingImportRe.FindStringSubmatch(err.Error()); m != nil {
		return outcome{Status: StatusFailed, Reason: fmt.Sprintf("does not compile: import %q is not available in the sandbox (only pure standard packages are)", m[1])}
	}
	return outcome{Status: StatusFailed, Reason: "does not compile: " + oneLine(err.Error(), 200)}
}

// goMissingImportRe is yaegi's error for an import it has no symbols for
// and, with no GOPATH, no source either.
var goMissingImportRe = regexp.MustCompile(`import "([^"]+)" error: unable to find source`)

// noSource is yaegi's source file system: it holds nothing.
type noSource struct{}

// Open implements fs.FS: no file exists.
func (noSource) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
