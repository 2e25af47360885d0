// Package coderun runs untrusted code against hidden tests in the
// project's sandbox (internal/sandbox): a fresh bubblewrap sandbox per run,
// with new user, mount, PID, network, IPC and UTS namespaces, an empty
// read-only root holding only the interpreter, a private tmpfs as the only
// writable directory, a seccomp filter that refuses process creation and
// the syscalls escapes use, no capabilities, a clean environment and
// rlimits for CPU time, memory, file size and open files.
//
// Every run happens in a child process: the running executable re-executed
// inside the sandbox in a child mode (see the init hook in child.go), so
// neither an endless loop nor a 10 GB allocation can touch the harness.
// JavaScript runs in the child on goja and Go on yaegi, both linked into
// janus itself, so no external runtime is needed; Python runs on the
// host's python3 (its install bound read-only into the sandbox), exec'd by
// the child once its limits are in place, and is skipped when there is no
// python3.
//
// The limits, for every language:
//
//   - CPU time: RLIMIT_CPU (soft = hard, so the kernel sends SIGKILL).
//   - Memory: RLIMIT_DATA, the program's budget plus a fixed allowance for
//     the interpreter's own runtime (Go children reserve ~110 MiB of heap
//     arenas before running a line; race-detector builds far more).
//   - Wall time: the child interrupts its interpreter at the limit, and the
//     parent kills the sandbox one second later if it is still there;
//     killing it ends its PID namespace and everything in it.
//   - Output: stdout and stderr are each kept to their first bytes
//     (Limits.Output); RLIMIT_FSIZE caps one file, the tmpfs size the
//     work dir.
//   - Processes: none; the seccomp filter refuses fork, vfork and any
//     clone that is not a thread.
//   - Network: an empty network namespace.
//   - Language walls stay as a second line and for clear messages:
//     JavaScript has no network, file or process API at all, Go programs
//     only get an allowlist of pure standard packages and no source files
//     to import, and Python runs under an audit hook that refuses sockets,
//     subprocesses, signals, ctypes and writes outside the work dir, and,
//     once the code loads, every route to another frame's locals or to raw
//     memory, so the code cannot learn the per-run key a pass must carry
//     (pythonDriver).
//
// Where the host cannot isolate (no user namespaces, no bwrap) Run
// refuses with a clear reason unless sandbox.SetUnsafe(true) was called
// (--unsafe-sandbox), in which case the run has the rlimits and the clean
// environment only, is logged, and Result.Isolation says so.
package coderun

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/sandbox"
)

// Languages a program may be written in.
const (
	JavaScript = "javascript"
	Go         = "go"
	Python     = "python"
)

// Languages lists the supported languages, in the order docs name them.
var Languages = []string{JavaScript, Go, Python}

// Status is the outcome of a run.
type Status string

// Run outcomes. Only StatusPassed means the hidden tests passed.
const (
	// StatusPassed: the code loaded and every test ran without failing.
	StatusPassed Status = "passed"
	// StatusFailed: the code did not compile or load, or a test failed.
	StatusFailed Status = "failed"
	// StatusKilled: the program hit its CPU, memory or wall-time limit.
	StatusKilled Status = "killed"
	// StatusSkipped: the language's runtime is not available here.
	StatusSkipped Status = "skipped"
	// StatusError: the harness itself could not run the program.
	StatusError Status = "error"
)

// Program is code to run and the hidden tests that judge it.
//
// The tests' conventions depend on the language:
//
//   - javascript: Code runs as one script, then Tests as another in the same
//     realm. Tests fail by throwing; assert(cond, msg), assertEqual(actual,
//     expected, msg) (deep equality) and assertThrows(fn, msg) are provided
//     and cannot be redefined by Code. The builtins (constructors, their
//     prototypes, JSON, Math, console) are frozen before Code runs, so Code
//     cannot empty an iterator or replace JSON.stringify under the tests.
//     console.log prints; module.exports and exports exist; there is no
//     require. Tests are synchronous.
//   - go: Code is a Go file in package main (the package clause may be
//     left out); its own func main, if any, is renamed and never called.
//     Tests are Go declarations in package main that must include func
//     main; the two are merged into one file (imports unioned) and main
//     runs. The tests' own package-level names are renamed with a per-run
//     nonce, so Code can neither call, assign nor redeclare them, and Code
//     that declares a predeclared name the tests use (func panic, const
//     true), dot-imports or takes a name the tests import a package as is
//     refused. A test
//     fails by panicking. os.Exit panics too, so tests must return from
//     main to pass.
//   - python: Code runs as module "solution" (so `if __name__ ==
//     "__main__":` blocks do not run), then Tests in a namespace holding
//     Code's names (`from solution import f` works too) and a copy of the
//     builtins taken before Code ran. A test fails by
//     raising, typically with assert. Code runs without frame
//     introspection: sys._getframe raises ValueError, and the frames of
//     tracebacks and generators are refused.
type Program struct {
	Language string
	Code     string
	Tests    string
	// kernelWallsOnly drops the language walls (Python's audit hook) so
	// tests can show the kernel's walls hold on their own.
	kernelWallsOnly bool
}

