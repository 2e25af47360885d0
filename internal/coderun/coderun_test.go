//go:build linux

package coderun

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quick are limits small enough that a runaway program is stopped fast.
var quick = Limits{Wall: 3 * time.Second, CPU: time.Second, Memory: 64 << 20}

// cpuBound leaves the CPU limit as the only one a busy loop can hit, however
// busy the machine running the tests is.
var cpuBound = Limits{Wall: 30 * time.Second, CPU: time.Second, Memory: 64 << 20}

type runCase struct {
	name       string
	code       string
	tests      string
	lim        Limits
	want       Status
	reasonHas  string
	notSpawned bool // decided in the harness, no child started
}

func runCases(t *testing.T, lang string, cases []runCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lim := c.lim
			if lim == (Limits{}) {
				lim = quick
			}
			start := time.Now()
			r := Run(context.Background(), Program{Language: lang, Code: c.code, Tests: c.tests}, lim)
			took := time.Since(start)
			if r.Status != c.want {
				t.Fatalf("status %s (%s), want %s\nstdout: %s\nstderr: %s", r.Status, r.Reason, c.want, r.Stdout, r.Stderr)
			}
			if !strings.Contains(r.Reason, c.reasonHas) {
				t.Errorf("reason %q lacks %q", r.Reason, c.reasonHas)
			}
			if r.Reason == "" {
				t.Error("empty reason")
			}
			if c.notSpawned != (r.Pgid == 0) {
				t.Errorf("pgid %d, want a child started: %v", r.Pgid, !c.notSpawned)
			}
			if r.Pgid > 0 {
				if err := syscall.Kill(-r.Pgid, 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("process group %d still exists after the run (kill 0: %v)", r.Pgid, err)
				}
			}
			if max := lim.Wall + killGrace + 5*time.Second; took > max {
				t.Errorf("run took %v, more than %v", took, max)
			}
		})
	}
}

func TestJavaScript(t *testing.T) {
	add := "function add(a, b) { return a + b; }"
	hidden := "assertEqual(add(2, 3), 5); assertEqual(add(-1, 1), 0); assertEqual(add(40, 2), 42, 'add(40, 2)');"
	runCases(t, JavaScript, []runCase{
		{name: "passes hidden tests", code: add, tests: hidden, want: StatusPassed, reasonHas: "all tests passed"},
		{name: "fenced module style", code: "function add(a, b) { return a + b }\nmodule.exports = { add };", tests: hidden, want: StatusPassed},
		{name: "passes visible not hidden", code: "function add(a, b) { if (a === 2 && b === 3) return 5; return 0; }", tests: hidden,
			want: StatusFailed, reasonHas: "got 0, want 42"},
		{name: "wrong answer names the test", code: "function add(a, b) { return a + b + (a === 40 ? 1 : 0); }", tests: hidden,
			want: StatusFailed, reasonHas: "add(40, 2): got 43, want 42"},
		{name: "deep equality", code: "function pairs() { return [[1, 'a'], {k: [2]}]; }", tests: "assertEqual(pairs(), [[1, 'a'], {k: [2]}]);", want: StatusPassed},
		{name: "deep inequality", code: "function pairs() { return [[1, 'a'], {k: [2, 3]}]; }", tests: "assertEqual(pairs(), [[1, 'a'], {k: [2]}]);", want: StatusFailed},
		{name: "redefining assert fails to load", code: add + "\nfunction assert() {}", tests: "assert(add(1, 1) === 3);",
			want: StatusFailed, reasonHas: "code failed to load"},
		{name: "assigning assert changes nothing", code: add + "\nassert = function () {};", tests: "assert(add(1, 1) === 3, 'one plus one');",
			want: StatusFailed, reasonHas: "one plus one"},
		{name: "tampered builtins do not fake equality", code: "Object.keys = function () { return []; }; function f() { return {a: 1}; }",
			tests: "assertEqual(f(), {a: 2});", want: StatusFailed},
		{name: "prose is not code", code: "The function adds two numbers.", tests: hidden, want: StatusFailed,
			reasonHas: "does not compile", notSpawned: true},
		{name: "throws while loading", code: "throw new Error('boom');", tests: hidden, want: StatusFailed, reasonHas: "boom"},
		{name: "no require", code: "const fs = require('fs');", tests: hidden, want: StatusFailed, reasonHas: "require"},
		{name: "runaway recursion", code: "function f(n) { return f(n + 1) + 1; }", tests: "f(0);", want: StatusFailed},
		{name: "infinite loop hits the CPU limit", code: "while (true) {}", tests: hidden, lim: cpuBound, want: StatusKilled, reasonHas: "CPU-time limit 1s"},
		{name: "sleepless spin hits the wall limit", code: "while (true) {}", tests: hidden,
			lim: Limits{Wall: 500 * time.Millisecond, CPU: 5 * time.Second, Memory: 64 << 20}, want: StatusKilled, reasonHas: "wall-time limit 500ms"},
		{name: "10 GB allocation is killed", code: "var big = new Uint8Array(10 * 1024 * 1024 * 1024); big[1] = 1;", tests: hidden,
			want: StatusKilled, reasonHas: "memory limit 64 MiB"},
		{name: "growing heap is killed", code: "var keep = []; while (true) { keep.push('x'.repeat(1 << 24) + keep.length); }", tests: hidden,
			lim: Limits{Wall: 30 * time.Second, CPU: 20 * time.Second, Memory: 64 << 20}, want: StatusKilled, reasonHas: "memory limit"},
	})
}

