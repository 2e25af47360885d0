//go:build unix

package janstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// flockDir takes an exclusive flock(2) on dir, so that several processes
// sharing one data dir take turns on a thread. A missing dir needs no lock
// (there is nothing to read yet).
func flockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
