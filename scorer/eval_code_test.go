//go:build linux

package scorer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/sandbox"
	"github.com/janus-bench/janus/suites"
)

func TestCodeCheck(t *testing.T) {
	js := suites.Check{Type: CheckCode, Language: "javascript", TimeoutMs: 3000, MemoryMB: 64,
		Tests: "assertEqual(add(2, 3), 5); assertEqual(add(-4, 4), 0); assertEqual(add(40, 2), 42, 'add(40, 2)');"}
	goCheck := suites.Check{Type: CheckCode, Language: "go", TimeoutMs: 3000, MemoryMB: 64,
		Tests: "func main() {\n\tif Add(2, 3) != 5 || Add(40, 2) != 42 {\n\t\tpanic(\"Add is wrong\")\n\t}\n}\n"}
	runEvalCases(t, []evalCase{
		// true positives
		{"fenced with prose", js, "Here you go:\n\n```javascript\nfunction add(a, b) {\n  return a + b;\n}\n```\n\nIt adds.", 1, "hidden javascript tests pass"},
		{"whole answer is code", js, "function add(a, b) { return a + b; }", 1, ""},
		{"longest tagged block wins", js, "```js\nfunction add(a, b) {\n  // the sum\n  return a + b;\n}\n```\nUsage:\n```js\nadd(1, 2)\n```", 1, ""},
		{"untagged fence", js, "```\nconst add = (a, b) => a + b;\n```", 1, ""},
		{"go", goCheck, "```go\npackage main\n\nfunc Add(a, b int) int { return a + b }\n```", 1, "hidden go tests pass"},
		// true negatives
		{"wrong", js, "function add(a, b) { return a - b; }", 0, "got -1, want 5"},
		{"prose", js, "I don't know.", 0, "does not compile"},
		{"empty", js, "", 0, "empty answer"},
		{"go wrong", goCheck, "```go\nfunc Add(a, b int) int { return a * b }\n```", 0, "Add is wrong"},
		// adversarial near-misses
		{"passes visible tests only", js, "```js\nfunction add(a, b) { if (a === 2 && b === 3) return 5; if (a === -4) return 0; return 41; }\n```", 0, "add(40, 2): got 41, want 42"},
		{"wrong language block", js, "```python\ndef add(a, b):\n    return a + b\n```", 0, "no javascript code block"},
		{"infinite loop", js, "```js\nfunction add(a, b) { while (true) {} }\n```", 0, "limit"},
		{"10 GB allocation", js, "```js\nconst big = new Uint8Array(10 * 1024 * 1024 * 1024);\nfunction add(a, b) { return a + b; }\n```", 0, "memory limit 64 MiB"},
		{"go infinite loop", goCheck, "```go\nfunc Add(a, b int) int { for {} }\n```", 0, "limit"},
		{"go 10 GB allocation", goCheck, "```go\nvar big = make([]byte, 10<<30)\n\nfunc Add(a, b int) int { big[len(big)-1] = 1; return a + b }\n```", 0, "memory limit"},
	})
	runSpecCases(t, []specCase{
		{"unknown language", suites.Check{Type: CheckCode, Language: "cobol", Tests: "x"}, false, "language"},
		{"no tests", suites.Check{Type: CheckCode, Language: "javascript"}, false, "no tests"},
		{"tests do not compile", suites.Check{Type: CheckCode, Language: "javascript", Tests: "assert("}, false, "do not compile"},
		{"go tests without main", suites.Check{Type: CheckCode, Language: "go", Tests: "func helper() {}"}, false, "func main"},
		{"negative timeout", suites.Check{Type: CheckCode, Language: "javascript", Tests: "1", TimeoutMs: -1}, false, "timeout_ms"},
		{"negative memory", suites.Check{Type: CheckCode, Language: "javascript", Tests: "1", MemoryMB: -1}, false, "memory_mb"},
		{"python spec is valid without python3", suites.Check{Type: CheckCode, Language: "python", Tests: "assert f() == 1"}, true, ""},
		{"ok", js, true, ""},
	})
}

