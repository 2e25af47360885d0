package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/testbin"
	"github.com/janus-bench/janus/record"
)

// These tests drive the real binary, as a user or a CI job would.

var janusBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "janus-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// One static build for every test of this package (TestBaselineImage
	// puts it in an image too), or make test's prebuilt one.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	janusBin, err = testbin.Janus(ctx, ".", dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build janus:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func janus(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return janusWithin(t, 2*time.Minute, dir, args...)
}

// janusWithin is janus with a time limit of its own, for the few commands
// that do minutes of work on a loaded machine.
func janusWithin(t *testing.T, limit time.Duration, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, janusBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "JANUS_SELFTEST_FILE="+filepath.Join(dir, "selftest.json"), "OPENAI_BASE_URL=", "OPENAI_API_KEY=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run janus %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func validReport(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	if err := record.Validate(b); err != nil {
		t.Fatalf("report invalid: %v", err)
	}
	return b
}

func TestVersion(t *testing.T) {
	r := janus(t, t.TempDir(), "version")
	if r.code != 0 || !strings.Contains(r.stdout, record.SchemaVersion) {
		t.Fatalf("version: code %d out %q", r.code, r.stdout)
	}
}

func TestInputErrorsExit2(t *testing.T) {
	dead := freePort(t)
	cases := []struct {
		name string
		args []string
		say  string // the one-line error must name this
	}{
		// A flag that does not exist.
		{"bad flag", []string{"bench", "run", "--no-such-flag"}, "no-such-flag"},
		// A flag value of the wrong type.
		{"bad flag value", []string{"bench", "run", "--concurrency", "many"}, "concurrency"},
		// A suite that is neither built in nor a path.
		{"unknown suite", []string{"bench", "run", "--suite", "nope"}, `unknown suite "nope"`},
		// Nothing listens at the target.
		{"unreachable target", []string{"bench", "run", "--target", "http://" + dead + "/v1", "--model", "m"}, dead},
		// A command that does not exist.
		{"unknown command", []string{"bnech"}, "bnech"},
		// A malformed header.
		{"bad header", []string{"bench", "probe", "--header", "nocolon"}, "nocolon"},
		// An unknown baseline provider.
		{"bad provider", []string{"baseline", "--provider", "gpt"}, `"gpt"`},
		// A corpus directory that does not exist.
		{"bad corpus", []string{"baseline", "--corpus", "/no/such/dir"}, "/no/such/dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := janus(t, t.TempDir(), tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tc.say) {
				t.Fatalf("error line %q does not name %q (stderr %q)", last, tc.say, r.stderr)
			}
		})
	}
}

func TestRunAgainstBaselineProcess(t *testing.T) {
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, janusBin, "baseline", "--listen", addr, "--ttft", "1ms", "--token-interval", "1ms")
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = srv.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baseline never became healthy: %v\n%s", err, srvErr.String())
		}
		// Polled (bounded): the condition lives in another process (janus
		// or its baseline, behind real TCP or a file), which no synctest
		// bubble can wait on.
		time.Sleep(20 * time.Millisecond)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	r := janus(t, dir, "bench", "run", "--target", "http://"+addr+"/v1", "--suite", "smoke", "--out", out, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b := validReport(t, out)
	if !bytes.Contains(b, []byte(`"embedded_target": false`)) || !bytes.Contains(b, []byte(`"janus-baseline-sim"`)) {
		t.Fatalf("report does not describe the external target")
	}
	if err := record.Validate([]byte(r.stdout)); err != nil {
		t.Fatalf("--format json stdout is not a valid report: %v", err)
	}
}

