//go:build !linux

package sandbox

import (
	"io"
	"os"
	"os/exec"
)

// WorkDir is the program's working directory inside a sandbox.
const WorkDir = "/sandbox"

// Spec is one program to run in a sandbox.
type Spec struct {
	Path, UnsafeDir     string
	Args, Env, ReadOnly []string
	Stdin               io.Reader
	Stdout, Stderr      io.Writer
	ExtraFiles          []*os.File
}

// Cmd is a sandboxed command.
type Cmd struct {
	*exec.Cmd
	Isolation string
}

// Check reports that this OS cannot isolate runs.
func Check() error { return &UnavailableError{Cause: "the sandbox needs Linux (namespaces, seccomp)"} }

// Command refuses: nothing runs outside Linux.
func Command(Spec, Limits) (*Cmd, error) { return nil, Check() }

// HostPaths returns paths unchanged.
func HostPaths(paths ...string) []string { return paths }
