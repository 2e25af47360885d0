package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// rawExchange writes raw bytes to the gateway over TCP and reads the
// response that comes back, with the connection closed afterwards.
func rawResponse(t *testing.T, conn net.Conn) (*http.Response, []byte) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func hostOf(base string) string {
	return strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1")
}

// TestGuards is the rejection table of the contract: every malformed or
// abusive request gets its status and an OpenAI error body, and the
// gateway goes on serving others, including while the attack is under way.
func TestGuards(t *testing.T) {
	up := echoUpstream(t, "ok", nil)
	gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"},
		ReadHeaderTimeout: 500 * time.Millisecond})
	stillServing := func(t *testing.T) {
		t.Helper()
		resp := post(t, context.Background(), gw.URL, chatBody("m", false, ""), nil)
		if b := readAll(t, resp); resp.StatusCode != 200 {
			t.Fatalf("a normal request failed: %d %s", resp.StatusCode, b)
		}
	}
	image := func(url string) string {
		return `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"` + url + `"}}]}]}`
	}
	cases := []struct {
		name   string
		do     func(t *testing.T) (*http.Response, []byte)
		status int
		param  string // "" means no param expected
	}{
		// Headers trickled one byte every 100 ms: answered 408 when the
		// header timeout hits, while other clients are served meanwhile.
		{"slowloris", func(t *testing.T) (*http.Response, []byte) {
			conns := make([]net.Conn, 10)
			for i := range conns {
				c, err := net.Dial("tcp", hostOf(gw.URL))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns[i] = c
			}
			var wg sync.WaitGroup
			for _, c := range conns[1:] {
				wg.Go(func() { trickle(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaa") })
			}
			stillServing(t)
			resp, b := func() (*http.Response, []byte) {
				go trickle(conns[0], "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaa")
				return rawResponse(t, conns[0])
			}()
			wg.Wait()
			if !resp.Close {
				t.Error("connection not closed after the header timeout")
			}
			return resp, b
		}, http.StatusRequestTimeout, ""},
		// A declared 100 MB body is refused after its first 64 KiB arrived,
		// without waiting for (or reading) the rest.
		{"100 MB body", func(t *testing.T) (*http.Response, []byte) {
			c, err := net.Dial("tcp", hostOf(gw.URL))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _ = io.WriteString(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
				"Content-Length: "+strconv.Itoa(100<<20)+"\r\n\r\n")
			_, _ = c.Write(bytes.Repeat([]byte(" "), 64<<10))
			resp, b := rawResponse(t, c)
			if !resp.Close {
				t.Error("connection kept open with 100 MB unread")
			}
			return resp, b
		}, http.StatusRequestEntityTooLarge, ""},
		// An oversized body without Content-Length is cut at the limit.
		{"chunked body over the limit", func(t *testing.T) (*http.Response, []byte) {
			pr, pw := io.Pipe()
			go func() {
				chunk := bytes.Repeat([]byte(" "), 1<<20)
				for i := 0; i < 40; i++ {
					if _, err := pw.Write(chunk); err != nil {
						return
					}
				}
				pw.Close()
			}()
			defer pr.Close()
			req, _ := http.NewRequest(http.MethodPost, gw.URL+"/chat/completions", pr)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp, readAll(t, resp)
		}, http.StatusRequestEntityTooLarge, ""},
		// Not JSON.
		{"malformed JSON", func(t *testing.T) (*http.Response, []byte) {
			resp := post(t, context.Background(), gw.URL, `{"model":"m","messages":[`, nil)
			return resp, readAll(t, resp)
		}, http.StatusBadRequest, ""},
		// A role that does not exist.
		{"unknown role", func(t *testing.T) (*http.Response, []byte) {
			resp := post(t, context.Background(), gw.URL, `{"model":"m","messages":[{"role":"wizard","content":"hi"}]}`, nil)
			return resp, readAll(t, resp)
		}, http.StatusBadRequest, "messages[0].role"},
		// An image part whose URL is not one.
		{"bad image URL", func(t *testing.T) (*http.Response, []byte) {
			resp := post(t, context.Background(), gw.URL, image("htp:/nowhere"), nil)
			return resp, readAll(t, resp)
		}, http.StatusBadRequest, "messages[0].content[1].image_url.url"},
		// An inline image that is not base64.
		{"bad image data", func(t *testing.T) (*http.Response, []byte) {
			resp := post(t, context.Background(), gw.URL, image("data:image/png;base64,@@@@"), nil)
			return resp, readAll(t, resp)
		}, http.StatusBadRequest, "messages[0].content[1].image_url.url"},
		// Required fields.
		{"missing messages", func(t *testing.T) (*http.Response, []byte) {
			resp := post(t, context.Background(), gw.URL, `{"model":"m"}`, nil)
			return resp, readAll(t, resp)
		}, http.StatusBadRequest, "messages"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := tc.do(t)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			var env wire.ErrorEnvelope
			if err := json.Unmarshal(b, &env); err != nil || env.Error.Message == "" || env.Error.Type != "invalid_request_error" {
				t.Fatalf("not an OpenAI error: %s (%v)", b, err)
			}
			if got := ""; env.Error.Param != nil {
				got = *env.Error.Param
				if got != tc.param {
					t.Errorf("param %q, want %q", got, tc.param)
				}
			} else if tc.param != "" {
				t.Errorf("no param, want %q (%s)", tc.param, env.Error.Message)
			}
			stillServing(t)
		})
	}
}

// trickle writes s one byte per 100 ms until the peer closes.
func trickle(c net.Conn, s string) {
	for i := 0; i < len(s); i++ {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		// A slowloris needs real time between real bytes on a real socket,
		// which a synctest bubble cannot host.
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAPIKeysAndRateLimit checks authentication against hashed keys and
// the per-key token bucket.
func TestAPIKeysAndRateLimit(t *testing.T) {
	up := echoUpstream(t, "ok", nil)
	hashed := sha256.Sum256([]byte("key-two"))
	keys := writeFile(t, "keys", "# clients\nkey-one\n\nsha256:"+hex.EncodeToString(hashed[:])+"\n")
	gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"}, APIKeysFile: keys,
		RateLimit: 0.01, RateBurst: 2})
	status := func(hdr map[string]string) (int, []byte, http.Header) {
		resp := post(t, context.Background(), gw.URL, chatBody("m", false, ""), hdr)
		b := readAll(t, resp)
		return resp.StatusCode, b, resp.Header
	}
	cases := []struct {
		name string
		hdr  map[string]string
		want int
	}{
		// No key.
		{"missing", nil, 401},
		// A key not in the file.
		{"wrong", map[string]string{"Authorization": "Bearer nope"}, 401},
		// A clear key from the file.
		{"clear key", map[string]string{"Authorization": "Bearer key-one"}, 200},
		// A key stored only as its hash, sent the way some SDKs do.
		{"hashed key", map[string]string{"X-Api-Key": "key-two"}, 200},
		// The second of key-one's burst of 2.
		{"burst", map[string]string{"Authorization": "Bearer key-one"}, 200},
		// key-one is over its limit.
		{"limited", map[string]string{"Authorization": "Bearer key-one"}, 429},
		// key-two has its own bucket.
		{"other key", map[string]string{"Authorization": "Bearer key-two"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b, h := status(tc.hdr)
			if code != tc.want {
				t.Fatalf("%s: status %d, want %d: %s", tc.name, code, tc.want, b)
			}
			if code != 200 {
				var env wire.ErrorEnvelope
				if json.Unmarshal(b, &env) != nil || env.Error.Message == "" {
					t.Errorf("%s: not an OpenAI error: %s", tc.name, b)
				}
			}
			if code == 429 && (h.Get("Retry-After") == "" || !strings.Contains(string(b), "rate_limit_exceeded")) {
				t.Errorf("%s: Retry-After %q body %s", tc.name, h.Get("Retry-After"), b)
			}
		})
	}
	// Probes need no key.
	resp, err := http.Get(strings.TrimSuffix(gw.URL, "/v1") + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health without a key: %v %v", resp, err)
	}
	readAll(t, resp)
}

// TestCORS checks preflights and the allow-origin header for a browser UI.
func TestCORS(t *testing.T) {
	up := echoUpstream(t, "ok", nil)
	keys := writeFile(t, "keys", "k\n")
	gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"}, APIKeysFile: keys,
		CORSOrigins: []string{"https://ui.example"}})
	req, _ := http.NewRequest(http.MethodOptions, gw.URL+"/chat/completions", nil)
	req.Header.Set("Origin", "https://ui.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://ui.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight %d %v", resp.StatusCode, resp.Header)
	}
	for origin, want := range map[string]string{"https://ui.example": "https://ui.example", "https://evil.example": ""} {
		t.Run(origin, func(t *testing.T) {
			resp := post(t, context.Background(), gw.URL, chatBody("m", false, ""), map[string]string{"Origin": origin, "Authorization": "Bearer k"})
			readAll(t, resp)
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want || resp.StatusCode != 200 {
				t.Errorf("origin %s: status %d allow-origin %q, want %q", origin, resp.StatusCode, got, want)
			}
		})
	}
}

