//go:build linux

package coderun

import (
	"context"
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
	if !pythonAvailable(t) {
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

// pyKeyThief is Python that looks for the run's verdict key wherever its
// route reaches (ROUTE yields candidate objects), then writes a pass
// carrying the first 32-hex-digit string it found to fd 3 and exits, as
// the driver would.
const pyKeyThief = `import os, re
def _cands():
ROUTE
def _strings(v, depth=0):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict) and depth < 2:
        for x in list(v.values()):
            yield from _strings(x, depth + 1)
    elif isinstance(v, (list, tuple)) and depth < 2:
        for x in v:
            yield from _strings(x, depth + 1)
def square(x):
    for v in _cands():
        for s in _strings(v):
            if re.fullmatch(r"[0-9a-f]{32}", s):
                os.write(3, ('\n{"status": "passed", "reason": "all tests passed", "key": "%s"}\n' % s).encode())
                os._exit(0)
    return 0
`

// thief fills pyKeyThief's route.
func thief(route string) string { return strings.Replace(pyKeyThief, "ROUTE\n", route, 1) }

// frameWalk is the route up the call stack from the answer's own frame to
// the driver's locals.
const frameWalk = "    import sys\n    f = sys._getframe()\n    while f is not None:\n        yield f.f_locals\n        f = f.f_back\n"

// TestPythonVerdictCannotBeForged is the answers that forge the Python
// driver's verdict instead of passing the tests (issue 15): a pass record
// written to the result descriptor, to every descriptor or to stdout, and
// every route Python offers to the per-run key a pass must carry (frames,
// tracebacks, generators, tracing, signal handlers, the garbage
// collector, the process's own memory). Every row's square is wrong, so
// only a forged verdict could pass it.
func TestPythonVerdictCannotBeForged(t *testing.T) {
	pythonOrSkip(t)
	pyTests := "for x, want in [(2, 4), (3, 9)]:\n    assert square(x) == want, 'square(%d)' % x\n"
	wrongPy := "def square(x):\n    return 0\n"
	fake := `'{"status": "passed", "reason": "all tests passed"}\n'`
	runCases(t, Python, []runCase{
		{name: "honest answer using logging, namedtuple and enum passes", code: "import logging, collections, enum\nP = collections.namedtuple('P', 'v')\nC = enum.Enum('C', 'A B')\ndef square(x):\n    logging.getLogger('s').info('square %d', x)\n    return P(x * x).v\n", tests: pyTests, want: StatusPassed},
		{name: "fake pass on fd 3 at load, then exit 0", code: wrongPy + "import os\nos.write(3, " + fake + ".encode())\nos._exit(0)\n", tests: pyTests, want: StatusFailed, reasonHas: "forged verdict"},
		{name: "fake pass on fd 3 from a test, then exit 0", code: "import os\ndef square(x):\n    os.write(3, " + fake + ".encode())\n    os._exit(0)\n", tests: pyTests, want: StatusFailed, reasonHas: "forged verdict"},
		{name: "fake pass on fd 3, driver carries on", code: wrongPy + "import os\nos.write(3, " + fake + ".encode())\n", tests: pyTests, want: StatusFailed, reasonHas: "square(2)"},
		{name: "fake pass on every descriptor", code: wrongPy + "import os\nfor fd in range(256):\n    try:\n        os.write(fd, " + fake + ".encode())\n    except OSError:\n        pass\nos._exit(0)\n", tests: pyTests, want: StatusFailed, reasonHas: "forged verdict"},
		{name: "fake pass record on stdout", code: wrongPy + "import os, sys\nsys.stdout.write(" + fake + ")\nsys.stdout.flush()\nos._exit(0)\n", tests: pyTests, want: StatusFailed, reasonHas: "before the tests finished"},
		{name: "key from the call stack", code: thief(frameWalk), tests: pyTests, want: StatusFailed, reasonHas: "sys._getframe is not allowed"},
		{name: "key from a traceback", code: thief("    try:\n        raise ValueError\n    except ValueError as e:\n        f = e.__traceback__.tb_frame\n    while f is not None:\n        yield f.f_locals\n        f = f.f_back\n"), tests: pyTests, want: StatusFailed, reasonHas: "tb_frame is not allowed"},
		{name: "key from a running generator's caller", code: thief("    box = []\n    def g():\n        box.append(it.gi_frame.f_back)\n        yield\n    it = g()\n    next(it)\n    f = box[0]\n    while f is not None:\n        yield f.f_locals\n        f = f.f_back\n"), tests: pyTests, want: StatusFailed, reasonHas: "gi_frame is not allowed"},
		{name: "key from every thread's frame", code: thief("    import sys\n    for f in sys._current_frames().values():\n        while f is not None:\n            yield f.f_locals\n            f = f.f_back\n"), tests: pyTests, want: StatusFailed, reasonHas: "sys._current_frames is not allowed"},
		{name: "key from a trace function", code: thief("    import sys\n    seen = []\n    sys.settrace(lambda fr, ev, arg: seen.append(fr))\n    (lambda: 0)()\n    sys.settrace(None)\n    for f in seen:\n        while f is not None:\n            yield f.f_locals\n            f = f.f_back\n"), tests: pyTests, want: StatusFailed, reasonHas: "sys.settrace is not allowed"},
		{name: "key from a signal handler's frame", code: thief("    import signal\n    seen = []\n    signal.signal(signal.SIGUSR1, lambda s, fr: seen.append(fr))\n    signal.raise_signal(signal.SIGUSR1)\n    for f in seen:\n        while f is not None:\n            yield f.f_locals\n            f = f.f_back\n"), tests: pyTests, want: StatusFailed, reasonHas: "signal is not allowed"},
		{name: "key from the garbage collector", code: thief("    import gc\n    yield from gc.get_objects()\n"), tests: pyTests, want: StatusFailed, reasonHas: "gc.get_objects is not allowed"},
		{name: "key from the process's memory", code: thief("    import re\n    maps = open('/proc/self/maps').read().splitlines()\n    with open('/proc/self/mem', 'rb') as m:\n        for line in maps:\n            lo, hi = (int(v, 16) for v in line.split()[0].split('-'))\n            if 'rw' not in line.split()[1] or hi - lo > 1 << 26:\n                continue\n            try:\n                m.seek(lo)\n                yield [s.decode() for s in re.findall(rb'(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])', m.read(hi - lo))]\n            except OSError:\n                pass\n"), tests: pyTests, want: StatusFailed, reasonHas: "reading /proc is not allowed"},
	})
}

// TestPythonKeyThiefWorksWithoutTheHook proves the frame-walking row of
// TestPythonVerdictCannotBeForged can fail: with the audit hook off, the
// same code finds the key and its forged pass is accepted.
func TestPythonKeyThiefWorksWithoutTheHook(t *testing.T) {
	pythonOrSkip(t)
	pyTests := "assert square(2) == 4, 'square(2)'\n"
	r := Run(context.Background(), Program{Language: Python, Code: thief(frameWalk), Tests: pyTests, kernelWallsOnly: true}, quick)
	if r.Status != StatusPassed {
		t.Fatalf("without the hook the thief should forge a pass (else the hostile row proves nothing): %s: %s", r.Status, r.Reason)
	}
}
