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

// pyKeyFile holds the run's verdict key in the temp dir until the driver
// has read and removed it.
const pyKeyFile = "_janus_key"

// pythonDriver runs solution.py as module "solution", then tests.py in a
// namespace holding its names, and reports the outcome as JSON on fd 3.
// Before any of that it installs an audit hook (which code cannot remove)
// refusing sockets, subprocesses, signals to other processes, ctypes, and
// file writes outside the temp dir.
//
// The code shares the interpreter, so it can write to fd 3 too: a pass
// counts only when its record carries the run's key (pyKeyFile), which the
// driver reads and deletes before the code loads and keeps in one local of
// _main. Once the code loads, the hook refuses every way Python reaches
// another frame's locals or raw memory (sys._getframe, tracebacks' and
// generators' frames, tracing, signal handlers, the gc's object lists,
// crafted code objects, /proc, ctypes), so the code cannot learn the key.
// A failure drops the key first and then describes the exception with
// frames allowed again.
const pythonDriver = `import builtins, json, linecache, os, sys, traceback, types

_DENY_PREFIXES = ("socket.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn",
                  "os.fork", "os.forkpty", "os.system", "os.kill", "os.killpg", "pty.",
                  "ctypes.", "webbrowser.", "urllib.Request", "http.client.", "ftplib.",
                  "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.")
_PATH_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                "os.link", "os.symlink", "os.truncate", "os.utime", "shutil.rmtree",
                "shutil.move", "shutil.copyfile", "shutil.copytree")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# Once the code runs (mode 1): what reaches another frame or raw memory.
# Frame lookups fail with ValueError, as on a Python without frames, so
# logging, namedtuple and enum fall back as they were written to.
_FRAME_EVENTS = ("sys._getframe", "sys._getframemodulename", "sys._current_frames",
                 "sys._current_exceptions", "sys.settrace", "sys.setprofile")
_LOCKED_EVENTS = ("gc.get_objects", "gc.get_referrers", "gc.get_referents", "code.__new__",
                  "sys.addaudithook")
_FRAME_ATTRS = ("tb_frame", "gi_frame", "cr_frame", "ag_frame")
_LOCKED_IMPORTS = ("ctypes", "_ctypes", "signal", "_signal", "_testcapi", "_testinternalcapi",
                   "_xxsubinterpreters", "_posixsubprocess")

def _make_hook(root):
    mode = [0]
    def inside(path):
        try:
            p = os.path.realpath(os.fsdecode(path))
        except Exception:
            return False
        return p == root or p.startswith(root + os.sep)
    def in_proc(path):
        try:
            p = os.path.realpath(os.fsdecode(path))
        except Exception:
            return True
        return p == "/proc" or p.startswith("/proc/")
    def locked(event, args):
        if event in _FRAME_EVENTS and mode[0] == 1:
            raise ValueError("janus sandbox: %s is not allowed" % event)
        if event == "object.__getattr__" and len(args) > 1 and args[1] in _FRAME_ATTRS and mode[0] == 1:
            raise AttributeError("janus sandbox: %s is not allowed" % args[1])
        if event in _LOCKED_EVENTS or (event == "import" and args and args[0] in _LOCKED_IMPORTS):
            raise PermissionError("janus sandbox: %s is not allowed" % (args[0] if event == "import" else event))
        if event == "open" and args and not isinstance(args[0], int) and in_proc(args[0]):
            raise PermissionError("janus sandbox: reading /proc is not allowed")
    def hook(event, args):
        if event.startswith(_DENY_PREFIXES):
            raise PermissionError("janus sandbox: %s is not allowed" % event)
        if event == "import" and args and args[0] in ("ctypes", "_ctypes"):
            raise PermissionError("janus sandbox: importing %s is not allowed" % args[0])
        if mode[0]:
            locked(event, args)
        if event == "open" and args and not isinstance(args[0], int):
            flags = args[2]
            writing = (isinstance(args[1], str) and any(c in args[1] for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and not inside(args[0]):
                raise PermissionError("janus sandbox: writing %s is not allowed" % os.fsdecode(args[0]))
        if event in _PATH_EVENTS:
            for a in args[:2]:
                if isinstance(a, (str, bytes, os.PathLike)) and not inside(a):
                    raise PermissionError("janus sandbox: %s on %s is not allowed" % (event, os.fsdecode(a)))
    def raise_mode(m):
        if m > mode[0]:
            mode[0] = m
    return hook, raise_mode

def _take(name):
    with open(name, encoding="utf-8") as f:
        text = f.read()
    os.remove(name)
    return text

def _where(exc, filename):
    for fr in reversed(traceback.extract_tb(exc.__traceback__)):
        if fr.filename == filename:
            return "%s line %d: %s" % (filename, fr.lineno, (fr.line or "").strip())
    return ""

def _describe(exc, filename, cap):
    try:
        msg = "".join(cap["format_exc_only"](cap["type"](exc), exc)).strip()
        where = _where(exc, filename)
    except cap["BaseException"]:
        return "an exception whose description failed"
    return msg + (" (" + where + ")" if where else "")

def _fail(exc, stage, cap):
    # The key is gone by now: this record carries none, and a "passed"
    # without the key never counts.
    if isinstance(exc, cap["MemoryError"]):
        status, reason = "killed", "killed: memory limit exceeded (MemoryError)"
    elif stage == "tests.py":
        status, reason = "failed", "test failed: " + _describe(exc, "tests.py", cap)
    elif isinstance(exc, cap["SyntaxError"]):
        status, reason = "failed", "code does not compile: " + _describe(exc, "solution.py", cap)
    else:
        status, reason = "failed", "code failed to load: " + _describe(exc, "solution.py", cap)
    try:
        cap["flush_out"]()
        cap["flush_err"]()
    except cap["BaseException"]:
        pass
    cap["write"](3, ("\n" + cap["dumps"]({"status": status, "reason": reason}) + "\n").encode())
    cap["exit"](0)

def _main(argv):
    # What the driver and the tests need is captured before the code runs,
    # so code that rebinds json.dumps, os.write, builtins.len or
    # AssertionError changes neither the report nor the tests' view of the
    # builtins.
    cap = {"dumps": json.dumps, "write": os.write, "exit": os._exit, "flush_out": sys.stdout.flush,
           "flush_err": sys.stderr.flush, "format_exc_only": traceback.format_exception_only,
           "type": type, "BaseException": BaseException, "MemoryError": MemoryError, "SyntaxError": SyntaxError}
    fail, base_exc, run, compile_, new_dict = _fail, BaseException, exec, compile, dict
    builtins_copy = dict(builtins.__dict__)
    write, exit_ = os.write, os._exit
    hook, raise_mode = _make_hook(os.path.realpath(os.getcwd()))
    if "--kernel-walls-only" not in argv:
        sys.addaudithook(hook)
    sys.dont_write_bytecode = True
    # Signal handlers are handed the interrupted frame; with _signal out of
    # sys.modules, importing it again is an import the hook refuses.
    sys.modules.pop("_signal", None)
    key = _take("` + pyKeyFile + `")
    # The hidden tests are read and their file removed before the code
    # runs: code that reads tests.py (to learn the expected values) or
    # rewrites it (to an empty file) finds nothing there. linecache keeps
    # their lines for failure messages.
    tests_src = _take("tests.py")
    linecache.cache["tests.py"] = (len(tests_src), None, tests_src.splitlines(True), "tests.py")
    solution_src = _take("solution.py")
    solution = types.ModuleType("solution")
    solution.__file__ = "solution.py"
    sys.modules["solution"] = solution
    stage = "solution.py"
    raise_mode(1)
    try:
        run(compile_(solution_src, "solution.py", "exec"), solution.__dict__)
        stage = "tests.py"
        tests = {k: v for k, v in solution.__dict__.items() if not k.startswith("__")}
        tests["__name__"] = "tests"
        tests["__builtins__"] = new_dict(builtins_copy)
        run(compile_(tests_src, "tests.py", "exec"), tests)
    except base_exc as e:
        key = None
        raise_mode(2)
        fail(e, stage, cap)
    try:
        cap["flush_out"]()
        cap["flush_err"]()
    except base_exc:
        pass
    write(3, ("\n{\"status\": \"passed\", \"reason\": \"all tests passed\", \"key\": \"" + key + "\"}\n").encode())
    exit_(0)

_main(sys.argv)
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

// pythonProbeBudget bounds the probe of the host's python3, a print of
// three values that takes some 20 ms of CPU. The bound is on wall time and
// only catches a python3 that hangs, so it is generous: on a machine with
// every core busy (make test-stress, a loaded CI runner) a 10 s bound
// killed the probe, and every Python run of that process was skipped.
const pythonProbeBudget = 2 * time.Minute

// probeError is a probe of python3 that did not complete (it failed to
// start, crashed or ran out of its budget): the harness could not ask,
// which says nothing about whether python3 works, so it is not
// remembered and the next run asks again.
type probeError struct{ err error }

func (e *probeError) Error() string { return "python3 does not run: " + e.err.Error() }

func (e *probeError) Unwrap() error { return e.err }

// python is the probe's answer, kept for the process once it is a
// definite one: the interpreter found, or no usable python3 on this host.
var python struct {
	mu      sync.Mutex
	decided bool
	info    pyInfo
	err     error
}

// python3 returns the python3 interpreter's real path (resolving pyenv and
// similar shims, which need an environment the child does not get) and its
// install. A definite answer is found once per process; a probe that did
// not complete is a *probeError and is retried by the next call.
func python3() (pyInfo, error) {
	python.mu.Lock()
	defer python.mu.Unlock()
	if python.decided {
		return python.info, python.err
	}
	info, err := pythonFinder()
	if _, transient := errors.AsType[*probeError](err); transient {
		return pyInfo{}, err
	}
	python.decided, python.info, python.err = true, info, err
	return info, err
}

// findPython3 asks the python3 on PATH for its own executable and prefix
// and checks it is 3.8 or later (audit hooks).
func findPython3() (pyInfo, error) {
	if _, err := exec.LookPath("python3"); err != nil {
		return pyInfo{}, errors.New("python3 not found on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), pythonProbeBudget)
	defer cancel()
	out, err := exec.CommandContext(ctx, "python3", "-I", "-S", "-c",
		"import sys; print(sys.executable); print(sys.base_prefix); print(int(sys.version_info >= (3, 8)))").Output()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer within %s: %w", pythonProbeBudget, err)
		}
		return pyInfo{}, &probeError{err}
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
