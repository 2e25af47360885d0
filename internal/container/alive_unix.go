//go:build unix

package container

import (
	"errors"
	"syscall"
)

// alive says whether a process with this pid exists (signal 0; EPERM
// means it exists under another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
