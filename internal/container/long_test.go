//go:build long

package container

import (
	"context"
	"testing"
	"time"

	"github.com/janus-bench/janus/conform"
)

// TestLongRequestNotCut holds one stream open for over five minutes (the
// sim's first token comes after 5 min 5 s) against the baseline image: the
// container must not cut it. `make test-long` runs it.
func TestLongRequestNotCut(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), LongRequest+5*time.Minute)
	defer cancel()
	rep, err := ImageCheck(ctx, Options{Image: baselineImg, RunID: testRun(t), ReadyTimeout: time.Minute}, CheckOptions{Long: true})
	if err != nil {
		t.Fatalf("image check --long: %v", err)
	}
	r, ok := rep.Result(CheckLongRequest)
	if !ok || r.Status != conform.Pass {
		t.Fatalf("%s: %+v", CheckLongRequest, r)
	}
	t.Log(r.Evidence)
}
