package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

// A report quotes a saved selftest only when it was measured by the same
// janus binary on the same machine: the selftest file is one per user
// cache, and a figure another build (or another machine sharing a home
// directory) measured says nothing about this run's error.

var provenance = sync.OnceValues(func() (string, string) { return binaryID(), machineID() })

// binaryID fingerprints the running executable: its version, path, size
// and modification time (hashing the whole file would cost a read of tens
// of megabytes per report).
func binaryID() string {
	id := HarnessVersion()
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			id += fmt.Sprintf("|%s|%d|%d", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	return shortHash(id)
}

// machineID fingerprints the machine: /etc/machine-id (or the host name
// where there is none), OS, architecture and CPU count.
func machineID() string {
	id := ""
	if b, err := os.ReadFile("/etc/machine-id"); err == nil {
		id = strings.TrimSpace(string(b))
	}
	if id == "" {
		id, _ = os.Hostname()
	}
	return shortHash(fmt.Sprintf("%s|%s|%s|%d", id, runtime.GOOS, runtime.GOARCH, runtime.NumCPU()))
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}