func TestGo(t *testing.T) {
	add := "package main\n\nfunc Add(a, b int) int { return a + b }\n"
	hidden := `package main

import "fmt"

func main() {
	for _, c := range [][3]int{{2, 3, 5}, {-1, 1, 0}, {40, 2, 42}} {
		if got := Add(c[0], c[1]); got != c[2] {
			panic(fmt.Sprintf("Add(%d, %d) = %d, want %d", c[0], c[1], got, c[2]))
		}
	}
}
`
	runCases(t, Go, []runCase{
		{name: "passes hidden tests", code: add, tests: hidden, want: StatusPassed},
		{name: "no package clause", code: "func Add(a, b int) int { return a + b }", tests: hidden, want: StatusPassed},
		{name: "own main is not run", code: add + "\nfunc main() { panic(\"solution main ran\") }\n", tests: hidden, want: StatusPassed},
		{name: "own main's imports still fine", code: "package main\n\nimport \"fmt\"\n\nfunc Add(a, b int) int { return a + b }\n\nfunc main() { fmt.Println(Add(1, 2)) }\n",
			tests: hidden, want: StatusPassed},
		{name: "passes visible not hidden", code: "package main\n\nfunc Add(a, b int) int {\n\tif a == 2 && b == 3 {\n\t\treturn 5\n\t}\n\treturn 0\n}\n",
			tests: hidden, want: StatusFailed, reasonHas: "Add(40, 2) = 0, want 42"},
		{name: "wrong answer names the test", code: "package main\n\nfunc Add(a, b int) int { return a - b }\n", tests: hidden,
			want: StatusFailed, reasonHas: "Add(2, 3) = -1, want 5"},
		{name: "compile error", code: "package main\n\nfunc Add(a, b int) int { return a + \"b\" }\n", tests: hidden, want: StatusFailed},
		{name: "prose is not code", code: "Add returns the sum.", tests: hidden, want: StatusFailed, notSpawned: true},
		{name: "os.Exit(0) does not pass", code: "package main\n\nimport \"os\"\n\nfunc Add(a, b int) int { os.Exit(0); return 0 }\n",
			tests: hidden, want: StatusFailed, reasonHas: "os.Exit(0)"},
		{name: "no os/exec", code: "package main\n\nimport \"os/exec\"\n\nfunc Add(a, b int) int { exec.Command(\"true\").Run(); return a + b }\n",
			tests: hidden, want: StatusFailed, reasonHas: `import "os/exec" is not available in the sandbox`},
		{name: "no net", code: "package main\n\nimport \"net\"\n\nfunc Add(a, b int) int { net.Dial(\"tcp\", \"127.0.0.1:1\"); return a + b }\n",
			tests: hidden, want: StatusFailed, reasonHas: `import "net" is not available`},
		{name: "no file access", code: "package main\n\nimport \"os\"\n\nfunc Add(a, b int) int { os.ReadFile(\"/etc/passwd\"); return a + b }\n",
			tests: hidden, want: StatusFailed},
		{name: "infinite loop hits the CPU limit", code: "package main\n\nfunc Add(a, b int) int { for {} }\n", tests: hidden,
			lim: cpuBound, want: StatusKilled, reasonHas: "CPU-time limit 1s"},
		{name: "spinning goroutine is killed", code: "package main\n\nfunc Add(a, b int) int { go func() { for {} }(); for {} }\n", tests: hidden,
			lim: cpuBound, want: StatusKilled, reasonHas: "CPU-time limit 1s"},
		{name: "sleeping past the wall limit is killed", code: "package main\n\nimport \"time\"\n\nfunc Add(a, b int) int { time.Sleep(time.Minute); return a + b }\n",
			tests: hidden, lim: Limits{Wall: 500 * time.Millisecond, CPU: 5 * time.Second, Memory: 64 << 20}, want: StatusKilled, reasonHas: "wall-time limit 500ms"},
		{name: "10 GB allocation is killed", code: "package main\n\nfunc Add(a, b int) int { big := make([]byte, 10<<30); big[len(big)-1] = 1; return a + b }\n",
			tests: hidden, want: StatusKilled, reasonHas: "memory limit 64 MiB"},
	})
}

