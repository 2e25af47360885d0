//go:build !unix

package janstore

// flockDir is a no-op where flock(2) does not exist: the in-process lock
// still orders requests within one server.
func flockDir(string) (func(), error) { return func() {}, nil }
