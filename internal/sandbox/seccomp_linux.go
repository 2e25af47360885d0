//go:build linux

package sandbox

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Classic BPF opcodes a seccomp filter uses.
const (
	bpfLdAbs  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeq    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJge    = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	bpfJset   = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	bpfRet    = unix.BPF_RET | unix.BPF_K
	offNr     = 0  // seccomp_data.nr
	offArch   = 4  // seccomp_data.arch
	offArg0Lo = 16 // low 32 bits of seccomp_data.args[0] (little-endian)
)

// seccompArch is the audit architecture and the syscall table of the
// architecture the filter is built for.
type seccompArch struct {
	audit uint32
	// x32 is the bit that marks the x32 ABI on amd64 (0 elsewhere): any
	// syscall number with it set is refused.
	x32 uint32
	// denied answer EPERM: what no solution needs and every escape wants.
	denied []uint32
	// processes answer EPERM: creating a process (fork, vfork).
	processes []uint32
	clone     uint32
	clone3    uint32
}

// Filter is the compiled seccomp program (struct sock_filter[]) that bwrap
// loads before it executes the program: a wrong architecture kills the
// process; ptrace, mount, bpf, keyctl, namespaces, kernel modules, perf,
// userfaultfd, io_uring and friends answer EPERM; so does every fork and
// every clone that is not a thread; clone3 answers ENOSYS so that C
// libraries fall back to clone, where the flags can be inspected.
func Filter() ([]byte, error) {
	a, ok := archTable()
	if !ok {
		return nil, fmt.Errorf("no seccomp syscall table for %s", runtime.GOARCH)
	}
	type ins struct {
		code   uint16
		jt, jf uint8
		k      uint32
	}
	eperm := uint32(unix.SECCOMP_RET_ERRNO) | uint32(unix.EPERM)
	p := []ins{
		{bpfLdAbs, 0, 0, offArch},
		{bpfJeq, 1, 0, a.audit},
		{bpfRet, 0, 0, unix.SECCOMP_RET_KILL_PROCESS},
		{bpfLdAbs, 0, 0, offNr},
	}
	if a.x32 != 0 {
		p = append(p, ins{bpfJge, 0, 1, a.x32}, ins{bpfRet, 0, 0, eperm})
	}
	for _, nr := range append(append([]uint32{}, a.denied...), a.processes...) {
		p = append(p, ins{bpfJeq, 0, 1, nr}, ins{bpfRet, 0, 0, eperm})
	}
	p = append(p,
		ins{bpfJeq, 0, 1, a.clone3}, ins{bpfRet, 0, 0, uint32(unix.SECCOMP_RET_ERRNO) | uint32(unix.ENOSYS)},
		// clone: a thread (CLONE_THREAD) is allowed, anything else is a
		// new process and refused.
		ins{bpfJeq, 0, 3, a.clone},
		ins{bpfLdAbs, 0, 0, offArg0Lo},
		ins{bpfJset, 1, 0, unix.CLONE_THREAD},
		ins{bpfRet, 0, 0, eperm},
		ins{bpfRet, 0, 0, unix.SECCOMP_RET_ALLOW},
	)
	out := make([]byte, 0, 8*len(p))
	for _, i := range p {
		out = binary.LittleEndian.AppendUint16(out, i.code)
		out = append(out, i.jt, i.jf)
		out = binary.LittleEndian.AppendUint32(out, i.k)
	}
	return out, nil
}
