//go:build linux

package sandbox

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFilterWellFormed checks the seccomp program bwrap loads: whole
// instructions, the architecture checked first, every jump inside the
// program, and every path ending in a return.
func TestFilterWellFormed(t *testing.T) {
	prog, err := Filter()
	if err != nil {
		t.Skip(err)
	}
	if len(prog)%8 != 0 || len(prog) == 0 || len(prog)/8 > 4096 {
		t.Fatalf("program of %d bytes", len(prog))
	}
	n := len(prog) / 8
	code := func(i int) uint16 { return binary.LittleEndian.Uint16(prog[8*i:]) }
	k := func(i int) uint32 { return binary.LittleEndian.Uint32(prog[8*i+4:]) }
	if code(0) != bpfLdAbs || k(0) != offArch || code(1) != bpfJeq {
		t.Fatalf("first instructions %#x/%d %#x: the architecture must be checked first", code(0), k(0), code(1))
	}
	rets := map[uint32]int{}
	for i := range n {
		c := code(i)
		jt, jf := int(prog[8*i+2]), int(prog[8*i+3])
		if c&0x07 == unix.BPF_JMP && (i+1+jt >= n || i+1+jf >= n) {
			t.Errorf("instruction %d jumps out of the program", i)
		}
		if c == bpfRet {
			rets[k(i)&0xffff0000]++
		}
	}
	if code(n-1) != bpfRet || k(n-1) != unix.SECCOMP_RET_ALLOW {
		t.Error("the program does not end in ALLOW")
	}
	if rets[unix.SECCOMP_RET_ERRNO] < 20 || rets[unix.SECCOMP_RET_KILL_PROCESS] != 1 {
		t.Errorf("returns %v: want the denied syscalls answering ERRNO and one KILL for a foreign architecture", rets)
	}
}

func TestLimits(t *testing.T) {
	d := DefaultLimits()
	if d.Validate() != nil || d.FileSize != DefaultFileSize || d.OpenFiles != DefaultOpenFiles || d.Output != DefaultOutput || d.Disk != DefaultDisk {
		t.Fatalf("defaults %+v", d)
	}
	for i, bad := range []Limits{{}, {Wall: time.Second}, {Wall: time.Second, CPU: time.Second},
		{Wall: time.Second, CPU: time.Second, Memory: 1 << 30, OpenFiles: 3}, {Wall: time.Second, CPU: time.Second, Memory: 1 << 30, Output: -1}} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if bad.Validate() == nil {
				t.Errorf("%+v accepted", bad)
			}
		})
	}
	if (Limits{CPU: 1500 * time.Millisecond}).CPUSeconds() != 2 {
		t.Error("CPU seconds are not rounded up")
	}
	r := d.Report(IsolationBwrap)
	if r.Isolation != "bwrap" || r.Network || r.Processes != 1 || r.WallSeconds != 10 || r.CPUSeconds != 5 {
		t.Errorf("report %+v", r)
	}
	if e := (&UnavailableError{Cause: "no userns"}); !strings.Contains(e.Error(), "--unsafe-sandbox") {
		t.Errorf("refusal %q does not name --unsafe-sandbox", e.Error())
	}
}