// Limits bound one run: the sandbox's one configuration
// (internal/sandbox).
type Limits = sandbox.Limits

// DefaultLimits are 10 s wall, 5 s CPU and 256 MiB, and the sandbox's
// defaults for file size, disk, open files and output.
func DefaultLimits() Limits { return sandbox.DefaultLimits() }

// Result is what a run came to.
type Result struct {
	Status Status
	// Reason is one line saying why, fit for a verdict: the failing test's
	// message, the limit that was hit, the runtime that is missing.
	Reason string
	// Stdout and Stderr are the program's output, each cut at 64 KiB.
	Stdout, Stderr string
	// Elapsed is the child's wall time.
	Elapsed time.Duration
	// Pgid is the child's process group (0 when none was started), so a
	// caller can confirm nothing of the run is left.
	Pgid int
	// Isolation is how the run was isolated: sandbox.IsolationBwrap, or
	// sandbox.IsolationUnsafe when the operator allowed running without
	// (--unsafe-sandbox); empty when nothing ran.
	Isolation string
}

// Passed reports whether the hidden tests passed.
func (r Result) Passed() bool { return r.Status == StatusPassed }

// Known reports whether lang is a supported language.
func Known(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Syntax reports why code does not parse as lang, or nil. JavaScript is
// compiled by goja and Go parsed by go/parser, in the harness and without
// running anything, so a prose answer fails here at no cost. Python is not
// parsed in the harness: its syntax errors come from the run.
func Syntax(lang, code string) error {
	switch lang {
	case JavaScript:
		return jsSyntax(code)
	case Go:
		return goSyntax(code)
	case Python:
		return nil
	}
	return fmt.Errorf("unknown language %q", lang)
}

// CheckTests reports what is wrong with hidden tests for lang, or nil:
// they must not be blank, JavaScript tests must compile, and Go tests must
// parse and declare func main.
func CheckTests(lang, tests string) error {
	if strings.TrimSpace(tests) == "" {
		return errors.New("no tests (code would pass by merely loading)")
	}
	switch lang {
	case JavaScript:
		if err := jsSyntax(tests); err != nil {
			return fmt.Errorf("tests do not compile: %w", err)
		}
		return nil
	case Go:
		return goTestsSpec(tests)
	case Python:
		return nil
	}
	return fmt.Errorf("unknown language %q (known: %s)", lang, strings.Join(Languages, ", "))
}

// Runner runs programs, at most a fixed number at once: each may burn a
// full core until its CPU limit, and more of them than cores only
// stretches every run's wall time towards its limit. It implements
// scorer.CodeRunner; the application builds one and hands it to the
// scorer's Evaluator.
type Runner struct {
	slots chan struct{}
}

// NewRunner is a Runner running at most parallel programs at once
// (parallel ≤ 0: one per CPU).
func NewRunner(parallel int) *Runner {
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	return &Runner{slots: make(chan struct{}, max(1, parallel))}
}

// shared bounds the runs of callers that hold no Runner of their own
// (the gateway's and the tools' run_code, through Run): the bound is the
// machine's cores, one per process.
var shared = NewRunner(0)

// Run runs p with the process's shared Runner (see Runner.Run).
func Run(ctx context.Context, p Program, lim Limits) Result { return shared.Run(ctx, p, lim) }

// CheckTests is the package's CheckTests, so a Runner is a
// scorer.CodeRunner.
func (r *Runner) CheckTests(lang, tests string) error { return CheckTests(lang, tests) }

// RunTests runs code against tests (Run) and says what it came to in the
// terms of scorer.CodeRunner.
func (r *Runner) RunTests(ctx context.Context, lang, code, tests string, lim Limits) (passed bool, isolation string, elapsed time.Duration, reason string) {
	res := r.Run(ctx, Program{Language: lang, Code: code, Tests: tests}, lim)
	return res.Passed(), res.Isolation, res.Elapsed, res.Reason
}

// Run runs p's code against its tests within lim. It never panics and never
// returns an error: every failure, including the harness's own, is a
// Result with a reason. ctx cancels the run (the child is killed); the wall
// limit starts once the run has a slot, so a queue of runs does not eat
// into each other's time.
func (r *Runner) Run(ctx context.Context, p Program, lim Limits) Result {
	if !Known(p.Language) {
		return Result{Status: StatusError, Reason: fmt.Sprintf("unknown language %q (known: %s)", p.Language, strings.Join(Languages, ", "))}
	}
	if err := lim.Validate(); err != nil {
		return Result{Status: StatusError, Reason: "invalid limits: " + err.Error()}
	}
	if err := Syntax(p.Language, p.Code); err != nil {
		return Result{Status: StatusFailed, Reason: "code does not compile: " + err.Error()}
	}
	lim = lim.WithDefaults()
	j := job{Language: p.Language, Code: p.Code, Tests: p.Tests, WallNs: int64(lim.Wall),
		CPUSeconds: lim.CPUSeconds(), Memory: lim.Memory, FileSize: lim.FileSize, OpenFiles: lim.OpenFiles,
		KernelWallsOnly: p.kernelWallsOnly}
	var ro []string
	if p.Language == Python {
		py, err := python3()
		if _, transient := errors.AsType[*probeError](err); transient {
			// python3 is there but did not answer: the harness failed,
			// not the host's runtime (a skip would pass as "no python3").
			return Result{Status: StatusError, Reason: "harness: " + err.Error()}
		}
		if err != nil {
			return Result{Status: StatusSkipped, Reason: "skipped: " + err.Error()}
		}
		j.Python = py.exe
		ro = py.binds
		if j.Key, err = verdictKey(); err != nil {
			return Result{Status: StatusError, Reason: "harness: " + err.Error()}
		}
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return Result{Status: StatusError, Reason: "cancelled before the run started: " + context.Cause(ctx).Error()}
	}
	defer func() { <-r.slots }()
	return spawn(ctx, j, lim, ro)
}

// job is what the parent sends the child on stdin.
type job struct {
	Language   string `json:"language"`
	Code       string `json:"code"`
	Tests      string `json:"tests"`
	WallNs     int64  `json:"wall_ns"`
	CPUSeconds uint64 `json:"cpu_seconds"`
	Memory     int64  `json:"memory"`
	FileSize   int64  `json:"file_size"`
	OpenFiles  int    `json:"open_files"`
	// KernelWallsOnly: see Program.kernelWallsOnly.
	KernelWallsOnly bool `json:"kernel_walls_only,omitempty"`
	// Python is the absolute path of the python3 interpreter.
	Python string `json:"python,omitempty"`
	// Key is the run's verdict key (Python only): a pass record counts
	// only when it carries it (see pythonDriver).
	Key string `json:"key,omitempty"`
}

// outcome is what the child reports on fd 3.
type outcome struct {
	Status Status `json:"status"`
	Reason string `json:"reason"`
	// Key is the Python driver's proof that a pass is its own.
	Key string `json:"key,omitempty"`
}

// verdictKey draws a run's verdict key: 128 random bits in hex, which the
// Python code under test cannot guess.
func verdictKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("draw verdict key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// parseOutcome reads what arrived on the result descriptor. Without a key
// (JavaScript and Go, whose children report from Go code the program
// cannot reach) it is the last record. With one (Python, whose code shares
// the driver's interpreter and can write to the descriptor too) a pass
// counts only when it carries the key and nothing else was written there:
// a pass without the key, or any line beside the keyed pass, is a forged
// verdict and fails. ok is false when no record arrived.
func parseOutcome(result []byte, key string) (o outcome, ok bool) {
	var lines [][]byte
	for _, l := range bytes.Split(result, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			lines = append(lines, l)
		}
	}
	for i := len(lines) - 1; i >= 0 && !ok; i-- {
		ok = json.Unmarshal(lines[i], &o) == nil && o.Status != ""
	}
	if !ok || key == "" || o.Status != StatusPassed {
		return o, ok
	}
	if subtle.ConstantTimeCompare([]byte(o.Key), []byte(key)) != 1 {
		return outcome{Status: StatusFailed, Reason: "forged verdict: a pass without the run's key reached the result descriptor (the code wrote it)"}, true
	}
	if len(lines) != 1 {
		return outcome{Status: StatusFailed, Reason: fmt.Sprintf("forged verdict: the code wrote %d other line(s) to the result descriptor", len(lines)-1)}, true
	}
	return o, true
}

// oneLine flattens s to a single line of at most n runes for a reason.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// fmtDuration renders a limit for a reason: "1.5s", "10s", "250ms".
func fmtDuration(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}

// fmtBytes renders a memory limit for a reason: "256 MiB".
func fmtBytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
