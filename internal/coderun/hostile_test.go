//go:build linux

package coderun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/sandbox"
)

// hostileLimits are short: a corpus row that is not refused at once hits
// one of them fast. CPU is the limit a spin hits; wall stays well above it
// so a busy machine does not turn a CPU kill into a wall kill.
var hostileLimits = Limits{Wall: 20 * time.Second, CPU: time.Second, Memory: 64 << 20, Output: 4 << 10}

// hostileRow is one attack, written in each language that has a way to
// try it. Code "succeeds" (the run passes) only if the attack worked, so
// every row must end anything but passed. Missing languages have no API
// for the attack at all (JavaScript has no file, process or network API).
type hostileRow struct {
	name string
	// code per variant: "python" (audit hook on), "python-kernel" (audit
	// hook off: the kernel's walls alone), "javascript", "go" (a Go file
	// declaring func attack()).
	code map[string]string
	// killed: the verdict must be killed and name this limit.
	killed string
	// reasonHas: the verdict's reason must contain one of these.
	reasonHas []string
}

// hostileCorpus is the attacks of issues 16 and 25. {{MARK}} is a secret
// the host holds (environment, files), {{DIR}} a host directory next to
// the data (a keys file, a thread store), {{PORT}} a loopback port the test
// listens on, {{PID}} the harness's pid.
func hostileCorpus() []hostileRow {
	pyBoth := func(src string) map[string]string { return map[string]string{"python": src, "python-kernel": src} }
	with := func(m map[string]string, kv ...string) map[string]string {
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	goReadFile := "package main\n\nimport \"os\"\n\nfunc attack() {\n\tb, err := os.ReadFile(%q)\n\tif err != nil || len(b) == 0 {\n\t\tpanic(\"no secret\")\n\t}\n}\n"
	notThere := []string{"No such file", "not available in the sandbox", "not defined", "janus sandbox", "Permission denied", "Read-only file system", "not permitted", "has no symbol"}
	return []hostileRow{
		{name: "read /etc/passwd", code: with(pyBoth("assert 'root:' in open('/etc/passwd').read()\n"),
			"javascript", "assert(require('fs').readFileSync('/etc/passwd', 'utf8').includes('root:'));",
			"go", fmt.Sprintf(goReadFile, "/etc/passwd")), reasonHas: notThere},
		{name: "parent environment and /proc/*/environ", code: with(pyBoth(`import os
seen = repr(dict(os.environ))
for p in os.listdir('/proc'):
    try:
        seen += open('/proc/%s/environ' % p, 'rb').read().decode('latin-1')
    except Exception:
        pass
assert '{{MARK}}' in seen, 'no secret'
`), "javascript", "assert(JSON.stringify(process.env).includes('{{MARK}}'), 'no secret');",
			"go", "package main\n\nimport \"os\"\n\nfunc attack() {\n\tif os.Getenv(\"OPENAI_API_KEY\") != \"{{MARK}}\" {\n\t\tpanic(\"no secret\")\n\t}\n}\n"),
			reasonHas: []string{"no secret", "not defined", "not available in the sandbox", "undefined"}},
		{name: "keys file next to the data dir", code: with(pyBoth("assert '{{MARK}}' in open('{{DIR}}/api-keys.txt').read()\n"),
			"go", "package main\n\nimport \"os\"\n\nfunc attack() { b, _ := os.ReadFile(\"{{DIR}}/api-keys.txt\"); panic(string(b)) }\n"),
			reasonHas: notThere},
		{name: "os.walk of another user's threads", code: pyBoth(`import os
found = ''
for root, dirs, files in os.walk('{{DIR}}/threads'):
    for f in files:
        found += open(os.path.join(root, f)).read()
assert '{{MARK}}' in found, 'no thread read'
`), reasonHas: []string{"no thread read"}},
		{name: "write outside the work dir", code: pyBoth(`import os
for path in ('{{DIR}}/escape-open', '/escape-open', '/usr/lib/escape-open', '/proc/escape-open'):
    try:
        open(path, 'w').write('x')
    except OSError:
        pass
try:
    fd = os.open('{{DIR}}', os.O_RDONLY)
    os.write(os.open('escape-dirfd', os.O_WRONLY | os.O_CREAT, dir_fd=fd), b'x')
except OSError:
    pass
try:
    os.write(os.open('escape-rootfd', os.O_WRONLY | os.O_CREAT, dir_fd=os.open('/', os.O_RDONLY)), b'x')
except OSError:
    pass
assert os.path.exists('{{DIR}}/escape-open') or os.path.exists('/escape-rootfd'), 'nothing written outside'
`), reasonHas: []string{"nothing written outside", "janus sandbox"}},
		{name: "_posixsubprocess.fork_exec starts a shell", code: pyBoth(`import _posixsubprocess, os
r, w = os.pipe()
argv = [b'/bin/sh', '-c', 'echo pwned > {{DIR}}/escape-forkexec']
try:
    _posixsubprocess.fork_exec(argv, [b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1, None, None, None, -1, None, True)
except TypeError:
    _posixsubprocess.fork_exec(argv, [b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1, None, None, None, -1, None)
`), reasonHas: []string{"Operation not permitted", "janus sandbox", "No such file"}},
		{name: "fork bomb", code: pyBoth("import os\nwhile True:\n    os.fork()\n"), reasonHas: []string{"Operation not permitted", "janus sandbox"}},
		{name: "setsid child sleeps past the deadline then writes", code: pyBoth(`import os, time
if os.fork() == 0:
    os.setsid()
    time.sleep(3)
    open('{{DIR}}/escape-late', 'w').write('x')
    os._exit(0)
`), reasonHas: []string{"Operation not permitted", "janus sandbox"}},
		{name: "connect to a loopback port", code: with(pyBoth(`import _socket
s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
s.settimeout(2)
s.connect(('127.0.0.1', {{PORT}}))
`), "go", "package main\n\nimport \"net\"\n\nfunc attack() { net.Dial(\"tcp\", \"127.0.0.1:{{PORT}}\") }\n",
			"javascript", "new XMLHttpRequest().open('GET', 'http://127.0.0.1:{{PORT}}/');"),
			reasonHas: []string{"Network is unreachable", "Connection refused", "janus sandbox", "not available in the sandbox", "not defined"}},
		{name: "DNS lookup", code: pyBoth("import _socket\n_socket.getaddrinfo('example.com', 80)\n"),
			reasonHas: []string{"gaierror", "janus sandbox", "Temporary failure", "not known"}},
		{name: "symlink out of the work dir", code: pyBoth(`import os
os.symlink('{{DIR}}/api-keys.txt', 'keys')
os.symlink('/', 'root')
assert '{{MARK}}' in open('keys').read() or 'root:' in open('root/etc/passwd').read()
`), reasonHas: notThere},
		{name: "/proc/self tricks", code: pyBoth(`import os
seen = ''
for p in ('/proc/self/root{{DIR}}/api-keys.txt', '/proc/1/root{{DIR}}/api-keys.txt', '/proc/self/cwd/../{{DIR}}/api-keys.txt',
          '/proc/self/environ', '/proc/self/cmdline', '/proc/1/environ', '/proc/self/mountinfo'):
    try:
        seen += open(p, 'rb').read().decode('latin-1')
    except OSError:
        pass
assert '{{MARK}}' in seen or '{{DIR}}' in seen, 'nothing of the host'
`), reasonHas: []string{"nothing of the host"}},
		{name: "parent's /proc/<pid>/cmdline and environ", code: pyBoth(`import os
seen = ''
for p in ['{{PID}}', str(os.getppid())] + [d for d in os.listdir('/proc') if d.isdigit()]:
    for f in ('cmdline', 'environ'):
        try:
            seen += open('/proc/%s/%s' % (p, f), 'rb').read().decode('latin-1')
        except OSError:
            pass
assert '{{MARK}}' in seen or 'test.paniconexit0' in seen or 'test.timeout' in seen, 'no parent visible'
`), reasonHas: []string{"no parent visible"}},
		{name: "mount, unshare and ptrace", code: map[string]string{"python-kernel": `import ctypes
libc = ctypes.CDLL(None, use_errno=True)
assert libc.unshare(0x10000000) == 0 or libc.ptrace(0, 0, 0, 0) == 0 or libc.mount(b'none', b'/sandbox', b'tmpfs', 0, None) == 0, 'all refused'
`, "python": "import ctypes\n"}, reasonHas: []string{"all refused", "janus sandbox"}},
		{name: "yaegi relative import", code: map[string]string{
			"go": "package main\n\nimport evil \"../../../../../../../..{{DIR}}/evilpkg\"\n\nfunc attack() { evil.Run() }\n"},
			reasonHas: []string{"not available in the sandbox"}},
		{name: "allocate 10 GB", code: map[string]string{
			"python": "b = bytearray(10 * 1024 ** 3)\n", "python-kernel": "b = bytearray(10 * 1024 ** 3)\n",
			"javascript": "var big = new Uint8Array(10 * 1024 * 1024 * 1024); big[1] = 1;",
			"go":         "package main\n\nfunc attack() { big := make([]byte, 10<<30); big[len(big)-1] = 1 }\n"},
			killed: "memory limit"},
		{name: "spin forever", code: map[string]string{"python": "while True:\n    pass\n", "javascript": "while (true) {}",
			"go": "package main\n\nfunc attack() { for {} }\n"}, killed: "CPU-time limit 1s"},
		{name: "huge stdout", code: map[string]string{"python": "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
			"javascript": "var s = 'x'.repeat(65536); while (true) { console.log(s); }",
			"go":         "package main\n\nimport \"fmt\"\n\nfunc attack() { s := make([]byte, 65536); for { fmt.Print(string(s)) } }\n"},
			killed: "limit"},
	}
}

// hostileHost is what the corpus attacks: a secret in the environment and
// in files next to the data, and a loopback listener.
type hostileHost struct {
	mark, dir string
	port      int
	accepted  atomic.Int64
}

func newHostileHost(t *testing.T) *hostileHost {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := &hostileHost{mark: "JANUS-SECRET-" + hex.EncodeToString(b), dir: t.TempDir()}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(h.dir, "api-keys.txt"), []byte(h.mark+"\n"), 0o600))
	must(os.MkdirAll(filepath.Join(h.dir, "threads", "other-user"), 0o700))
	must(os.WriteFile(filepath.Join(h.dir, "threads", "other-user", "thread.json"), []byte(`{"content":"`+h.mark+`"}`), 0o600))
	must(os.MkdirAll(filepath.Join(h.dir, "evilpkg"), 0o700))
	must(os.WriteFile(filepath.Join(h.dir, "evilpkg", "evil.go"), []byte("package evilpkg\n\nfunc Run() { panic(\"evilpkg loaded: "+h.mark+"\") }\n"), 0o600))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	t.Cleanup(func() { ln.Close() })
	h.port = ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			c.Close()
		}
	}()
	return h
}