func TestInterruptThenResume(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	cmd := exec.Command(janusBin, "bench", "run", "--out", out, "--concurrency", "1", "--sim-ttft", "300ms")
	cmd.Env = append(os.Environ(), "JANUS_SELFTEST_FILE="+filepath.Join(dir, "selftest.json"), "OPENAI_BASE_URL=")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until two tasks are in the partial file, then Ctrl-C.
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(out + ".partial.jsonl")
		if bytes.Count(b, []byte(`"kind":"task"`)) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no progress: %s", errb.String())
		}
		// Polled (bounded): the condition lives in another process (janus
		// or its baseline, behind real TCP or a file), which no synctest
		// bubble can wait on.
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted run: %v, want exit 130\n%s", err, errb.String())
	}
	if b := validReport(t, out); !bytes.Contains(b, []byte(`"status": "interrupted"`)) {
		t.Fatal("partial report is not marked interrupted")
	}
	_, done, err := bench.ReadPartial(out + ".partial.jsonl")
	if err != nil || len(done) < 2 || len(done) >= smokeTasks {
		t.Fatalf("partial file: %d tasks, %v", len(done), err)
	}
	rec := filepath.Join(dir, "rec")
	r := janus(t, dir, "bench", "run", "--resume", "--out", out, "--sim-ttft", "1ms", "--record", rec)
	if r.code != 0 {
		t.Fatalf("resume exit %d\n%s", r.code, r.stderr)
	}
	b := validReport(t, out)
	if !bytes.Contains(b, []byte(`"status": "completed"`)) {
		t.Fatal("resumed report is not completed")
	}
	// Only the unfinished tasks ran again: one recording each (a multi-turn
	// task's follow-up turns are recorded beside it as <task>.turnN, a
	// memory task's earlier conversations and decoy as <task>.tellN,
	// <task>.decoy and <task>.decoy.tellN).
	all, _ := filepath.Glob(filepath.Join(rec, "*.sse.jsonl"))
	var files []string
	for _, f := range all {
		base := filepath.Base(f)
		if !strings.Contains(base, ".turn") && !strings.Contains(base, ".tell") && !strings.Contains(base, ".decoy") {
			files = append(files, f)
		}
	}
	if len(files) != smokeTasks-len(done) {
		t.Fatalf("resume ran %d tasks, want %d", len(files), smokeTasks-len(done))
	}
	for _, d := range done {
		if _, err := os.Stat(filepath.Join(rec, d.ID+".sse.jsonl")); err == nil {
			t.Errorf("task %s ran twice", d.ID)
		}
	}
}

