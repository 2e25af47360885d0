package coderun

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// pyDriverFile is the driver's file name in the run's temp dir.
const pyDriverFile = "_janus_driver.py"

// pythonDriver runs solution.py as module "solution", then tests.py in a
// namespace holding its names, and reports the outcome as JSON on fd 3.
// Before any of that it installs an audit hook (which code cannot remove)
// refusing sockets, subprocesses, signals to other processes, ctypes, and
// file writes outside the temp dir.
const pythonDriver = `import builtins, json, linecache, os, sys, traceback, types

# What the driver and the tests need is captured before the code runs, so
# code that rebinds json.dumps, os.write, builtins.len or AssertionError
# changes neither the report nor the tests' view of the builtins.
_BUILTINS = dict(builtins.__dict__)
_dumps, _write, _exit, _flush_out, _flush_err = json.dumps, os.write, os._exit, sys.stdout.flush, sys.stderr.flush
_extract_tb, _format_exc_only = traceback.extract_tb, traceback.format_exception_only
_BaseException, _MemoryError, _SyntaxError, _type = BaseException, MemoryError, SyntaxError, type
_open, _compile, _exec, _dict = open, compile, exec, dict

_ROOT = os.path.realpath(os.getcwd())
_DENY_PREFIXES = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn",
                  "os.fork", "os.forkpty", "os.system", "os.kill", "os.killpg", "pty.",
                  "ctypes.", "webbrowser.", "urllib.Request", "http.client.", "ftplib.",
                  "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.")
_PATH_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree",
                "shutil.move", "shutil.copyfile", "shutil.copytree")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

def _inside(path):
    try:
        p = os.path.realpath(os.fsdecode(path))
    except Exception:
        return False
    return p == _ROOT or p.startswith(_ROOT + os.sep)

def _hook(event, args):
    if event.startswith(_DENY_PREFIXES):
        raise PermissionError("janus sandbox: %s is not allowed" % event)
    if event == "import" and args and args[0] in ("ctypes", "_ctypes"):
        raise PermissionError("janus sandbox: importing %s is not allowed" % args[0])
    if event == "open" and args and not isinstance(args[0], int):
        mode, flags = args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and not _inside(args[0]):
            raise PermissionError("janus sandbox: writing %s is not allowed" % os.fsdecode(args[0]))
    if event in _PATH_EVENTS:
        for a in args[:2]:
            if isinstance(a, (str, bytes, os.PathLike)) and not _inside(a):
                raise PermissionError("janus sandbox: %s on %s is not allowed" % (event, os.fsdecode(a)))

def _report(status, reason):
    try:
        _flush_out()
        _flush_err()
    except _BaseException:
        pass
    _write(3, (_dumps({"status": status, "reason": reason}) + "\n").encode())
    _exit(0)

def _where(exc, filename):
    for fr in reversed(_extract_tb(exc.__traceback__)):
        if fr.filename == filename:
            return "%s line %d: %s" % (filename, fr.lineno, (fr.line or "").strip())
    return ""

def _describe(exc, filename):
    try:
        msg = "".join(_format_exc_only(_type(exc), exc)).strip()
        where = _where(exc, filename)
    except _BaseException:
        return "an exception whose description failed"
    return msg + (" (" + where + ")" if where else "")

def _read(filename):
    with _open(filename, encoding="utf-8") as f:
        return f.read()

def _run(filename, src, namespace):
    _exec(_compile(src, filename, "exec"), namespace)

if "--kernel-walls-only" not in sys.argv:
    sys.addaudithook(_hook)
sys.dont_write_bytecode = True

# The hidden tests are read and their file removed before the code runs:
# code that reads tests.py (to learn the expected values) or rewrites it
# (to an empty file) finds nothing there. linecache keeps their lines for
# failure messages.
_TESTS = _read("tests.py")
os.remove("tests.py")
linecache.cache["tests.py"] = (len(_TESTS), None, _TESTS.splitlines(True), "tests.py")

solution = types.ModuleType("solution")
solution.__file__ = "solution.py"
sys.modules["solution"] = solution
try:
    _run("solution.py", _read("solution.py"), solution.__dict__)
except _MemoryError:
    _report("killed", "killed: memory limit exceeded (MemoryError)")
except _SyntaxError as e:
    _report("failed", "code does not compile: " + _describe(e, "solution.py"))
except _BaseException as e:
    _report("failed", "code failed to load: " + _describe(e, "solution.py"))

tests = {k: v for k, v in solution.__dict__.items() if not k.startswith("__")}
tests["__name__"] = "tests"
tests["__builtins__"] = _dict(_BUILTINS)
try:
    _run("tests.py", _TESTS, tests)
except _MemoryError:
    _report("killed", "killed: memory limit exceeded (MemoryError)")
except _BaseException as e:
    _report("failed", "test failed: " + _describe(e, "tests.py"))
_report("passed", "all tests passed")
`

// pyInfo is the host's python3: its real executable and what must be
// bound read-only into a sandbox for it to run (its install prefix).
type pyInfo struct {
	exe   string
	binds []string
}

// pythonFinder finds python3; tests replace it to simulate a host
// without one.
var pythonFinder = findPython3

var (
	pythonOnce sync.Once
	pythonInfo pyInfo
	pythonErr  error
)

// python3 returns the python3 interpreter's real path (resolving pyenv and
// similar shims, which need an environment the child does not get) and its
// install, found once per process.
func python3() (pyInfo, error) {
	pythonOnce.Do(func() { pythonInfo, pythonErr = pythonFinder() })
	return pythonInfo, pythonErr
}

// findPython3 asks the python3 on PATH for its own executable and prefix
// and checks it is 3.8 or later (audit hooks).
func findPython3() (pyInfo, error) {
	if _, err := exec.LookPath("python3"); err != nil {
		return pyInfo{}, errors.New("python3 not found on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "python3", "-I", "-S", "-c",
		"import sys; print(sys.executable); print(sys.base_prefix); print(int(sys.version_info >= (3, 8)))").Output()
	if err != nil {
		return pyInfo{}, fmt.Errorf("python3 does not run: %w", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 3 || !filepath.IsAbs(lines[0]) || !filepath.IsAbs(lines[1]) {
		return pyInfo{}, fmt.Errorf("python3 did not say where it lives: %q", out)
	}
	if lines[2] != "1" {
		return pyInfo{}, errors.New("python3 is older than 3.8 (no audit hooks)")
	}
	return pyInfo{exe: lines[0], binds: pythonBinds(lines[0], lines[1])}, nil
}

// pythonBinds are the host paths a sandboxed python3 needs: the
// executable (and the file it links to) and its install prefix; a prefix
// of /usr is already there through the system libraries, bar its bin.
func pythonBinds(exe, prefix string) []string {
	binds := []string{exe}
	if real, err := filepath.EvalSymlinks(exe); err == nil && real != exe {
		binds = append(binds, real)
	}
	if p, err := filepath.EvalSymlinks(prefix); err == nil && p != "/usr" && p != "/" {
		binds = append(binds, p)
	}
	return binds
}
