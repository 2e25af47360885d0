package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

// TestBaselineImage builds the baseline image as `make image` does (a
// static binary, the repo's Dockerfile, FROM scratch), runs it with real
// Docker on a loopback port, and scores it. It needs a Docker engine; where
// none answers it says so and skips.
func TestBaselineImage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Docker")
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skipf("no Docker engine here (docker info: %v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The package's one static build (TestMain), not a second one beside
	// the race-instrumented package builds of make test.
	bin, err := os.ReadFile(janusBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "janus"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644)
	tag := "janus-baseline:test-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "-" + time.Now().Format("150405")
	if out, err := exec.CommandContext(ctx, "docker", "build", "-q", "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	defer exec.Command("docker", "rmi", "-f", tag).Run()
	out, err := exec.CommandContext(ctx, "docker", "run", "-d", "--rm", "--label", "janus.test=1", "-p", "127.0.0.1::8080", tag).Output()
	if err != nil {
		t.Fatalf("docker run: %v", err)
	}
	id := strings.TrimSpace(string(out))
	defer exec.Command("docker", "rm", "-f", id).Run()
	port, err := exec.CommandContext(ctx, "docker", "port", id, "8080/tcp").Output()
	if err != nil {
		t.Fatalf("docker port: %v", err)
	}
	addr := strings.TrimSpace(strings.Split(string(port), "\n")[0])
	target := "http://" + addr + "/v1"
	// The competitor contract: ready within 30 s. Polled: the container is
	// another process behind real TCP, out of any synctest bubble's reach.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("container not ready within 30 s: %v", err)
		}
	}
	rep, err := bench.Run(ctx, bench.RunOptions{Target: target, Suite: "smoke@stored", Out: filepath.Join(dir, "r.json")})
	if err != nil {
		logs, _ := exec.Command("docker", "logs", id).CombinedOutput()
		t.Fatalf("bench run against the container: %v\ncontainer logs:\n%s", err, logs)
	}
	validReport(t, filepath.Join(dir, "r.json"))
	if rep.Scores[record.Quality].Value != 100 || rep.Run.Model != "janus-baseline-sim" {
		t.Fatalf("container scored quality %v, model %q", rep.Scores[record.Quality].Value, rep.Run.Model)
	}
}
