package container

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/conform"
	"github.com/janus-bench/janus/record"
)

// TestBenchRunImage runs the smoke suite against the baseline image and
// against the embedded (in-process) baseline, and checks that the
// container run's report is valid, has its resources filled, and scores
// what the in-process run scores: the same quality, and every dimension's
// 95% intervals overlapping.
func TestBenchRunImage(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	run := testRun(t)
	out := filepath.Join(dir, "image.json")
	rep, err := BenchRun(ctx, Options{Image: baselineImg, RunID: run, ReadyTimeout: time.Minute},
		bench.RunOptions{Suite: "smoke@stored", Out: out})
	if err != nil {
		t.Fatalf("bench run --image: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := record.Validate(b); err != nil {
		t.Fatalf("report does not match internal/schemas/report.schema.json: %v", err)
	}
	r := rep.Resources
	if r == nil {
		t.Fatal("report has no resources block")
	}
	// Every figure the run must have produced: a served suite costs CPU,
	// memory and network, and the start took time.
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"ready_ms > 0", r.ReadyMs > 0},
		{"cpu_seconds > 0", r.CPUSeconds > 0},
		{"mem_peak_bytes > 0", r.MemPeakBytes > 0},
		{"0 < mem_mean_bytes ≤ mem_peak_bytes", r.MemMeanBytes > 0 && r.MemMeanBytes <= r.MemPeakBytes},
		{"gb_seconds > 0", r.GBSeconds > 0},
		{"net_rx_bytes > 0", r.NetRxBytes > 0},
		{"net_tx_bytes > 0", r.NetTxBytes > 0},
		{"pids_peak > 0", r.PIDsPeak > 0},
		{"not oom-killed", !r.OOMKilled},
		{"no restarts", r.Restarts == 0},
		{"samples > 0", r.Samples > 0},
		{"image id", strings.HasPrefix(r.ImageID, "sha256:")},
		{"log file", r.LogFile == out+".container.log"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("resources: want %s, got %+v", c.name, *r)
			}
		})
	}
	if _, err := os.Stat(out + ".container.log"); err != nil {
		t.Errorf("container log not saved: %v", err)
	}
	// The same suite in-process: the same competitor, so the same scores.
	local, err := bench.Run(ctx, bench.RunOptions{Suite: "smoke@stored", Out: filepath.Join(dir, "local.json"), Start: reference.Starter(baseline.Config{})})
	if err != nil {
		t.Fatalf("in-process run: %v", err)
	}
	for _, d := range []struct {
		name        string
		image, base record.Score
	}{
		{"composite", rep.Scores[record.Composite], local.Scores[record.Composite]},
		{"quality", rep.Scores[record.Quality], local.Scores[record.Quality]},
		{"speed", rep.Scores[record.Speed], local.Scores[record.Speed]},
		{"cost", rep.Scores[record.Cost], local.Scores[record.Cost]},
		{"streaming", rep.Scores[record.Streaming], local.Scores[record.Streaming]},
		{"multimodal", rep.Scores[record.Multimodal], local.Scores[record.Multimodal]},
	} {
		t.Run(d.name, func(t *testing.T) {
			// Equal within CI: the two runs' 95% intervals overlap (timing
			// on a loaded machine moves both a little).
			a, b := d.image.CI95, d.base.CI95
			if a == nil || b == nil {
				t.Fatalf("%s: a run has no ci95 (image %v, in-process %v)", d.name, a, b)
			}
			if a[0] > b[1]+1e-9 || b[0] > a[1]+1e-9 {
				t.Errorf("%s: image %.2f CI95 [%.2f, %.2f] and in-process %.2f CI95 [%.2f, %.2f] do not overlap",
					d.name, d.image.Value, a[0], a[1], d.base.Value, b[0], b[1])
			}
		})
	}
	if rep.Scores[record.Quality].Value != local.Scores[record.Quality].Value {
		t.Errorf("quality: image %.2f, in-process %.2f: the same sim must answer the same", rep.Scores[record.Quality].Value, local.Scores[record.Quality].Value)
	}
}

