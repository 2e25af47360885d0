//go:build linux

package coderun

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/sandbox"
)

// previousRunner starts the child the way coderun did before the sandbox:
// the executable re-executed directly with new user, network, PID and IPC
// namespaces (clone flags), a host temp dir, and the same job protocol.
// It is kept here only as the reference of BenchmarkStartOverhead.
func previousRunner(b *testing.B, j job) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "janus-coderun-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	in, _ := json.Marshal(j)
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	cmd := &exec.Cmd{Path: self, Args: []string{"janus-coderun"}, Env: childEnviron(dir), Dir: dir,
		Stdin: bytes.NewReader(in), ExtraFiles: []*os.File{w},
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL,
			Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}}}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(r)
	r.Close()
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
	var o outcome
	if json.Unmarshal(bytes.TrimSpace(out.Bytes()), &o) != nil || o.Status != StatusPassed {
		b.Fatalf("previous runner: %q", out.String())
	}
}

// BenchmarkStartOverhead measures one trivial run (start, load, report,
// tear down) in the sandbox and with the previous runner, interleaved so
// that both see the same machine load, and reports p50 and p99 in ms:
//
//	go test -run '^$' -bench StartOverhead -benchtime 60x ./internal/coderun
func BenchmarkStartOverhead(b *testing.B) {
	if err := sandbox.Check(); err != nil {
		b.Skip(err)
	}
	lim := quick.WithDefaults()
	for _, lang := range []string{JavaScript, Python} {
		p := Program{Language: lang, Code: "x = 1", Tests: "assert(x === 1);"}
		j := job{Language: lang, Code: "x = 1", Tests: "assert(x === 1);", WallNs: int64(lim.Wall), CPUSeconds: lim.CPUSeconds(),
			Memory: lim.Memory, FileSize: lim.FileSize, OpenFiles: lim.OpenFiles}
		if lang == Python {
			py, err := python3()
			if err != nil {
				continue
			}
			p.Tests, j.Tests, j.Python = "assert x == 1", "assert x == 1", py.exe
		}
		b.Run(lang, func(b *testing.B) {
			var sb, prev []time.Duration
			for i := range b.N {
				// Alternate which goes first, so neither always runs on
				// the caches the other warmed.
				for k := range 2 {
					t0 := time.Now()
					if (i+k)%2 == 0 {
						if r := Run(context.Background(), p, lim); r.Status != StatusPassed {
							b.Fatalf("sandbox: %s %s", r.Status, r.Reason)
						}
						sb = append(sb, time.Since(t0))
					} else {
						previousRunner(b, j)
						prev = append(prev, time.Since(t0))
					}
				}
			}
			b.ReportMetric(pct(sb, 50), "sandbox-p50-ms")
			b.ReportMetric(pct(sb, 99), "sandbox-p99-ms")
			b.ReportMetric(pct(prev, 50), "previous-p50-ms")
			b.ReportMetric(pct(prev, 99), "previous-p99-ms")
		})
	}
}

// pct is the p-th percentile of ds in milliseconds (nearest rank).
func pct(ds []time.Duration, p int) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	i = min(max(i, 1), len(s)) - 1
	return float64(s[i].Microseconds()) / 1000
}