func (h *hostileHost) expand(src string) string {
	return strings.NewReplacer("{{MARK}}", h.mark, "{{DIR}}", h.dir, "{{PORT}}", strconv.Itoa(h.port),
		"{{PID}}", strconv.Itoa(os.Getpid())).Replace(src)
}

// hostileProgram turns a corpus variant into a Program whose run passes
// only if the attack worked.
func hostileProgram(variant, code string) Program {
	switch variant {
	case "javascript":
		return Program{Language: JavaScript, Code: code, Tests: "assert(true);"}
	case "go":
		return Program{Language: Go, Code: code, Tests: "func main() { attack() }"}
	}
	return Program{Language: Python, Code: code, Tests: "assert True", kernelWallsOnly: variant == "python-kernel"}
}

// TestHostileCorpus runs every attack in every language that can express
// it: each run ends refused or killed with the limit named, prints nothing
// of the host, and leaves the host as it was (no file written, no
// connection to the listener).
func TestHostileCorpus(t *testing.T) {
	if err := sandboxOrSkip(); err != nil {
		t.Skip(err)
	}
	h := newHostileHost(t)
	// Not t.Setenv: the rows run in parallel. The variables are new to
	// this process and removed afterwards.
	for _, k := range []string{"OPENAI_API_KEY", "JANUS_API_KEY"} {
		t.Run(k, func(t *testing.T) {
			old, had := os.LookupEnv(k)
			os.Setenv(k, h.mark)
			t.Cleanup(func() {
				if had {
					os.Setenv(k, old)
				} else {
					os.Unsetenv(k)
				}
			})
		})
	}
	pyOK := pythonAvailable(t)
	t.Run("corpus", func(t *testing.T) {
		for _, row := range hostileCorpus() {
			for _, variant := range []string{"python", "python-kernel", "javascript", "go"} {
				code, ok := row.code[variant]
				if !ok {
					continue
				}
				t.Run(row.name+"/"+variant, func(t *testing.T) {
					t.Parallel()
					if strings.HasPrefix(variant, "python") && !pyOK {
						t.Skip("no python3 here")
					}
					r := Run(context.Background(), hostileProgram(variant, h.expand(code)), hostileLimits)
					checkHostile(t, h, row, r)
				})
			}
		}
	})
	if n := h.accepted.Load(); n != 0 {
		t.Errorf("the loopback listener accepted %d connections from sandboxed code", n)
	}
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "escape") {
			t.Errorf("sandboxed code wrote %s on the host", filepath.Join(h.dir, e.Name()))
		}
	}
	for _, p := range []string{"/escape-open", "/escape-rootfd", "/usr/lib/escape-open"} {
		t.Run(p, func(t *testing.T) {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("sandboxed code wrote %s on the host", p)
			}
		})
	}
}