func TestAPIKeyNeverWritten(t *testing.T) {
	// A target that insists on the key, so we know it was sent.
	const key = "sk-janus-test-secret-0123456789"
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, janusBin, "baseline", "--listen", addr, "--ttft", "1ms", "--token-interval", "1ms")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = srv.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/health"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("baseline never became healthy")
		}
		// Polled (bounded): the condition lives in another process (janus
		// or its baseline, behind real TCP or a file), which no synctest
		// bubble can wait on.
		time.Sleep(20 * time.Millisecond)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	rec := filepath.Join(dir, "rec")
	r := janus(t, dir, "--log-level", "debug", "bench", "run", "--target", "http://user:"+key+"@"+addr+"/v1",
		"--api-key", key, "--out", out, "--record", rec, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b := validReport(t, out)
	for name, s := range map[string]string{"report": string(b), "stdout": r.stdout, "stderr (logs)": r.stderr} {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(s, key) {
				t.Errorf("the API key appears in the %s", name)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(rec, "*"))
	for _, f := range files {
		if fb, _ := os.ReadFile(f); bytes.Contains(fb, []byte(key)) {
			t.Errorf("the API key appears in recording %s", f)
		}
	}
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	r := janus(t, dir, "bench", "probe", "--sim-ttft", "5ms", "--sim-token-interval", "1ms")
	if r.code != 0 || !strings.Contains(r.stdout, "ttft_ms") || !strings.Contains(r.stdout, "violations: none") {
		t.Fatalf("probe: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = janus(t, dir, "bench", "probe", "--json", "--sim-ttft", "5ms", "--sim-token-interval", "1ms", "--prompt", "What is the capital of France?")
	if r.code != 0 || !strings.Contains(r.stdout, `"ttft_ms"`) || !strings.Contains(r.stdout, `"events"`) {
		t.Fatalf("probe --json: exit %d\n%s", r.code, r.stdout)
	}
}

func TestConform(t *testing.T) {
	dir := t.TempDir()
	// The embedded reference baseline meets every required check.
	r := janus(t, dir, "conform", "--json", "--sim-token-interval", "5ms")
	if r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) || !strings.Contains(r.stdout, `"id": "stream.envelope"`) {
		t.Fatalf("conform against the embedded baseline: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A target whose streams never end with data: [DONE] breaks a required
	// rule: exit 3, and the table names the check and the evidence.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}`+"\n\n")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r = janus(t, dir, "conform", "--target", "http://"+ln.Addr().String()+"/v1", "--model", "m")
	if r.code != 3 {
		t.Fatalf("conform against a broken target: exit %d, want 3\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	found := false
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "FAIL") && strings.Contains(line, "stream.done") && strings.Contains(line, "without data: [DONE]") {
			found = true
		}
	}
	if !found || !strings.Contains(r.stderr, "stream.done") {
		t.Fatalf("the stream.done failure is not reported\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	// Nothing listens: there is nothing to check, exit 2.
	dead := freePort(t)
	if r = janus(t, dir, "conform", "--target", "http://"+dead+"/v1"); r.code != 2 || !strings.Contains(r.stderr, dead) {
		t.Fatalf("conform against a dead port: exit %d, want 2\n%s", r.code, r.stderr)
	}
}

// smokeTasks is the size of the built-in smoke suite.
const smokeTasks = 10

// TestGatewayFlagErrorsExit2 checks the gateway's own flag checks: each is
// a usage error (exit 2) whose last line names the flag.
func TestGatewayFlagErrorsExit2(t *testing.T) {
	comp := []string{"gateway", "--listen", "127.0.0.1:0", "--competitor", "a=http://127.0.0.1:1"}
	for _, tc := range []struct {
		name string
		args []string
		say  string
	}{
		// Artifact URLs must be http(s).
		{"public url", []string{"--public-url", "ftp://x"}, "public-url"},
		// A corpus directory that does not exist.
		{"corpus", []string{"--corpus", filepath.Join(t.TempDir(), "none")}, "corpus"},
		// A zero size limit.
		{"artifact size", []string{"--artifact-max-bytes", "0"}, "artifact-max-bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := janus(t, t.TempDir(), append(append([]string{}, comp...), tc.args...)...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 2 || !strings.Contains(lines[len(lines)-1], tc.say) {
				t.Fatalf("exit %d, stderr %q; want 2 naming %q", r.code, r.stderr, tc.say)
			}
		})
	}
}

// TestSelftestSimInItsOwnProcess runs `janus bench selftest` as a user
// does: the sim is the same binary re-run as `bench selftest-sim`, and
// every stream is matched across the two processes.
func TestSelftestSimInItsOwnProcess(t *testing.T) {
	dir := t.TempDir()
	r := janus(t, dir, "bench", "selftest", "--levels", "1,4", "--tokens", "3", "--ttft", "2ms", "--token-interval", "1ms", "--min-streams", "4", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var res bench.SelftestResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	if res.Sim != "process" || len(res.Levels) != 2 {
		t.Fatalf("sim %q, %d levels: want process, 2", res.Sim, len(res.Levels))
	}
	for _, l := range res.Levels {
		// 3 tokens, 2 gaps per stream, all matched.
		if l.Failed != 0 || l.Gaps != 2*l.Streams {
			t.Errorf("c=%d: failed %d, gaps %d of %d streams", l.Concurrency, l.Failed, l.Gaps, l.Streams)
		}
	}
	// Saved where later reports cite it.
	if _, err := os.Stat(filepath.Join(dir, "selftest.json")); err != nil {
		t.Errorf("selftest not saved: %v", err)
	}
}
