//go:build linux

package coderun

import (
	"strings"
	"testing"
)

// TestIsolation is the answers that try to pass by bending the tests
// instead of solving the task (issue 15): shadowed builtins, init code
// that exits, redefined or re-pointed test helpers, tampered prototypes
// and fake PASS lines. Every row's code is wrong, so only a working attack
// could pass it; each must end failed.
func TestIsolation(t *testing.T) {
	goTests := "package main\n\nvar cases = [][2]int{{2, 4}, {3, 9}}\n\nfunc check(ok bool, msg string) {\n\tif !ok {\n\t\tpanic(msg)\n\t}\n}\n\nfunc main() {\n\tfor _, c := range cases {\n\t\tcheck(Square(c[0]) == c[1], \"Square is wrong\")\n\t}\n}\n"
	wrongGo := "func Square(x int) int { return 0 }\n"
	usesTrueAndError := "func main() {\n\tvar e error\n\tok := Square(3) == 9\n\tif ok != true || e != nil {\n\t\tpanic(\"Square is wrong\")\n\t}\n}\n"
	t.Run("go", func(t *testing.T) {
		runCases(t, Go, []runCase{
			{name: "honest answer passes", code: "func Square(x int) int { return x * x }\n", tests: goTests, want: StatusPassed},
			{name: "panic shadowed", code: wrongGo + "func panic(v interface{}) {}\n", tests: goTests, want: StatusFailed, reasonHas: `declares "panic", a predeclared identifier`},
			{name: "range's len shadowed", code: wrongGo + "func len(v any) int { return 0 }\n", tests: "func main() {\n\tif len([]int{Square(1)}) != 1 || Square(2) != 4 {\n\t\tpanic(\"wrong\")\n\t}\n}\n", want: StatusFailed, reasonHas: "predeclared"},
			{name: "a max helper the tests do not use passes", code: "func max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n\nfunc Square(x int) int { return max(x, -x) * max(x, -x) }\n", tests: goTests, want: StatusPassed},
			{name: "true redefined", code: wrongGo + "const true = false\n", tests: usesTrueAndError, want: StatusFailed, reasonHas: `declares "true"`},
			{name: "error type redefined", code: wrongGo + "type error interface{}\n", tests: usesTrueAndError, want: StatusFailed, reasonHas: `declares "error"`},
			{name: "true redefined where the tests do not use it", code: wrongGo + "const true = false\n", tests: goTests, want: StatusFailed},
			{name: "init exits 0", code: "import \"os\"\n\nfunc init() { os.Exit(0) }\n\n" + wrongGo, tests: goTests, want: StatusFailed, reasonHas: "os.Exit(0)"},
			{name: "init empties the tests' cases", code: "func init() { cases = nil }\n\n" + wrongGo, tests: goTests, want: StatusFailed, reasonHas: "does not compile"},
			{name: "test helper redefined", code: wrongGo + "func check(ok bool, msg string) {}\n", tests: goTests, want: StatusFailed, reasonHas: "Square is wrong"},
			{name: "tests' variable redeclared", code: wrongGo + "var cases = [][2]int{}\n", tests: goTests, want: StatusFailed, reasonHas: "Square is wrong"},
			{name: "init prints a fake PASS", code: "import \"fmt\"\n\nfunc init() { fmt.Println(\"PASS\\nok all tests passed\") }\n\n" + wrongGo, tests: goTests, want: StatusFailed, reasonHas: "Square is wrong"},
			{name: "import named panic", code: "import panic \"fmt\"\n\nfunc Square(x int) int { panic.Sprint(); return 0 }\n", tests: goTests, want: StatusFailed, reasonHas: "predeclared"},
			{name: "dot import", code: "import . \"strings\"\n\nfunc Square(x int) int { _ = Repeat; return 0 }\n", tests: goTests, want: StatusFailed, reasonHas: "dot import"},
			{name: "import alias takes the tests' package name", code: "import fmt \"strings\"\n\n" + wrongGo,
				tests: "import \"fmt\"\n\nfunc main() { if Square(2) != 4 { panic(fmt.Sprint(\"wrong\")) } }\n", want: StatusFailed, reasonHas: "the name the tests use"},
			{name: "declaration takes the tests' package name", code: wrongGo + "var fmt = 1\n",
				tests: "import \"fmt\"\n\nfunc main() { if Square(2) != 4 { panic(fmt.Sprint(\"wrong\")) } }\n", want: StatusFailed, reasonHas: "the tests import a package as"},
		})
	})
	jsTests := "const cases = [[2, 4], [3, 9]];\nfor (const [x, want] of cases) assertEqual(square(x), want, 'square(' + x + ')');\nassertEqual(JSON.stringify([square(4)]), '[16]');"
	wrongJS := "function square(x) { return 0; }\n"
	t.Run("javascript", func(t *testing.T) {
		runCases(t, JavaScript, []runCase{
			{name: "honest answer passes", code: "function square(x) { return x * x; }", tests: jsTests, want: StatusPassed},
			{name: "honest answer overriding toString on its own objects passes",
				code: "function P() {}\nP.prototype.toString = function () { return 'p'; };\nvar o = {}; o.toString = function () { return 'o'; };\nfunction square(x) { return String(new P()) === 'p' && String(o) === 'o' ? x * x : -1; }", tests: jsTests, want: StatusPassed},
			{name: "honest modern code under the frozen builtins passes",
				code: "class SquareError extends Error { constructor(m) { super(m); this.name = 'SquareError'; } }\nclass Bag extends Array {}\nconst memo = new Map();\nfunction square(x) {\n  if (typeof x !== 'number') throw new SquareError('nan');\n  if (!memo.has(x)) memo.set(x, [...Bag.from([x])].reduce((a, b) => a * b, x));\n  const s = JSON.parse(JSON.stringify({v: memo.get(x)}));\n  return /^\\d+$/.test(String(s.v)) ? s.v : -1;\n}", tests: jsTests, want: StatusPassed},
			{name: "assert redefined", code: wrongJS + "function assertEqual() {}", tests: jsTests, want: StatusFailed, reasonHas: "code failed to load"},
			{name: "array iterator emptied", code: wrongJS + "Array.prototype[Symbol.iterator] = function* () {};", tests: jsTests, want: StatusFailed, reasonHas: "square(2)"},
			{name: "array iterator emptied in strict mode", code: "'use strict';\n" + wrongJS + "Array.prototype[Symbol.iterator] = function* () {};", tests: jsTests, want: StatusFailed, reasonHas: "code failed to load"},
			{name: "JSON.stringify replaced", code: "function square(x) { return x === 4 ? 0 : x * x; }\nJSON.stringify = function () { return '[16]'; };", tests: jsTests, want: StatusFailed, reasonHas: "got"},
			{name: "JSON rebound", code: "function square(x) { return x === 4 ? 0 : x * x; }\nJSON = {stringify: function () { return '[16]'; }};", tests: jsTests, want: StatusFailed, reasonHas: "got"},
			{name: "Object.prototype.toString replaced", code: wrongJS + "Object.prototype.toString = function () { return ''; };", tests: jsTests, want: StatusFailed},
			{name: "console.log prints a fake PASS", code: wrongJS + "console.log('PASS: all tests passed'); console = {log: function () {}};", tests: jsTests, want: StatusFailed, reasonHas: "square(2)"},
		})
	})
	if _, err := python3(); err != nil {
		t.Logf("python rows skipped: %v", err)
		return
	}
	pyTests := "for x, want in [(2, 4), (3, 9)]:\n    assert square(x) == want, 'square(%d)' % x\nassert len([1, 2]) == 2\n"
	wrongPy := "def square(x):\n    return 0\n"
	t.Run("python", func(t *testing.T) {
		runCases(t, Python, []runCase{
			{name: "honest answer passes", code: "def square(x):\n    return x * x\n", tests: pyTests, want: StatusPassed},
			{name: "exec rebound", code: wrongPy + "import builtins\nbuiltins.exec = lambda *a, **k: None\n", tests: pyTests, want: StatusFailed, reasonHas: "square(2)"},
			{name: "len rebound", code: "def square(x):\n    return x * x\nimport builtins\nbuiltins.len = lambda v: 3\n", tests: pyTests, want: StatusPassed},
			{name: "BaseException rebound", code: wrongPy + "import builtins\nbuiltins.BaseException = int\nbuiltins.AssertionError = int\n", tests: pyTests, want: StatusFailed, reasonHas: "square(2)"},
			{name: "json.dumps rebound", code: wrongPy + "import json\njson.dumps = lambda v: '{\"status\": \"passed\", \"reason\": \"x\"}'\n", tests: pyTests, want: StatusFailed, reasonHas: "square(2)"},
			{name: "empties tests.py", code: wrongPy + "open('tests.py', 'w').close()\n", tests: pyTests, want: StatusFailed, reasonHas: "square(2)"},
			{name: "reads the hidden tests", code: "import re\nsrc = open('tests.py').read()\ndef square(x):\n    return 4 if x == 2 else 9\n", tests: pyTests, want: StatusFailed, reasonHas: "code failed to load"},
			{name: "prints a fake PASS", code: wrongPy + "print('PASS all tests passed')\n", tests: pyTests, want: StatusFailed, reasonHas: "square(2)"},
		})
	})
}

