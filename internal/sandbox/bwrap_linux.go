//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// WorkDir is the program's working directory inside a sandbox: a tmpfs of
// Limits.Disk bytes, the only place it may write, gone with the run.
const WorkDir = "/sandbox"

// sandboxUID is the user the program runs as inside its user namespace.
const sandboxUID = "65534"

// probeEnv makes a process started by Check exit at once: the probe only
// proves that a sandbox can be set up.
const probeEnv = "JANUS_SANDBOX_PROBE"

func init() {
	if os.Getenv(probeEnv) == "v1" {
		os.Exit(0)
	}
}

// Spec is one program to run in a sandbox.
type Spec struct {
	// Path is the host path of the executable, bound read-only at the same
	// path inside.
	Path string
	// Args are its arguments after the program name.
	Args []string
	// Env is its whole environment (nothing of the parent's is passed).
	Env []string
	// ReadOnly are more host paths the program needs (an interpreter's
	// install), bound read-only at the same paths.
	ReadOnly []string
	// UnsafeDir is the host directory used as the working directory when
	// the run is not isolated (--unsafe-sandbox); ignored otherwise.
	UnsafeDir string

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// ExtraFiles are passed as fd 3 onwards.
	ExtraFiles []*os.File
}

// Cmd is a sandboxed command ready to start.
type Cmd struct {
	*exec.Cmd
	// Isolation is IsolationBwrap or IsolationUnsafe.
	Isolation string
	// closeAfterStart are the parent's copies of files the child holds.
	closeAfterStart []*os.File
}

// Start starts the command and closes the parent's copies of the files
// only the child needs.
func (c *Cmd) Start() error {
	err := c.Cmd.Start()
	for _, f := range c.closeAfterStart {
		f.Close()
	}
	c.closeAfterStart = nil
	return err
}

// Command returns the command running s under lim in a new sandbox. When
// the host cannot isolate runs it returns an *UnavailableError, or, if
// SetUnsafe(true) was called, a command without isolation (and logs so).
func Command(s Spec, lim Limits) (*Cmd, error) {
	lim = lim.WithDefaults()
	if err := Check(); err != nil {
		if !Unsafe() {
			return nil, err
		}
		slog.Warn("sandbox: running untrusted code WITHOUT isolation (--unsafe-sandbox)", "reason", err.Error(), "program", s.Path)
		cmd := &exec.Cmd{Path: s.Path, Args: append([]string{s.Path}, s.Args...), Env: s.Env, Dir: s.UnsafeDir,
			Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr, ExtraFiles: s.ExtraFiles,
			SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}}
		return &Cmd{Cmd: cmd, Isolation: IsolationUnsafe}, nil
	}
	return bwrapCommand(bwrapPath, s, lim)
}

// bwrapCommand builds the bwrap command line for s.
func bwrapCommand(bwrap string, s Spec, lim Limits) (*Cmd, error) {
	filter, err := Filter()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: seccomp pipe: %w", err)
	}
	// The filter is ~1 KiB, far below a pipe's buffer: the write never
	// blocks, and closing w lets bwrap read it to EOF.
	_, err = w.Write(filter)
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("sandbox: write seccomp filter: %w", err)
	}
	extra := append(append([]*os.File{}, s.ExtraFiles...), r)
	seccompFD := 3 + len(s.ExtraFiles)
	args := []string{bwrap,
		"--unshare-all", "--unshare-user", "--die-with-parent", "--as-pid-1", "--new-session", "--cap-drop", "ALL",
		"--uid", sandboxUID, "--gid", sandboxUID, "--hostname", "sandbox"}
	args = append(args, libraryBinds()...)
	seen := map[string]bool{}
	for _, p := range append([]string{s.Path}, s.ReadOnly...) {
		if p != "" && !seen[p] {
			seen[p] = true
			args = append(args, "--ro-bind", p, p)
		}
	}
	args = append(args, "--proc", "/proc", "--dev", "/dev",
		"--size", strconv.FormatInt(lim.Disk, 10), "--perms", "0700", "--tmpfs", WorkDir,
		"--chdir", WorkDir, "--remount-ro", "/", "--seccomp", strconv.Itoa(seccompFD), "--", s.Path)
	args = append(args, s.Args...)
	cmd := &exec.Cmd{Path: bwrap, Args: args, Env: s.Env, Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr,
		ExtraFiles: extra, SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}}
	return &Cmd{Cmd: cmd, Isolation: IsolationBwrap, closeAfterStart: []*os.File{r}}, nil
}

// libraryBinds bind the system's shared libraries read-only (a dynamically
// linked interpreter or race-detector build needs the loader and libc),
// keeping /lib and /lib64 as the symlinks they are on merged-/usr systems.
// Nothing else of the host's /usr (no shell, no tools) is visible.
func libraryBinds() []string {
	var out []string
	for _, d := range []string{"/usr/lib", "/usr/lib64", "/usr/lib32"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, "--ro-bind", d, d)
		}
	}
	for _, d := range []string{"/lib", "/lib64"} {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if t, err := os.Readlink(d); err == nil {
				out = append(out, "--symlink", t, d)
			}
		case fi.IsDir():
			out = append(out, "--ro-bind", d, d)
		}
	}
	return out
}

// bwrapPath is where bubblewrap is looked for first; PATH is searched too.
const bwrapPath = "/usr/bin/bwrap"

var (
	checkOnce sync.Once
	checkErr  error
)

// Check reports whether this host can isolate runs: bwrap is installed and
// the kernel lets it create the namespaces and load the seccomp filter. It
// starts one probe sandbox, once per process.
func Check() error {
	checkOnce.Do(func() { checkErr = probe() })
	return checkErr
}

// probe starts the running executable in a sandbox in probe mode.
func probe() error {
	if _, err := os.Stat(bwrapPath); err != nil {
		if p, lerr := exec.LookPath("bwrap"); lerr != nil || p != bwrapPath {
			return &UnavailableError{Cause: "bubblewrap (bwrap) is not installed at " + bwrapPath + " (Debian package bubblewrap)"}
		}
	}
	self, err := os.Executable()
	if err != nil {
		return &UnavailableError{Cause: "find own executable: " + err.Error()}
	}
	var stderr bytes.Buffer
	c, err := bwrapCommand(bwrapPath, Spec{Path: self, Env: []string{probeEnv + "=v1"}, Stderr: &stderr},
		Limits{Wall: time.Second, CPU: time.Second, Memory: 64 << 20}.WithDefaults())
	if err != nil {
		return &UnavailableError{Cause: err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(); err != nil {
		return &UnavailableError{Cause: "start bwrap: " + err.Error()}
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		err = <-done
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return &UnavailableError{Cause: "the kernel refused to set up a sandbox: " + firstLine(msg)}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// HostPaths is the realpath of each of paths that exists, for Spec.ReadOnly.
func HostPaths(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			out = append(out, r)
		}
	}
	return out
}
