package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileRSSLimitKB is the stated ceiling for any janus command against
// any hostile stream (issue 25: "for instance 300 MB").
const hostileRSSLimitKB = 300 << 10

// hostileStreams are what a hostile endpoint serves, each bounded in bytes
// so the test stays short (the caps stop janus long before), with the
// violation janus must name.
var hostileStreams = []struct {
	name    string
	nostrm  bool // serve (and ask for) a non-stream answer
	maxMiB  int  // the server stops writing after this much
	want    string
	payload func(w *bytes.Buffer)
}{
	// One event of 1 MiB data: lines that never ends (the 1.7 GB event
	// that was "timeout_first_token").
	{"huge multi-line event", false, 96, "event_too_large", func(w *bytes.Buffer) {
		w.WriteString("data: " + strings.Repeat("x", 1<<20) + "\n")
	}},
	// A flood of tiny events.
	{"data flood", false, 48, "stream_too_large", func(w *bytes.Buffer) {
		w.WriteString(strings.Repeat("data:{}\n\n", 1<<14))
	}},
	// A flood of comment lines.
	{"comment flood", false, 24, "stream_too_large", func(w *bytes.Buffer) {
		w.WriteString(strings.Repeat(":\n", 1<<16))
	}},
	// A huge non-stream body.
	{"huge body", true, 96, "body_too_large", func(w *bytes.Buffer) {
		w.WriteString(strings.Repeat("y", 1<<20))
	}},
}

// hostileServer serves s on /v1/chat/completions and a model list.
func hostileServer(t *testing.T, i int) *httptest.Server {
	s := hostileStreams[i]
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/models") {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"x"}]}`)
			return
		}
		var chunk bytes.Buffer
		s.payload(&chunk)
		if s.nostrm {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"`)
		} else {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}`+"\n\n")
		}
		for written := 0; written < s.maxMiB<<20; written += chunk.Len() {
			if _, err := w.Write(chunk.Bytes()); err != nil {
				return // janus hung up: the cap did its work
			}
		}
	}))
}

// TestHostileEndpointMemory runs janus commands (this test binary
// re-executed, so the RSS is a fresh process's) against every hostile
// stream and checks each stays under hostileRSSLimitKB and names the
// violation. Without the long tag only probe runs; with it bench run and
// bench load too.
func TestHostileEndpointMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	if raceEnabled {
		t.Skip("the race detector's shadow memory makes an RSS ceiling meaningless")
	}
	dir := t.TempDir()
	for i, s := range hostileStreams {
		for _, cmd := range hostileCommands {
			t.Run(s.name+"/"+cmd, func(t *testing.T) {
				srv := hostileServer(t, i)
				defer srv.Close()
				args := hostileArgs(cmd, srv.URL+"/v1", filepath.Join(dir, fmt.Sprintf("%d-%s.json", i, cmd)), s.nostrm)
				out, rssKB := runChild(t, args)
				if rssKB > hostileRSSLimitKB {
					t.Errorf("max RSS %d MB, limit %d MB", rssKB>>10, hostileRSSLimitKB>>10)
				}
				if !strings.Contains(out, s.want) {
					t.Errorf("output does not name %s:\n%s", s.want, tail(out, 2000))
				}
				t.Logf("%s against %s: max RSS %d MB", cmd, s.name, rssKB>>10)
			})
		}
	}
}

func hostileArgs(cmd, target, out string, nostream bool) []string {
	common := []string{"--target", target, "--model", "m", "--timeout", "60s"}
	if nostream {
		common = append(common, "--no-stream")
	}
	switch cmd {
	case "probe":
		return append([]string{"janus", "bench", "probe"}, common...)
	case "run":
		return append(append([]string{"janus", "bench", "run"}, common...), "--limit", "2", "--concurrency", "2",
			"--categories", "quality", "--format", "json", "--out", out)
	}
	return append(append([]string{"janus", "bench", "load"}, common...), "--profile", "closed:c=2", "--duration", "1s",
		"--max-requests", "6", "--no-selftest", "--format", "json", "--out", out)
}

// runChild runs the janus CLI in a fresh copy of this test binary and
// returns its combined output and maximum RSS in KiB.
func runChild(t *testing.T, args []string) (string, int64) {
	t.Helper()
	enc, _ := json.Marshal(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostileChild$")
	c.Env = append(os.Environ(), "JANUS_HOSTILE_ARGS="+string(enc))
	var buf bytes.Buffer
	c.Stdout, c.Stderr = &buf, &buf
	_ = c.Run() // a non-zero exit is fine: the output is what is judged
	if c.ProcessState == nil {
		t.Fatalf("child did not run: %s", buf.String())
	}
	ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no rusage on this platform")
	}
	return buf.String(), ru.Maxrss
}

// TestHostileChild is the child side of TestHostileEndpointMemory.
func TestHostileChild(t *testing.T) {
	raw := os.Getenv("JANUS_HOSTILE_ARGS")
	if raw == "" {
		t.Skip("child of TestHostileEndpointMemory only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), args, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "janus: %v\n", err)
	}
	os.Exit(0)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