// TestMergeGoRenamesTheTestsApart checks the tests' own names get the
// per-run prefix everywhere they are used, and nothing else does.
func TestMergeGoRenamesTheTestsApart(t *testing.T) {
	src, err := mergeGo("func F() int { return 1 }\n", "type pair struct{ check int }\n\nvar cases = []pair{{check: 1}}\n\nfunc check(p pair) bool { return p.check == F() }\n\nfunc main() {\n\tfor _, c := range cases {\n\t\tif !check(c) {\n\t\t\tpanic(\"no\")\n\t\t}\n\t}\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"_pair struct{ check int }", "_check(p janusT", "p.check == F()", "{check: 1}", "func main()", "range janusT"} {
		if !strings.Contains(src, want) {
			t.Errorf("merged source lacks %q:\n%s", want, src)
		}
	}
	if strings.Count(src, "janusT") != 7 {
		t.Errorf("want 7 renamed identifiers (pair×3, cases×2, check×2):\n%s", src)
	}
}

// FuzzMergeGo: any answer merges without panicking; a merge that succeeds
// parses, never declares a predeclared name at package level, and keeps
// the tests' own names apart (renamed) from the answer's.
func FuzzMergeGo(f *testing.F) {
	tests := "import \"fmt\"\n\nvar cases = []int{1}\n\nfunc check(v int) { if v != 1 { panic(fmt.Sprint(v)) } }\n\nfunc main() { for _, c := range cases { check(F(c)) } }\n"
	for _, s := range []string{"func F(x int) int { return x }", "func panic(v any) {}", "import . \"strings\"\nfunc F(int) int { return 0 }",
		"var cases = 1\nfunc check(int) {}", "package main\nfunc init() { cases = nil }", "import panic \"fmt\"", "//line x.go:1\nfunc F(x int) int { return x }"} {
		f.Add(s)
	}
	pt, err := parseGoResolved("tests.go", tests)
	if err != nil {
		f.Fatal(err)
	}
	parsedTests := pt.file
	f.Fuzz(func(t *testing.T, code string) {
		src, err := mergeGo(code, tests)
		if err != nil {
			return
		}
		s, perr := parseGoResolved("merged.go", src)
		if perr != nil {
			t.Fatalf("merged source does not parse: %v\n%s", perr, src)
		}
		names := topNames(s.file)
		used := unresolvedNames(parsedTests)
		for name := range names {
			if goPredeclared[name] && used[name] {
				t.Fatalf("merged source declares %q, which the tests use", name)
			}
		}
		if _, ok := names["check"]; ok && !strings.Contains(code, "check") {
			t.Fatalf("the tests' check was not renamed:\n%s", src)
		}
	})
}
