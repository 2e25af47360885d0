package selftest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
)

// The test binary doubles as the selftest's sim process (the os/exec
// helper-process pattern): run with JANUS_SELFTEST_SIM_HELPER set, it
// serves as `janus bench selftest-sim` would.
const simHelperEnv = "JANUS_SELFTEST_SIM_HELPER"

// TestSelftestSimHelper is not a test: it is the child process of the
// out-of-process selftest tests.
func TestSelftestSimHelper(t *testing.T) {
	mode := os.Getenv(simHelperEnv)
	switch mode {
	case "":
		t.Skip("child process of the out-of-process selftest tests")
	case "fail":
		fmt.Fprintln(os.Stderr, "sim helper: told to fail")
		os.Exit(3)
	}
	// mode is a file to write this process's pid to, so the parent can
	// check that the frames came from another process.
	if err := os.WriteFile(mode, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	if err := ServeSim(context.Background(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(5)
	}
	os.Exit(0)
}

func simHelperCommand() []string {
	return []string{os.Args[0], "-test.run=^TestSelftestSimHelper$", "-test.count=1"}
}

// TestSelftestSimProcess runs the selftest against a sim in another process
// and checks that every stream's frames were matched across the process
// boundary, and that no goroutine is left behind.
func TestSelftestSimProcess(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	t.Setenv(simHelperEnv, pidFile)
	before := runtime.NumGoroutine()
	res, err := Run(context.Background(), Options{Levels: []int{1, 8}, Tokens: 5, MinStreams: 4,
		Pace: baseline.Pace{TTFT: 2 * time.Millisecond, PerToken: time.Millisecond}, SimCommand: simHelperCommand()})
	if err != nil {
		t.Fatalf("Selftest: %v", err)
	}
	if res.Sim != "process" {
		t.Errorf("Sim = %q, want process", res.Sim)
	}
	for _, l := range res.Levels {
		// 5 tokens, 4 gaps per stream, each matched to the child's frames.
		if l.Failed != 0 || l.Gaps != 4*l.Streams {
			t.Errorf("level %d: failed %d, gaps %d of %d streams", l.Concurrency, l.Failed, l.Gaps, l.Streams)
		}
		// The two processes' clocks agree: with a 1 ms pace on loopback an
		// error of a second would mean the clocks were not mapped at all.
		if l.TTFTErrMaxMs > 1000 || l.GapErrMaxMs > 1000 {
			t.Errorf("level %d: error max %.1f / %.1f ms: clocks not shared", l.Concurrency, l.TTFTErrMaxMs, l.GapErrMaxMs)
		}
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the sim process did not run: %v", err)
	}
	if pid, _ := strconv.Atoi(string(b)); pid == os.Getpid() || pid == 0 {
		t.Errorf("sim pid %q: want another process", b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		// Polled (bounded): the goroutines of real loopback connections
		// to a child process wind down in real time; nothing to block on.
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after, %d before", n, before)
	}
}

// TestSelftestSimProcessFailures checks that a sim that cannot start says
// why, with its own words where it had any.
func TestSelftestSimProcessFailures(t *testing.T) {
	tests := []struct {
		name string
		cmd  []string
		env  string
		want string
	}{
		// No such program: the start error names it.
		{"missing binary", []string{filepath.Join(t.TempDir(), "no-such-janus")}, "", "no-such-janus"},
		// The child exits before serving: its stderr is quoted.
		{"child fails", simHelperCommand(), "fail", "told to fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(simHelperEnv, tt.env)
			_, err := Run(context.Background(), Options{Levels: []int{1}, Tokens: 2, MinStreams: 1,
				Pace: baseline.Pace{TTFT: time.Millisecond, PerToken: time.Millisecond}, SimCommand: tt.cmd})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestServeSimProtocol speaks the child's protocol directly: the
// url line, one frame line per flushed frame with a non-decreasing time,
// "synced" after every frame before it, and a clean return on EOF.
func TestServeSimProtocol(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeSim(context.Background(), inR, outW); outW.Close() }()
	fmt.Fprintln(inW, `{"ttft_ns":1000000,"per_token_ns":1000000,"tokens":3}`)
	sc := bufio.NewScanner(outR)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "url http://127.0.0.1:") {
		t.Fatalf("first line %q: want the url", sc.Text())
	}
	url := strings.TrimPrefix(sc.Text(), "url ")
	prompt, _ := selftestOracle(3)
	c := &trace.Client{BaseURL: url, HTTP: &http.Client{}, Timeout: 10 * time.Second, TTFTTimeout: 10 * time.Second}
	tr := c.Do(context.Background(), wire.ChatRequest{Model: "sim", Stream: true,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: prompt}}}, nil)
	if tr.Err != nil {
		t.Fatalf("request: %v", tr.Err)
	}
	fmt.Fprintln(inW, "sync")
	var content int
	var last int64
	for sc.Scan() && sc.Text() != "synced" {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "f" || f[1] != tr.RequestID {
			t.Fatalf("frame line %q: want f %s <kind> <ns>", sc.Text(), tr.RequestID)
		}
		ns, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || ns < last {
			t.Fatalf("frame line %q: time not a non-decreasing integer (last %d)", sc.Text(), last)
		}
		last = ns
		if f[2] == baseline.KindContent {
			content++
		}
	}
	if content != 3 {
		t.Errorf("%d content frames reported, want 3", content)
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeSim: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeSim did not return after stdin closed")
	}
}

// FuzzSelftestSimConfig feeds the child's configuration parser arbitrary
// first lines: it must refuse bad ones with an error, never panic or serve.
func FuzzSelftestSimConfig(f *testing.F) {
	for _, s := range []string{`{"ttft_ns":1,"per_token_ns":1,"tokens":1}`, `{}`, `{"tokens":-1}`, `not json`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.ReplaceAll(line, "\n", " ")
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a valid configuration serves and returns at once
		err := ServeSim(ctx, strings.NewReader(line+"\n"), io.Discard)
		if err != nil && !strings.Contains(err.Error(), "selftest sim") {
			t.Fatalf("error %v does not name the sim", err)
		}
	})
}
