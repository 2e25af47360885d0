package container

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/janus-bench/janus/record"
)

// startJanusRun starts `janus bench run --image` on the baseline as a
// child process and waits until its run is under way (its partial report
// exists, so the container is up and serving tasks). It returns the
// process and the report path.
func startJanusRun(t *testing.T, ctx context.Context) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	cmd := exec.CommandContext(ctx, janusStatic, "bench", "run", "--image", baselineImg, "--suite", "janus-default",
		"--limit", "16", "--concurrency", "2", "--out", out, "--ready-timeout", "60s")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "JANUS_SELFTEST_FILE="+filepath.Join(dir, "selftest.json"), "OPENAI_BASE_URL=")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	// Whatever happens, the test leaves none of this child's containers.
	t.Cleanup(func() { removeByPID(pid) })
	// Polled (bounded): the file is written by a child process, which no
	// synctest bubble can wait on.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(out + ".partial.jsonl"); err == nil {
			break
		}
		if cmd.ProcessState != nil || time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the run never got under way:\n%s", stderr.String())
		}
	}
	if n := len(containersOf(t, pid)); n != 1 {
		t.Fatalf("%d containers labelled with pid %d while the run is under way, want 1", n, pid)
	}
	return cmd, out, &stderr
}

func containersOf(t *testing.T, pid int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := engine.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", LabelPID+"="+strconv.Itoa(pid))})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func removeByPID(pid int) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := engine.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", LabelPID+"="+strconv.Itoa(pid))})
	if err != nil {
		return
	}
	for _, c := range list.Items {
		_, _ = engine.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
	}
}

// TestKill9ThenCleanup kills janus with SIGKILL in the middle of a run:
// its container survives (nothing in janus can run), and `janus cleanup`
// then removes it.
func TestKill9ThenCleanup(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd, _, _ := startJanusRun(t, ctx)
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := len(containersOf(t, pid)); n != 1 {
		t.Fatalf("after kill -9: %d containers of the killed janus, want the 1 it left", n)
	}
	clean := exec.CommandContext(ctx, janusStatic, "cleanup")
	out, err := clean.CombinedOutput()
	if err != nil {
		t.Fatalf("janus cleanup: %v\n%s", err, out)
	}
	if left := containersOf(t, pid); len(left) != 0 {
		t.Fatalf("janus cleanup left %d containers of the killed janus:\n%s", len(left), out)
	}
	if !strings.Contains(string(out), "removed janus-") {
		t.Fatalf("janus cleanup does not say what it removed:\n%s", out)
	}
}

// TestInterruptTearsDown sends Ctrl-C (SIGINT) in the middle of a run:
// janus exits 130 with an interrupted report, saves the container's log
// and removes the container itself.
func TestInterruptTearsDown(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd, out, stderr := startJanusRun(t, ctx)
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit after Ctrl-C: %v, want code 130\n%s", err, stderr.String())
	}
	if left := containersOf(t, pid); len(left) != 0 {
		t.Fatalf("Ctrl-C left %d containers", len(left))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := record.Validate(b); err != nil {
		t.Fatalf("interrupted report invalid: %v", err)
	}
	if !bytes.Contains(b, []byte(`"status": "interrupted"`)) || !bytes.Contains(b, []byte(`"resources"`)) {
		t.Fatalf("report is not an interrupted run with resources")
	}
	if _, err := os.Stat(out + ".container.log"); err != nil {
		t.Fatalf("container log not saved: %v", err)
	}
	// --resume runs the rest in a new container (on a new port): the
	// report names the image, not the port, so the run is the same one.
	res := exec.CommandContext(ctx, janusStatic, "bench", "run", "--image", baselineImg, "--suite", "janus-default",
		"--limit", "16", "--concurrency", "2", "--out", out, "--resume", "--ready-timeout", "60s", "--format", "json")
	res.Env = append(os.Environ(), "OPENAI_BASE_URL=")
	var resOut bytes.Buffer
	res.Stderr = &resOut
	b, err = res.Output()
	if err != nil {
		t.Fatalf("--resume: %v\n%s", err, resOut.String())
	}
	if left := containersOf(t, res.Process.Pid); len(left) != 0 {
		t.Fatalf("--resume left %d containers", len(left))
	}
	var rep record.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Run.Status != record.RunCompleted || len(rep.Tasks) != 16 || rep.Run.Target != "docker-image://"+baselineImg || rep.Resources == nil {
		t.Fatalf("resumed run: status %s, %d tasks, target %q, resources %v", rep.Run.Status, len(rep.Tasks), rep.Run.Target, rep.Resources)
	}
}
