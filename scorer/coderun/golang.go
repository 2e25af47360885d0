package coderun

import (
	"context"
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

// mergeGo makes one package main file of code and tests: the union of their
// imports, then the code's declarations (its main renamed so it never
// runs), then the tests' declarations. //line directives keep compile and
// panic positions pointing at solution.go and tests.go.
func mergeGo(code, tests string) (string, error) {
	cs, err := parseGo("solution.go", code)
	if err != nil {
		return "", fmt.Errorf("code does not parse: %w", err)
	}
	ts, err := parseGo("tests.go", tests)
	if err != nil {
		return "", fmt.Errorf("tests do not parse: %w", err)
	}
	if findMain(ts.file) == nil {
		return "", errors.New("tests declare no func main")
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
	for _, s := range []*goSource{cs, ts} {
		name := "solution.go"
		if s == ts {
			name = "tests.go"
		}
		s.writeDecls(&b, name, s == cs)
	}
	return b.String(), nil
}

// writeDecls copies the file's non-import declarations, with their doc
// comments, each after a //line directive naming its original position.
func (s *goSource) writeDecls(b *strings.Builder, name string, renameMain bool) {
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
		text := s.src[from:to]
		if fd, ok := d.(*ast.FuncDecl); ok && renameMain && fd.Recv == nil && fd.Name.Name == "main" {
			at := s.fset.Position(fd.Name.Pos()).Offset - from
			text = text[:at] + solutionMain + text[at+len("main"):]
		}
		line := s.fset.Position(start).Line
		if s.prefixd {
			line-- // the added package clause is not the author's line
		}
		b.WriteString("\n//line " + name + ":" + strconv.Itoa(line) + "\n")
		b.WriteString(text)
		b.WriteString("\n")
	}
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
