//go:build linux

package coderun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/janus-bench/janus/internal/sandbox"
)

const (
	// killGrace is how long after the wall limit the parent waits for the
	// child to interrupt itself and report before killing its group.
	killGrace = time.Second
	// pythonAllowance is added to a Python program's memory budget for the
	// interpreter itself.
	pythonAllowance = 64 << 20
)

// spawn runs j in a sandboxed child process and turns what happened into
// a Result.
func spawn(ctx context.Context, j job, lim Limits, ro []string) Result {
	self, err := os.Executable()
	if err != nil {
		return Result{Status: StatusError, Reason: "harness: find own executable: " + err.Error()}
	}
	in, err := json.Marshal(j)
	if err != nil {
		return Result{Status: StatusError, Reason: "harness: encode job: " + err.Error()}
	}
	// A host work dir only exists for an unisolated run; a sandbox has
	// its own tmpfs.
	var hostDir string
	if sandbox.Check() != nil && sandbox.Unsafe() {
		if hostDir, err = os.MkdirTemp("", "janus-coderun-*"); err != nil {
			return Result{Status: StatusError, Reason: "harness: make temp dir: " + err.Error()}
		}
		defer os.RemoveAll(hostDir)
	}
	c, err := startChild(self, hostDir, in, lim, ro)
	if err != nil {
		if errors.Is(err, sandbox.ErrUnavailable) {
			return Result{Status: StatusError, Reason: "refused: " + err.Error()}
		}
		return Result{Status: StatusError, Reason: "harness: " + err.Error()}
	}
	start := time.Now()
	pid := c.cmd.Process.Pid

	waited := make(chan error, 1)
	go func() { waited <- c.cmd.Wait() }()
	timer := time.NewTimer(lim.Wall + killGrace)
	defer timer.Stop()
	var killedFor string
	select {
	case err = <-waited:
	case <-timer.C:
		killGroup(pid)
		killedFor = "wall"
		err = <-waited
	case <-ctx.Done():
		killGroup(pid)
		killedFor = "cancel"
		err = <-waited
	}
	elapsed := time.Since(start)
	// Whatever the program left in its group goes with it (a sandbox's
	// PID namespace is gone already with its PID 1).
	killGroup(pid)
	stdout, stderr, result := c.collect()

	res := Result{Stdout: stdout, Stderr: stderr, Elapsed: elapsed, Pgid: pid, Isolation: c.cmd.Isolation}
	o, reported := parseOutcome(result, j.Key)
	switch {
	case killedFor == "cancel":
		res.Status, res.Reason = StatusError, "run cancelled: "+context.Cause(ctx).Error()
	case killedFor == "wall":
		res.Status, res.Reason = StatusKilled, fmt.Sprintf("killed: wall-time limit %s exceeded", fmtDuration(lim.Wall))
	case reported:
		res.Status, res.Reason = o.Status, o.Reason
	default:
		res.Status, res.Reason = diagnose(c.cmd.ProcessState, err, stderr, lim)
	}
	if c.cmd.Isolation == sandbox.IsolationUnsafe {
		res.Reason += " [UNSAFE: run without sandbox isolation (--unsafe-sandbox)]"
	}
	return res
}

// child is a started child process and the pipes it talks through.
type child struct {
	cmd                    *sandbox.Cmd
	stdout, stderr, result *capture
}

// startChild starts the child in a new sandbox (or, with --unsafe-sandbox
// on a host that cannot isolate, in hostDir without one).
func startChild(self, hostDir string, in []byte, lim Limits, ro []string) (*child, error) {
	var caps []*capture
	abort := func() {
		for _, c := range caps {
			c.abort()
		}
	}
	for range 3 {
		c, err := newCapture(lim.Output)
		if err != nil {
			abort()
			return nil, err
		}
		caps = append(caps, c)
	}
	stdout, stderr, result := caps[0], caps[1], caps[2]
	workDir := sandbox.WorkDir
	if hostDir != "" {
		workDir = hostDir
	}
	cmd, err := sandbox.Command(sandbox.Spec{Path: self, Env: childEnviron(workDir), ReadOnly: ro, UnsafeDir: hostDir,
		Stdin: bytes.NewReader(in), Stdout: stdout.w, Stderr: stderr.w, ExtraFiles: []*os.File{result.w}}, lim)
	if err != nil {
		abort()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		abort()
		return nil, fmt.Errorf("start child: %w", err)
	}
	// The child has its own copies of the write ends; closing ours lets
	// the readers see EOF when the child's group is gone.
	stdout.started()
	stderr.started()
	result.started()
	return &child{cmd: cmd, stdout: stdout, stderr: stderr, result: result}, nil
}