func TestPython(t *testing.T) {
	pythonOrSkip(t)
	add := "def add(a, b):\n    return a + b\n"
	hidden := "assert add(2, 3) == 5\nassert add(-1, 1) == 0\nassert add(40, 2) == 42, 'add(40, 2)'\n"
	runCases(t, Python, []runCase{
		{name: "passes hidden tests", code: add, tests: hidden, want: StatusPassed},
		{name: "import from solution", code: add, tests: "from solution import add as plus\nassert plus(1, 1) == 2\n", want: StatusPassed},
		{name: "main block not run", code: add + "if __name__ == '__main__':\n    raise SystemExit(3)\n", tests: hidden, want: StatusPassed},
		{name: "passes visible not hidden", code: "def add(a, b):\n    return 5 if (a, b) == (2, 3) else 0\n", tests: hidden,
			want: StatusFailed, reasonHas: "tests.py line 3"},
		{name: "assert message", code: "def add(a, b):\n    return a + b + (a == 40)\n", tests: hidden, want: StatusFailed, reasonHas: "add(40, 2)"},
		{name: "syntax error", code: "def add(a, b) return a + b", tests: hidden, want: StatusFailed, reasonHas: "does not compile"},
		{name: "sys.exit(0) before tests fails", code: add + "import sys\nsys.exit(0)\n", tests: hidden, want: StatusFailed, reasonHas: "SystemExit"},
		{name: "os._exit(0) before tests fails", code: add + "import os\nos._exit(0)\n", tests: hidden, want: StatusFailed, reasonHas: "before the tests finished"},
		{name: "no sockets", code: add + "import socket\nsocket.create_connection(('127.0.0.1', 9))\n", tests: hidden, want: StatusFailed, reasonHas: "janus sandbox"},
		{name: "no subprocess", code: add + "import subprocess\nsubprocess.run(['true'])\n", tests: hidden, want: StatusFailed, reasonHas: "janus sandbox"},
		{name: "no writes outside the temp dir", code: add + "open('/tmp/janus-coderun-escape', 'w').write('x')\n", tests: hidden, want: StatusFailed, reasonHas: "janus sandbox"},
		{name: "writes inside the temp dir are fine", code: add + "open('scratch.txt', 'w').write('x')\n", tests: hidden, want: StatusPassed},
		{name: "no ctypes", code: add + "import ctypes\n", tests: hidden, want: StatusFailed, reasonHas: "janus sandbox"},
		{name: "infinite loop hits the CPU limit", code: "while True:\n    pass\n", tests: hidden, lim: cpuBound, want: StatusKilled, reasonHas: "CPU-time limit 1s"},
		{name: "sleep hits the wall limit", code: "import time\ntime.sleep(60)\n", tests: hidden,
			lim: Limits{Wall: 500 * time.Millisecond, CPU: 5 * time.Second, Memory: 64 << 20}, want: StatusKilled, reasonHas: "wall-time limit 500ms"},
		{name: "10 GB allocation is killed", code: "big = bytearray(10 * 1024 ** 3)\n", tests: hidden, want: StatusKilled, reasonHas: "memory limit"},
	})
}

