package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestForwardUserID: the user id header reaches the competitor only when
// forwarding is on, and only when well formed.
func TestForwardUserID(t *testing.T) {
	var mu sync.Mutex
	var got []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get(HeaderUserID))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}))
	defer up.Close()
	for _, c := range []struct {
		name    string
		forward bool
		header  string
		want    string
	}{
		{"on", true, "alice", "alice"},
		{"off", false, "alice", ""},
		{"malformed", true, "bad id\twith space", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			gw := startGateway(t, Options{Competitors: []string{"a=" + up.URL + ",default"}, ForwardUserID: c.forward})
			req, _ := http.NewRequest("POST", gw.URL+"/chat/completions", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(HeaderUserID, c.header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("HTTP %d %s", resp.StatusCode, b)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0] != c.want {
				t.Fatalf("competitor saw %q; want %q", got, c.want)
			}
		})
	}
}