// TestRequestLogs checks the structured request log: one line per
// request, no bodies unless asked, never the Authorization header.
func TestRequestLogs(t *testing.T) {
	up := echoUpstream(t, "ok", nil)
	for i, logBodies := range []bool{false, true} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var buf syncBuffer
			gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"}, LogBodies: logBodies,
				Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
			body := `{"model":"m","messages":[{"role":"user","content":"prompt-text-xyz"}]}`
			resp := post(t, context.Background(), gw.URL, body, map[string]string{"Authorization": "Bearer sekrit-token", "X-Request-Id": "rid-1"})
			readAll(t, resp)
			_ = gw.Stop(context.Background())
			logs := buf.String()
			if !strings.Contains(logs, `"msg":"request"`) || !strings.Contains(logs, `"request_id":"rid-1"`) ||
				!strings.Contains(logs, `"competitor":"u"`) || !strings.Contains(logs, `"status":200`) {
				t.Errorf("log bodies %v: no request line:\n%s", logBodies, logs)
			}
			if strings.Contains(logs, "sekrit") {
				t.Errorf("log bodies %v: the Authorization header was logged", logBodies)
			}
			if got := strings.Contains(logs, "prompt-text-xyz"); got != logBodies {
				t.Errorf("log bodies %v: prompt in log = %v", logBodies, got)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
