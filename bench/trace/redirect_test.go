package trace_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
)

// completionJSON is a valid non-stream answer, so a client that followed
// a redirect to the server sending it would score it.
const completionJSON = `{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"from the other host"},"finish_reason":"stop"}]}`

// countingServer answers every request with a valid completion and
// counts them, with the body of the last one.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Value) {
	t.Helper()
	var n atomic.Int64
	var last atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b, _ := io.ReadAll(r.Body)
		last.Store(r.Method + " " + r.URL.Path + " " + string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, completionJSON)
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &last
}

// TestRedirectNeverLeavesTheTarget: a target that redirects the chat
// request to another origin (another loopback port) gets a redirect
// violation naming the Location, and the other server sees no request,
// whichever HTTP client the trace client uses and whether same-origin
// redirects were asked for; same-origin redirects are followed only when
// asked, and only 307/308, which keep the POST and its body.
func TestRedirectNeverLeavesTheTarget(t *testing.T) {
	canary, canaryHits, _ := countingServer(t)
	var targetHits atomic.Int64
	var followed atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		switch r.URL.Path {
		case "/off/v1/chat/completions":
			http.Redirect(w, r, canary.URL+"/v1/chat/completions", http.StatusTemporaryRedirect)
		case "/same/v1/chat/completions":
			http.Redirect(w, r, "/here/v1/chat/completions", http.StatusTemporaryRedirect)
		case "/found/v1/chat/completions":
			http.Redirect(w, r, "/here/v1/chat/completions", http.StatusFound)
		case "/loop/v1/chat/completions":
			http.Redirect(w, r, "/loop/v1/chat/completions", http.StatusPermanentRedirect)
		case "/here/v1/chat/completions":
			b, _ := io.ReadAll(r.Body)
			followed.Store(r.Method + " " + string(b))
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, completionJSON)
		default:
			http.NotFound(w, r)
		}
	}))
	defer target.Close()

	tests := []struct {
		name       string
		path       string
		sameOrigin bool
		hc         *http.Client
		wantFollow bool
		wantReason string
	}{
		{"other origin", "/off", false, nil, false, "another origin"},
		{"other origin, same-origin allowed", "/off", true, nil, false, "another origin"},
		{"other origin, caller's client follows", "/off", true, &http.Client{}, false, "another origin"},
		{"same origin, not asked", "/same", false, nil, false, "--follow-redirects"},
		{"same origin, asked", "/same", true, nil, true, ""},
		{"same origin 302 would drop the POST", "/found", true, nil, false, "only 307 and 308"},
		{"same origin loop", "/loop", true, nil, false, "more than 10 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			followed.Store("")
			c := &trace.Client{BaseURL: target.URL + tt.path + "/v1", HTTP: tt.hc, SameOriginRedirects: tt.sameOrigin}
			req := wire.ChatRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
			tr := c.Do(context.Background(), req, nil)
			vs := trace.Violations(tr, trace.ComputeMetrics(tr), trace.DefaultBudgets())
			if canaryHits.Load() != 0 {
				t.Fatalf("the other origin got %d request(s)", canaryHits.Load())
			}
			if tt.wantFollow {
				if tr.Err != nil || tr.Content != "from the other host" || len(vs) != 0 {
					t.Fatalf("not followed: err %v, content %q, violations %v", tr.Err, tr.Content, vs)
				}
				if got := followed.Load().(string); !strings.HasPrefix(got, "POST {") || !strings.Contains(got, `"hi"`) {
					t.Fatalf("the followed request was %q, want the POST with its body", got)
				}
				return
			}
			if tr.Err == nil || tr.Err.Class != trace.ErrRedirect || tr.Content != "" {
				t.Fatalf("want a redirect error and no content, got err %v, content %q", tr.Err, tr.Content)
			}
			if len(vs) != 1 || vs[0].Code != trace.VRedirect || !strings.Contains(vs[0].Detail, tt.wantReason) {
				t.Fatalf("violations %+v, want one %q saying %q", vs, trace.VRedirect, tt.wantReason)
			}
			if tr.Redirect == "" || !strings.Contains(vs[0].Detail, tr.Redirect) {
				t.Fatalf("the violation %q does not name the Location %q", vs[0].Detail, tr.Redirect)
			}
			if tt.path == "/off" && !strings.HasPrefix(tr.Redirect, canary.URL) {
				t.Fatalf("Location %q, want the canary's URL", tr.Redirect)
			}
			if got := followed.Load().(string); got != "" {
				t.Fatalf("a refused redirect was followed: %q", got)
			}
		})
	}
}

// TestRedirectPolicy: the CheckRedirect janus's other requests to a
// target use (GET /models, conform) never leave the origin.
func TestRedirectPolicy(t *testing.T) {
	canary, canaryHits, _ := countingServer(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/off":
			http.Redirect(w, r, canary.URL+"/models", http.StatusFound)
		case "/same":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer target.Close()
	for _, tt := range []struct {
		path       string
		sameOrigin bool
		want       int
	}{{"/off", true, http.StatusFound}, {"/same", false, http.StatusFound}, {"/same", true, http.StatusOK}} {
		t.Run(tt.path, func(t *testing.T) {
			hc := &http.Client{CheckRedirect: trace.RedirectPolicy(tt.sameOrigin)}
			resp, err := hc.Get(target.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s (same origin %v): status %d, want %d", tt.path, tt.sameOrigin, resp.StatusCode, tt.want)
			}
		})
	}
	if canaryHits.Load() != 0 {
		t.Fatalf("the other origin got %d request(s)", canaryHits.Load())
	}
}