// collect waits (briefly: the group is dead by now) for the readers and
// returns what they captured.
func (c *child) collect() (stdout, stderr string, result []byte) {
	return string(c.stdout.wait()), string(c.stderr.wait()), c.result.wait()
}

// childEnviron is the child's whole environment: the child marker and the
// minimum an interpreter needs, pointing every home and temp at dir.
// Nothing of the parent's environment (API keys) is passed.
func childEnviron(dir string) []string {
	return []string{
		childEnv + "=" + childProto,
		"HOME=" + dir,
		"TMPDIR=" + dir,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
		"PYTHONHASHSEED=0",
		// A data race inside interpreted goroutines must not turn a
		// race-detector build's exit status into a verdict.
		"GORACE=exitcode=0 atexit_sleep_ms=0",
	}
}

// killGroup sends SIGKILL to the process group pgid; a group that is
// already gone is not an error.
func killGroup(pgid int) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// diagnose explains a child that exited without reporting an outcome.
func diagnose(ps *os.ProcessState, waitErr error, stderr string, lim Limits) (Status, string) {
	if ps == nil {
		return StatusError, "harness: wait for child: " + errString(waitErr)
	}
	cpu := ps.UserTime() + ps.SystemTime()
	ws, _ := ps.Sys().(syscall.WaitStatus)
	sig, signaled := ws.Signal(), ws.Signaled()
	if code := ps.ExitCode(); !signaled && code > 128 && code < 128+65 {
		// bwrap exits with 128+n when the program died of signal n.
		sig, signaled = syscall.Signal(code-128), true
	}
	if strings.HasPrefix(stderr, "bwrap: ") {
		return StatusError, "harness: sandbox setup failed: " + oneLine(stderr, 200)
	}
	if signaled {
		// Nothing but the kernel's RLIMIT_CPU check sends an unrequested
		// SIGKILL here (RLIMIT_DATA makes allocations fail long before the
		// OOM killer would act). The rusage a dead child reports can trail
		// the kernel's own CPU accounting by a tick or more per thread, so
		// half the limit is proof enough.
		if sig == syscall.SIGXCPU || (sig == syscall.SIGKILL && cpu >= time.Duration(lim.CPUSeconds())*time.Second/2) {
			return StatusKilled, fmt.Sprintf("killed: CPU-time limit %ds exceeded", lim.CPUSeconds())
		}
		if sig == syscall.SIGKILL {
			return StatusKilled, fmt.Sprintf("killed by SIGKILL after %s CPU (out of memory?)", fmtDuration(cpu))
		}
		return StatusFailed, fmt.Sprintf("crashed with %v", sig)
	}
	if outOfMemory(stderr) {
		return StatusKilled, fmt.Sprintf("killed: memory limit %s exceeded", fmtBytes(lim.Memory))
	}
	if line := crashLine(stderr); line != "" {
		return StatusFailed, line
	}
	return StatusFailed, fmt.Sprintf("exited with status %d before the tests finished: %s", ps.ExitCode(), oneLine(tail(stderr, 400), 200))
}

// outOfMemory recognises the Go runtime's, the race runtime's and the C
// library's words for a failed allocation. A thread stack is a private
// anonymous mapping that counts against RLIMIT_DATA, and the sandbox sets
// no process limit, so pthread_create's EAGAIN here means the memory
// limit was reached while the runtime started a thread.
func outOfMemory(stderr string) bool {
	for _, s := range []string{"fatal error: runtime: out of memory", "fatal error: out of memory",
		"ThreadSanitizer failed to allocate", "Cannot allocate memory", "MemoryError",
		"pthread_create failed: Resource temporarily unavailable"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// crashLine picks the line of a Go crash that says what happened.
func crashLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return oneLine(l, 200)
		}
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// capture is a pipe whose read end is drained into a buffer that keeps the
// first max bytes, so a chatty child never blocks on a full pipe.
type capture struct {
	r, w *os.File
	buf  bytes.Buffer
	max  int
	done chan struct{}
	once sync.Once
}

func newCapture(max int) (*capture, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("make pipe: %w", err)
	}
	c := &capture{r: r, w: w, max: max, done: make(chan struct{})}
	go c.drain()
	return c, nil
}

