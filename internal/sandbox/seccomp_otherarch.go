//go:build linux && !amd64 && !arm64

package sandbox

func archTable() (seccompArch, bool) { return seccompArch{}, false }
