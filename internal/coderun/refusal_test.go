//go:build linux

package coderun

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/sandbox"
)

// refusalEnv marks the re-executed test binary of TestRefusalWithoutUserNamespaces.
const refusalEnv = "JANUS_TEST_SANDBOX_REFUSAL"

// TestRefusalWithoutUserNamespaces runs TestRefusalChild in a user
// namespace whose max_user_namespaces is 0, so the kernel refuses bwrap's
// namespaces exactly as a host without user namespaces does.
func TestRefusalWithoutUserNamespaces(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare(1) here")
	}
	if err := sandboxOrSkip(); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(unshare, "-Ur", "sh", "-c",
		`echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" -test.run='^TestRefusalChild$' -test.v -test.count=1`, os.Args[0])
	cmd.Env = append(os.Environ(), refusalEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("refusal child failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	if !strings.Contains(string(out), "--- PASS: TestRefusalChild") {
		t.Fatalf("refusal child did not run:\n%s", out)
	}
}

// TestRefusalChild only runs re-executed by TestRefusalWithoutUserNamespaces.
func TestRefusalChild(t *testing.T) {
	if os.Getenv(refusalEnv) != "1" {
		t.Skip("runs only inside TestRefusalWithoutUserNamespaces")
	}
	if sandbox.Check() == nil {
		t.Fatal("the sandbox came up although user namespaces are disabled")
	}
	p := Program{Language: JavaScript, Code: "function f() { return 1; }", Tests: "assertEqual(f(), 1);"}
	r := Run(context.Background(), p, quick)
	if r.Status != StatusError || !strings.Contains(r.Reason, "refused: sandbox unavailable") ||
		!strings.Contains(r.Reason, "--unsafe-sandbox") || r.Pgid != 0 {
		t.Fatalf("without namespaces: %s %q (pgid %d), want a refusal naming --unsafe-sandbox", r.Status, r.Reason, r.Pgid)
	}
	t.Logf("refused: %s", r.Reason)

	var logged bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	sandbox.SetUnsafe(true)
	t.Cleanup(func() { sandbox.SetUnsafe(false); slog.SetDefault(prev) })
	for i := range 2 {
		r = Run(context.Background(), p, quick)
		if r.Status != StatusPassed || r.Isolation != sandbox.IsolationUnsafe || !strings.Contains(r.Reason, "UNSAFE") {
			t.Fatalf("--unsafe-sandbox run %d: %s %q isolation %q", i, r.Status, r.Reason, r.Isolation)
		}
	}
	if n := strings.Count(logged.String(), "WITHOUT isolation"); n != 2 {
		t.Errorf("unsafe runs logged %d times, want 2 (every run):\n%s", n, logged.String())
	}
}