// pythonAvailable says whether the Python rows can run here. Only a host
// without a usable python3 is a reason to leave them out, and not under CI,
// which must run them; a python3 that did not answer its probe (killed by
// its budget on a loaded machine) fails the test rather than silently
// skipping its hostile rows.
func pythonAvailable(t testing.TB) bool {
	t.Helper()
	_, err := python3()
	if err == nil {
		return true
	}
	if _, transient := errors.AsType[*probeError](err); transient || os.Getenv("CI") != "" {
		t.Fatalf("the Python rows must run: %v", err)
	}
	t.Logf("no python3 here: %v", err)
	return false
}

// pythonOrSkip skips a Python-only test where pythonAvailable says so.
func pythonOrSkip(t testing.TB) {
	t.Helper()
	if !pythonAvailable(t) {
		t.Skip("no python3 here")
	}
}

// withPythonFinder makes find the probe of python3 for the test and
// forgets what an earlier probe found, before and after.
func withPythonFinder(t *testing.T, find func() (pyInfo, error)) {
	saved := pythonFinder
	forget := func() {
		python.mu.Lock()
		python.decided, python.info, python.err = false, pyInfo{}, nil
		python.mu.Unlock()
	}
	pythonFinder = find
	forget()
	t.Cleanup(func() { pythonFinder = saved; forget() })
}

func TestPythonMissingIsSkipped(t *testing.T) {
	withPythonFinder(t, func() (pyInfo, error) { return pyInfo{}, errors.New("python3 not found on PATH") })
	r := Run(context.Background(), Program{Language: Python, Code: "x = 1", Tests: "assert x == 1"}, quick)
	if r.Status != StatusSkipped || !strings.Contains(r.Reason, "skipped: python3 not found") {
		t.Fatalf("got %s %q, want skipped with a reason", r.Status, r.Reason)
	}
}

// TestPythonProbeNotAnswered: a probe of python3 that did not complete
// (here: killed, as its budget does on a loaded machine) makes the run a
// harness error, not a skip that passes as "no python3", and is not
// remembered: the next run probes again and gets the answer.
func TestPythonProbeNotAnswered(t *testing.T) {
	probes := 0
	answer := pyInfo{exe: "/usr/bin/python3"}
	withPythonFinder(t, func() (pyInfo, error) {
		probes++
		if probes == 1 {
			return pyInfo{}, &probeError{errors.New("signal: killed")}
		}
		return answer, nil
	})
	r := Run(context.Background(), Program{Language: Python, Code: "x = 1", Tests: "assert x == 1"}, quick)
	if r.Status != StatusError || !strings.Contains(r.Reason, "harness: python3 does not run: signal: killed") {
		t.Fatalf("got %s %q, want a harness error naming the probe", r.Status, r.Reason)
	}
	for i := range 2 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			if got, err := python3(); err != nil || got.exe != answer.exe {
				t.Fatalf("after a failed probe: %+v, %v; want the next probe's answer", got, err)
			}
		})
	}
	if probes != 2 {
		t.Errorf("%d probes, want 2 (the failed one retried, the answer kept)", probes)
	}
}

