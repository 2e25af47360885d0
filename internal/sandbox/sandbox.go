// Package sandbox starts untrusted programs (model-written code) isolated
// by the kernel, not by the language: every run is a fresh bubblewrap
// (bwrap) sandbox with new user, mount, PID, network, IPC, UTS and cgroup
// namespaces, an empty read-only root holding only what the program needs
// (bind-mounted read-only), a private size-bounded tmpfs as its only
// writable directory, no network interface but a down loopback, a
// seccomp filter, no capabilities, a clean environment, and rlimits for
// CPU time, memory, file size and open files. The whole namespace dies
// with the run: killing bwrap ends PID 1 of the namespace and with it every
// process the program might have left.
//
// It is the one sandbox of the project: the code evaluator, the
// baseline's run_code tool and the gateway's /api/sandbox/create all go
// through internal/coderun, which starts its children with Command.
//
// When the kernel refuses (no user namespaces, no bwrap), Command refuses
// too, with ErrUnavailable, unless the operator allowed running without
// isolation (SetUnsafe, the --unsafe-sandbox flag); every such run is
// logged. See docs/SECURITY.md for the threat model.
package sandbox

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Limits bound one run. It is the one configuration of the sandbox: every
// caller (code evaluator, baseline, gateway) passes one, and the zero
// value of an optional field means its default.
type Limits struct {
	// Wall is the wall-clock limit of the program, from its start.
	Wall time.Duration
	// CPU is the CPU-time limit (rounded up to whole seconds, the kernel's
	// granularity).
	CPU time.Duration
	// Memory is the program's memory budget in bytes (RLIMIT_DATA, plus an
	// allowance for the interpreter's own runtime).
	Memory int64
	// FileSize caps one file the program writes (RLIMIT_FSIZE); 0 means
	// 16 MiB.
	FileSize int64
	// Disk caps the whole writable work dir (a tmpfs); 0 means 64 MiB.
	Disk int64
	// OpenFiles caps the program's open file descriptors (RLIMIT_NOFILE);
	// 0 means 64.
	OpenFiles int
	// Output caps the bytes kept of stdout and of stderr each; 0 means
	// 64 KiB. Output past it is read and dropped, so the program never
	// blocks on a full pipe.
	Output int
}

// Process creation is not a limit but a rule: the seccomp filter refuses
// every fork, vfork and clone that is not a thread, so a fork bomb stops
// at its first fork and nothing can outlive the run. Threads are bounded
// by the memory limit (each stack counts against RLIMIT_DATA).

// Defaults of the optional limits.
const (
	DefaultFileSize  = 16 << 20
	DefaultDisk      = 64 << 20
	DefaultOpenFiles = 64
	DefaultOutput    = 64 << 10
)

// DefaultLimits are 10 s wall, 5 s CPU and 256 MiB, with the defaults of
// the optional limits.
func DefaultLimits() Limits {
	return Limits{Wall: 10 * time.Second, CPU: 5 * time.Second, Memory: 256 << 20}.WithDefaults()
}

// WithDefaults fills the optional limits left at zero.
func (l Limits) WithDefaults() Limits {
	if l.FileSize <= 0 {
		l.FileSize = DefaultFileSize
	}
	if l.Disk <= 0 {
		l.Disk = DefaultDisk
	}
	if l.OpenFiles <= 0 {
		l.OpenFiles = DefaultOpenFiles
	}
	if l.Output <= 0 {
		l.Output = DefaultOutput
	}
	return l
}

// Validate reports limits that cannot be applied.
func (l Limits) Validate() error {
	switch {
	case l.Wall <= 0:
		return fmt.Errorf("wall limit %v must be positive", l.Wall)
	case l.CPU <= 0:
		return fmt.Errorf("CPU limit %v must be positive", l.CPU)
	case l.Memory < 1<<20:
		return fmt.Errorf("memory limit %d bytes must be at least 1 MiB", l.Memory)
	case l.FileSize < 0, l.Disk < 0, l.OpenFiles < 0, l.Output < 0:
		return errors.New("file size, disk, open files and output limits must not be negative")
	case l.OpenFiles > 0 && l.OpenFiles < 16:
		return fmt.Errorf("open files limit %d must be at least 16 (the runtime needs some)", l.OpenFiles)
	}
	return nil
}

// CPUSeconds is the RLIMIT_CPU value for l.
func (l Limits) CPUSeconds() uint64 {
	return uint64(math.Ceil(l.CPU.Seconds()))
}

// Report is the limits a run ran under, as API answers and run reports
// show them.
type Report struct {
	Isolation     string  `json:"isolation"`
	WallSeconds   float64 `json:"wall_seconds"`
	CPUSeconds    uint64  `json:"cpu_seconds"`
	MemoryBytes   int64   `json:"memory_bytes"`
	FileSizeBytes int64   `json:"file_size_bytes"`
	DiskBytes     int64   `json:"disk_bytes"`
	OpenFiles     int     `json:"open_files"`
	OutputBytes   int     `json:"output_bytes"`
	Processes     int     `json:"processes"`
	Network       bool    `json:"network"`
}

// Report describes l as run with the given isolation.
func (l Limits) Report(isolation string) Report {
	l = l.WithDefaults()
	return Report{Isolation: isolation, WallSeconds: l.Wall.Seconds(), CPUSeconds: l.CPUSeconds(),
		MemoryBytes: l.Memory, FileSizeBytes: l.FileSize, DiskBytes: l.Disk, OpenFiles: l.OpenFiles,
		OutputBytes: l.Output, Processes: 1, Network: false}
}

// Isolation names how a run was isolated.
const (
	// IsolationBwrap: kernel namespaces, seccomp and rlimits via bwrap.
	IsolationBwrap = "bwrap"
	// IsolationUnsafe: rlimits and a clean environment only, because the
	// operator passed --unsafe-sandbox on a host that refused namespaces.
	IsolationUnsafe = "unsafe-none"
)

// ErrUnavailable is the error of Command when the kernel or the host
// cannot isolate a run and running without isolation was not allowed.
var ErrUnavailable = errors.New("sandbox unavailable")

// UnavailableError says why the sandbox cannot isolate runs here.
type UnavailableError struct{ Cause string }

func (e *UnavailableError) Error() string {
	return "sandbox unavailable: " + e.Cause + "; refusing to run untrusted code without kernel isolation " +
		"(pass --unsafe-sandbox to run it anyway, logged on every run)"
}

// Is makes errors.Is(err, ErrUnavailable) hold.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// unsafe is the operator's --unsafe-sandbox: a process-wide policy set
// once at start-up by the command line, like the judge endpoint.
var unsafe atomic.Bool

// SetUnsafe allows (true) or forbids (false, the default) running code
// without kernel isolation when the sandbox is unavailable.
func SetUnsafe(allow bool) { unsafe.Store(allow) }

// Unsafe reports whether running without isolation is allowed.
func Unsafe() bool { return unsafe.Load() }