// sandboxOrSkip returns why the sandbox cannot run here; under CI it
// fails instead, because CI must run the corpus.
func sandboxOrSkip() error {
	err := sandbox.Check()
	if err != nil && os.Getenv("CI") != "" {
		panic("CI must run the hostile corpus, but: " + err.Error())
	}
	return err
}

func checkHostile(t *testing.T, h *hostileHost, row hostileRow, r Result) {
	t.Helper()
	t.Logf("%s: %s (%s)", r.Status, r.Reason, r.Elapsed.Round(time.Millisecond))
	if r.Status == StatusPassed {
		t.Fatalf("the attack worked: %s\nstdout: %.300s\nstderr: %.300s", r.Reason, r.Stdout, r.Stderr)
	}
	if r.Pgid != 0 && r.Isolation != "bwrap" {
		t.Errorf("isolation %q, want bwrap", r.Isolation)
	}
	// The code names the secret it looks for, so a traceback may quote
	// it; what the program printed must not hold it.
	if strings.Contains(r.Stdout, h.mark) {
		t.Errorf("the host's secret leaked into stdout: %.300s", r.Stdout)
	}
	if len(r.Stdout) > hostileLimits.Output || len(r.Stderr) > hostileLimits.Output {
		t.Errorf("output %d/%d bytes, over the %d-byte cap", len(r.Stdout), len(r.Stderr), hostileLimits.Output)
	}
	if row.killed != "" {
		if r.Status != StatusKilled || !strings.Contains(r.Reason, row.killed) {
			t.Errorf("got %s %q, want killed naming %q", r.Status, r.Reason, row.killed)
		}
		return
	}
	if r.Status != StatusFailed {
		t.Errorf("got %s %q, want failed (refused)", r.Status, r.Reason)
	}
	for _, s := range row.reasonHas {
		if strings.Contains(r.Reason, s) {
			return
		}
	}
	t.Errorf("reason %q names none of %q\nstderr: %.300s", r.Reason, row.reasonHas, r.Stderr)
}