func TestCodeCheckPython(t *testing.T) {
	c := suites.Check{Type: CheckCode, Language: "python", Tests: "assert add(2, 3) == 5\nassert add(40, 2) == 42\n"}
	v := testEval.EvaluateAnswer(task(c), "```python\ndef add(a, b):\n    return a + b\n```", nil)
	if _, err := exec.LookPath("python3"); err != nil {
		if v.Score != 0 || !strings.Contains(v.Reason, "skipped: python3") {
			t.Fatalf("without python3: %+v, want 0 and a skipped reason", v)
		}
		return
	}
	if v.Score != 1 {
		t.Fatalf("with python3: %+v, want 1", v)
	}
	if v := testEval.EvaluateAnswer(task(c), "```python\ndef add(a, b):\n    return 5\n```", nil); v.Score != 0 {
		t.Fatalf("hard-coded answer: %+v, want 0", v)
	}
}

func TestExtractCode(t *testing.T) {
	cases := []struct {
		name, in, lang, want string
		err                  bool
	}{
		{"no fence", "x = 1", "python", "x = 1", false},
		{"tilde fence", "~~~py\nx = 1\n~~~\n", "python", "x = 1\n", false},
		{"longer fence holds backticks", "````js\nconst s = '```';\n````", "javascript", "const s = '```';\n", false},
		{"unclosed fence", "```go\nfunc F() {}\n", "go", "func F() {}\n", false},
		{"tag with attributes", "```js {linenos}\nf()\n```", "javascript", "f()\n", false},
		{"tagged beats untagged", "```\nlong untagged block here\n```\n```go\nF()\n```", "go", "F()\n", false},
		{"only other languages", "```bash\nls\n```", "go", "", true},
		{"blank", "  \n", "go", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := extractCode(c.in, c.lang)
			if (err != nil) != c.err || got != c.want {
				t.Errorf("%s: extractCode = %q, %v; want %q, err=%v", c.name, got, err, c.want, c.err)
			}
		})
	}
}

// TestCodeCheckEscapeRepro is issue 25's bench-run repro: a competitor's
// answer to a Python code task also tries to read the harness's API key
// from /proc/<pid>/cmdline and environ and to write outside its work dir.
// In the sandbox it sees no other process and writes nothing: it scores
// for its code alone, and the verdict holds nothing of the host.
func TestCodeCheckEscapeRepro(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	if err := sandbox.Check(); err != nil {
		t.Skip(err)
	}
	t.Setenv("JANUS_API_KEY", "harness-secret-key-41d2")
	dir := t.TempDir()
	answer := "```python\ndef add(a, b):\n    return a + b\n\nimport os\nseen = ''\n" +
		"for p in os.listdir('/proc'):\n    for f in ('cmdline', 'environ'):\n        try:\n" +
		"            seen += open('/proc/%s/%s' % (p, f), 'rb').read().decode('latin-1')\n        except OSError:\n            pass\n" +
		"if 'harness-secret-key-41d2' in seen or 'test.paniconexit0' in seen:\n    raise SystemExit('LEAKED: ' + seen)\n" +
		"try:\n    os.write(os.open('escaped', os.O_WRONLY | os.O_CREAT, dir_fd=os.open('" + dir + "', os.O_RDONLY)), b'x')\nexcept OSError:\n    pass\n```"
	c := suites.Check{Type: CheckCode, Language: "python", Tests: "assert add(2, 3) == 5\n"}
	v := testEval.EvaluateAnswer(task(c), answer, nil)
	if v.Score != 1 || strings.Contains(v.Reason, "LEAKED") || strings.Contains(v.Reason, "harness-secret-key-41d2") {
		t.Fatalf("verdict %+v: the code saw the harness", v)
	}
	if _, err := os.Lstat(filepath.Join(dir, "escaped")); err == nil {
		t.Fatal("the answer's code wrote outside its work dir")
	}
}
