package baseline_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// TestBaselineSlowClients: the baseline closes a request whose body or
// headers do not arrive in time with a 408 in the OpenAI envelope (the
// gateway's guard, internal/httpguard), also with many such clients at
// once, and serves a normal request meanwhile. The timeouts are small and
// configurable here; the defaults are 1 min for the body, 10 s for headers.
func TestBaselineSlowClients(t *testing.T) {
	cfg := fast()
	cfg.ReadHeaderTimeout, cfg.BodyReadTimeout = 300*time.Millisecond, 300*time.Millisecond
	url, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	base := strings.TrimSuffix(url, "/v1")
	addr := strings.TrimPrefix(base, "http://")
	const slowBody = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mo"
	const slowHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: aaa"
	tests := []struct {
		name, send, msg string
		conns           int
	}{
		{"slow body", slowBody, "request body did not arrive within 300ms", 1},
		{"slow headers", slowHead, "headers did not arrive in time", 1},
		{"many slow bodies", slowBody, "request body did not arrive", 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan string, tt.conns)
			for range tt.conns {
				wg.Go(func() {
					if msg := slowRequest(addr, tt.send); !strings.Contains(msg, tt.msg) {
						errs <- msg
					}
				})
			}
			// A normal client is served while the slow ones hang.
			resp := post(t, context.Background(), base, `{"model":"`+testModel+`","messages":[{"role":"user","content":"hi"}]}`, nil)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("a normal request got %d", resp.StatusCode)
			}
			wg.Wait()
			close(errs)
			for msg := range errs {
				t.Errorf("slow client: %s; want a 408 saying %q", msg, tt.msg)
			}
		})
	}
}

// slowRequest writes a partial request and then nothing, and describes
// the answer: "408 <message>" for a 408 with an OpenAI error envelope on a
// closed connection, or what came instead.
func slowRequest(addr, partial string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	if _, err := io.WriteString(c, partial); err != nil {
		return err.Error()
	}
	// Far past the server's timeout: this bounds a broken server only.
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "no answer: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env wire.ErrorEnvelope
	if resp.StatusCode != http.StatusRequestTimeout || !resp.Close || json.Unmarshal(b, &env) != nil {
		return resp.Status + " (close " + map[bool]string{true: "yes", false: "no"}[resp.Close] + "): " + string(b)
	}
	return "408 " + env.Error.Message
}