func (c *capture) drain() {
	defer close(c.done)
	chunk := make([]byte, 32<<10)
	for {
		n, err := c.r.Read(chunk)
		if room := c.max - c.buf.Len(); room > 0 {
			c.buf.Write(chunk[:min(n, room)])
		}
		if err != nil {
			return
		}
	}
}

// started closes the parent's copy of the write end once the child holds
// its own.
func (c *capture) started() { c.once.Do(func() { c.w.Close() }) }

// abort closes both ends of a pipe whose child never started.
func (c *capture) abort() {
	c.started()
	<-c.done
	c.r.Close()
}

// wait returns the captured bytes once the writers are gone, or after a
// second if something outside the killed group still holds the pipe.
func (c *capture) wait() []byte {
	select {
	case <-c.done:
	case <-time.After(time.Second):
		c.r.Close()
		<-c.done
	}
	c.r.Close()
	return c.buf.Bytes()
}

// limitSelf applies the job's limits to the calling process (a child about
// to run an interpreter in-process or to exec one). allowance is added to
// the program's memory budget for the interpreter's own runtime.
func limitSelf(j job, allowance int64) error {
	if j.CPUSeconds == 0 || j.Memory <= 0 {
		return errors.New("job has no limits")
	}
	data := uint64(j.Memory + allowance)
	fsize, nofile := uint64(j.FileSize), uint64(j.OpenFiles)
	if fsize == 0 {
		fsize = sandbox.DefaultFileSize
	}
	if nofile == 0 {
		nofile = sandbox.DefaultOpenFiles
	}
	for _, l := range []struct {
		name     string
		resource int
		value    uint64
	}{
		{"RLIMIT_CPU", syscall.RLIMIT_CPU, j.CPUSeconds},
		{"RLIMIT_DATA", syscall.RLIMIT_DATA, data},
		{"RLIMIT_FSIZE", syscall.RLIMIT_FSIZE, fsize},
		{"RLIMIT_NOFILE", syscall.RLIMIT_NOFILE, nofile},
		{"RLIMIT_CORE", syscall.RLIMIT_CORE, 0},
	} {
		if err := syscall.Setrlimit(l.resource, &syscall.Rlimit{Cur: l.value, Max: l.value}); err != nil {
			return fmt.Errorf("set %s to %d: %w", l.name, l.value, err)
		}
	}
	if j.Language != Python {
		// Make the Go runtime collect hard before RLIMIT_DATA kills it.
		debug.SetMemoryLimit(j.Memory + allowance)
	}
	return nil
}

// execPython writes the driver, the code and the tests into the working
// directory, limits the process and replaces it with python3. It returns
// only if that fails.
func execPython(j job) error {
	if j.Python == "" {
		return errors.New("no python3 path in the job")
	}
	dir, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	for name, text := range map[string]string{pyDriverFile: pythonDriver, "solution.py": j.Code, "tests.py": j.Tests, pyKeyFile: j.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, childEnv+"=") {
			env = append(env, kv)
		}
	}
	// argv[0] is the absolute path: Python derives its prefix (where its
	// standard library lives) from it, and a bare "python3" would be
	// looked up on the child's PATH, which may find a different install.
	argv := []string{j.Python, "-I", "-S", "-B", "-X", "utf8", pyDriverFile}
	if j.KernelWallsOnly {
		argv = append(argv, "--kernel-walls-only")
	}
	// The limits come last: this process's Go runtime (under -race a
	// large one) must not need new memory between RLIMIT_DATA and exec,
	// or it dies with "cannot allocate memory" instead of running Python.
	if err := limitSelf(j, pythonAllowance); err != nil {
		return err
	}
	if err := syscall.Exec(j.Python, argv, env); err != nil {
		return fmt.Errorf("exec %s: %w", j.Python, err)
	}
	return nil
}