// TestStartFailures: an image that exits and one that never becomes
// healthy are clear errors, and neither leaves a container.
func TestStartFailures(t *testing.T) {
	needDocker(t)
	t.Run("exit 3", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		logPath := filepath.Join(t.TempDir(), "c.log")
		_, err := BenchRun(ctx, Options{Image: testImg, Cmd: []string{"exit3"}, RunID: testRun(t)},
			bench.RunOptions{Suite: "smoke", Out: strings.TrimSuffix(logPath, ".log") + ".json"})
		var se *StartError
		if !errors.As(err, &se) {
			t.Fatalf("want a *StartError, got %v", err)
		}
		if se.Reason != "exited" || se.ExitCode != 3 {
			t.Fatalf("reason %q exit code %d, want exited with 3: %v", se.Reason, se.ExitCode, err)
		}
		// The tail is the last 50 of its 61 lines (60 on stdout, 1 on
		// stderr; the engine does not order the two streams against each
		// other): never lines 1 to 10, always line 60.
		joined := "\n" + strings.Join(se.LogTail, "\n") + "\n"
		if len(se.LogTail) != LogTailLines || !strings.Contains(joined, "\ntestimg: line 60\n") || strings.Contains(joined, "\ntestimg: line 10\n") {
			t.Fatalf("log tail: %d lines, first %q:\n%s", len(se.LogTail), first(se.LogTail), strings.Join(se.LogTail, "\n"))
		}
		msg := err.Error()
		for _, want := range []string{"exit code 3", "testimg: line 60", "last 50 log lines"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error does not say %q:\n%s", want, msg)
			}
		}
	})
	t.Run("never healthy", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		const wait = 2 * time.Second
		begin := time.Now()
		_, err := ImageCheck(ctx, Options{Image: testImg, Cmd: []string{"unhealthy"}, RunID: testRun(t), ReadyTimeout: wait}, CheckOptions{})
		took := time.Since(begin)
		var se *StartError
		if !errors.As(err, &se) {
			t.Fatalf("want a *StartError, got %v", err)
		}
		if se.Reason != "not ready" || se.ExitCode != -1 || !strings.Contains(se.Detail, `\"status\":\"starting\"`) {
			t.Fatalf("reason %q, exit code %d, detail %q", se.Reason, se.ExitCode, se.Detail)
		}
		if se.Waited < wait || took < wait {
			t.Fatalf("gave up after %s (waited %s), before the %s ready timeout", took, se.Waited, wait)
		}
		if !strings.Contains(err.Error(), "testimg: never ready") {
			t.Fatalf("error carries no log tail:\n%v", err)
		}
	})
	t.Run("no such image", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := ImageCheck(ctx, Options{Image: "janus-test-no-such-image:" + randomTag(), RunID: testRun(t)}, CheckOptions{})
		var ie *ImageError
		if !errors.As(err, &ie) {
			t.Fatalf("want an *ImageError, got %v", err)
		}
	})
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// TestChecks runs the container contract checks on the baseline (all
// pass) and on testimg's serial server (it serves one stream at a time and
// a bare /health), which the checks must catch.
func TestChecks(t *testing.T) {
	needDocker(t)
	t.Run("baseline passes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		rep, err := ConformImage(ctx, Options{Image: baselineImg, RunID: testRun(t), ReadyTimeout: time.Minute}, conform.Options{}, false)
		if err != nil {
			t.Fatalf("conform --image on the baseline: %v", err)
		}
		for _, id := range []string{CheckReady, CheckHealth, CheckHealthInfo, CheckConcurrency} {
			if r, ok := rep.Result(id); !ok || r.Status != conform.Pass {
				t.Errorf("%s: %+v", id, r)
			}
		}
		if _, ok := rep.Result("models.list"); !ok || rep.Image != baselineImg {
			t.Errorf("conform --image did not run the conformance checks too")
		}
	})
	t.Run("serial server fails", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		envFile := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(envFile, []byte("# test\nJANUS_TEST_ECHO=from-file\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// A network of its own, as --network names one.
		netName := "janus-test-net-" + randomTag()
		if _, err := engine.NetworkCreate(ctx, netName, client.NetworkCreateOptions{Driver: "bridge"}); err != nil {
			t.Fatalf("create network: %v", err)
		}
		t.Cleanup(func() {
			if _, err := engine.NetworkRemove(context.Background(), netName, client.NetworkRemoveOptions{}); err != nil {
				t.Errorf("remove network %s: %v", netName, err)
			}
		})
		c, err := Start(ctx, engine, Options{Image: testImg, Cmd: []string{"serial"}, RunID: testRun(t), Network: netName,
			EnvFiles: []string{envFile}, Env: []string{"JANUS_TEST_ECHO=from-flag"}, CPUs: 1, MemoryBytes: 64 << 20})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		// --env wins over --env-file, as with docker run.
		if body := get(t, c.HealthURL); !strings.Contains(body, `"echo":"from-flag"`) {
			t.Errorf("/health %q: the container did not get JANUS_TEST_ECHO=from-flag", body)
		}
		ins, err := engine.ContainerInspect(ctx, c.ID, inspectOpts)
		if err != nil {
			t.Fatal(err)
		}
		if hc := ins.Container.HostConfig; hc.NanoCPUs != 1e9 || hc.Memory != 64<<20 {
			t.Errorf("limits: NanoCPUs %d Memory %d", hc.NanoCPUs, hc.Memory)
		}
		if _, ok := ins.Container.NetworkSettings.Networks[netName]; !ok {
			t.Errorf("container not on network %s: %v", netName, ins.Container.NetworkSettings.Networks)
		}
		if pb := ins.Container.HostConfig.PortBindings; len(pb) != 1 || pb[portKey][0].HostIP.String() != "127.0.0.1" {
			t.Errorf("port bindings %+v: want 8080/tcp on 127.0.0.1 only", pb)
		}
		rs := Check(ctx, c, CheckOptions{Model: "serial"})
		want := map[string]conform.Status{CheckReady: conform.Pass, CheckHealth: conform.Pass,
			CheckHealthInfo: conform.Fail, CheckConcurrency: conform.Fail}
		for _, r := range rs {
			if w, ok := want[r.ID]; ok && r.Status != w {
				t.Errorf("%s: %s (%s), want %s", r.ID, r.Status, r.Evidence, w)
			}
			delete(want, r.ID)
		}
		if len(want) > 0 {
			t.Errorf("checks not run: %v", want)
		}
		if _, err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
