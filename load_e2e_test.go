package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestLoadFindsBaselineProcessKnee sweeps a `janus baseline` process that
// answers at most 4 requests at once: beyond c=4 half the requests queue
// for a whole answer (≥ 200 ms more to the first token), so the knee is
// c=4, ±1 step.
func TestLoadFindsBaselineProcessKnee(t *testing.T) {
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, janusBin, "baseline", "--listen", addr, "--ttft", "200ms", "--token-interval", "10ms", "--max-concurrency", "4")
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = srv.Wait() }()
	// Polled (bounded): the baseline is another process behind real TCP,
	// out of any synctest bubble's reach.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baseline never became healthy: %v\n%s", err, srvErr.String())
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "load.json")
	r := janus(t, dir, "bench", "load", "--target", "http://"+addr+"/v1", "--profile", "closed:c=1,2,4,8,16", "--duration", "1s",
		"--ttft-budget", "350ms", "--no-selftest", "--out", out, "--out-format", "md="+filepath.Join(dir, "load.md"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Knee *struct {
			Index int    `json:"index"`
			Label string `json:"label"`
		} `json:"knee"`
		Steps []struct {
			Requests int `json:"requests"`
			Errors   int `json:"errors"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Knee == nil || rep.Knee.Index < 1 || rep.Knee.Index > 3 {
		t.Fatalf("knee %+v, want c=4 ±1 step\n%s", rep.Knee, r.stdout)
	}
	for i, s := range rep.Steps {
		if s.Requests == 0 || s.Errors != 0 {
			t.Errorf("step %d: %d requests, %d errors", i, s.Requests, s.Errors)
		}
	}
}