func TestRunRejects(t *testing.T) {
	if r := Run(context.Background(), Program{Language: "cobol", Code: "x", Tests: "y"}, quick); r.Status != StatusError {
		t.Errorf("unknown language: %s %q", r.Status, r.Reason)
	}
	if r := Run(context.Background(), Program{Language: JavaScript, Code: "1", Tests: "2"}, Limits{}); r.Status != StatusError {
		t.Errorf("zero limits: %s %q", r.Status, r.Reason)
	}
}

func TestCancelKillsTheChild(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := Run(ctx, Program{Language: JavaScript, Code: "while (true) {}", Tests: "1"}, Limits{Wall: time.Minute, CPU: time.Minute, Memory: 64 << 20})
	if r.Status != StatusError || !strings.Contains(r.Reason, "cancelled") {
		t.Fatalf("got %s %q, want an error saying cancelled", r.Status, r.Reason)
	}
	if err := syscall.Kill(-r.Pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists: %v", r.Pgid, err)
	}
}

func TestCheckTests(t *testing.T) {
	cases := []struct {
		lang, tests string
		ok          bool
	}{
		{JavaScript, "assert(true);", true},
		{JavaScript, "assert(", false},
		{JavaScript, "  ", false},
		{Go, "func main() {}", true},
		{Go, "package main\nfunc helper() {}", false},
		{Go, "func main() {", false},
		{Python, "assert f() == 1", true},
		{"cobol", "x", false},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			if err := CheckTests(c.lang, c.tests); (err == nil) != c.ok {
				t.Errorf("CheckTests(%s, %q) = %v, want ok=%v", c.lang, c.tests, err, c.ok)
			}
		})
	}
}

func TestMergeGoKeepsPositions(t *testing.T) {
	src, err := mergeGo("func Add(a, b int) int {\n\treturn a + b\n}\n\nfunc main() {}\n",
		"import \"fmt\"\n\nfunc main() { fmt.Println(Add(1, 2)) }\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"//line solution.go:1\nfunc Add", "func " + solutionMain + "() {}", "//line tests.go:3\nfunc main()", "\t\"fmt\"\n"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(src, want) {
				t.Errorf("merged source lacks %q:\n%s", want, src)
			}
		})
	}
}

func TestHarnessSurvives(t *testing.T) {
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r := Run(context.Background(), Program{Language: Go, Code: "package main\n\nfunc F() { b := make([]byte, 10<<30); for i := 0; i < len(b); i += 4096 { b[i] = 1 } }\n",
		Tests: "func main() { F() }"}, quick)
	if r.Status != StatusKilled {
		t.Fatalf("got %s %q, want killed", r.Status, r.Reason)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<20 {
		t.Errorf("harness heap grew by %d bytes", grew)
	}
}

// TestNamespaces: the child is alone in new PID (and network, user, IPC)
// namespaces; the program is PID 1 there and alone.
func TestNamespaces(t *testing.T) {
	pythonOrSkip(t)
	r := Run(context.Background(), Program{Language: Python, Code: "import os\npid = os.getpid()\n", Tests: "print(pid, len([p for p in os.listdir('/proc') if p.isdigit()]))"}, quick)
	if r.Status != StatusPassed {
		t.Fatalf("%s %q", r.Status, r.Reason)
	}
	if r.Isolation != "bwrap" {
		t.Fatalf("isolation %q, want bwrap", r.Isolation)
	}
	if strings.TrimSpace(r.Stdout) != "1 1" {
		t.Errorf("pid and process count in the child are %q, want 1 1 (a new PID namespace holding the program alone)", r.Stdout)
	}
}
