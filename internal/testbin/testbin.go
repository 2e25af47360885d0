// Package testbin gives tests that drive the real janus binary one static
// build to share. `make test` builds it once before the package runs and
// passes its path in JANUS_TEST_BIN, so the race-instrumented packages
// running beside each other do not each compile janus again (on a busy
// 2-core machine one such build took minutes and hit the package timeout);
// a plain `go test` builds it here instead.
package testbin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Env names the variable holding a prebuilt static janus binary.
const Env = "JANUS_TEST_BIN"

// Janus returns the path of a static (CGO_ENABLED=0) janus binary: the
// one in $JANUS_TEST_BIN when that file exists, else a fresh build of the
// module at repoRoot into dir. The binary is fit for a FROM scratch image.
func Janus(ctx context.Context, repoRoot, dir string) (string, error) {
	if p := os.Getenv(Env); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", Env, p, err)
		}
		if st, err := os.Stat(abs); err != nil || st.IsDir() {
			return "", fmt.Errorf("%s=%s: not a file (run `make test-bin`, or unset it to build here)", Env, p)
		}
		return abs, nil
	}
	out := filepath.Join(dir, "janus")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("static build of janus: %v\n%s", err, b)
	}
	return out, nil
}
