package chat

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/janus-bench/janus/baseline"
)

func TestParseRequest(t *testing.T) {
	img := testPNG(t)
	cases := []struct {
		name, body, wantErr string
	}{
		{"text", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, ""},
		{"image part", `{"model":"m","competitor_id":"alpha","messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"` + img + `"}}]}]}`, ""},
		{"no model", `{"messages":[{"role":"user","content":"hi"}]}`, "model: pick a model"},
		{"no messages", `{"model":"m","messages":[]}`, "messages: must hold"},
		{"bad role", `{"model":"m","messages":[{"role":"tool","content":"x"}]}`, "messages[0].role"},
		{"smuggled field", `{"model":"m","metadata":{"sim_pace_token_ms":1},"messages":[{"role":"user","content":"hi"}]}`, "unknown field"},
		{"remote image", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://169.254.169.254/x.png"}}]}]}`, "messages[0].content[0].image_url.url: must be a base64 data: URL"},
		{"svg image", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml;base64,PHN2Zz4="}}]}]}`, "image type"},
		{"oversized image", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,` + strings.Repeat("A", 2000) + `"}}]}]}`, "more than the 1000 allowed"},
		{"header injection", `{"model":"m","conversation_id":"a\r\nX-Evil: 1","messages":[{"role":"user","content":"hi"}]}`, "conversation_id"},
		{"two values", `{"model":"m","messages":[{"role":"user","content":"hi"}]} {}`, "more than one JSON value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			max := DefaultMaxImageBytes
			if c.name == "oversized image" {
				max = 1000
			}
			_, out, err := parseRequest([]byte(c.body), max)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				var up map[string]any
				if json.Unmarshal(out, &up) != nil || up["stream"] != true {
					t.Fatalf("forwarded body %s: want stream true", out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, out, err := parseRequest(b, 1<<10)
		if err == nil && !json.Valid(out) {
			t.Fatalf("accepted %q but forwarded invalid JSON %q", b, out)
		}
	})
}

func TestStoreOwnership(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Create(ctx, "ann", "  ")
	if err != nil || c.Title != "New chat" {
		t.Fatalf("create: %+v %v", c, err)
	}
	title := "Renamed"
	if err := st.Update(ctx, "ann", c.ID, &title, json.RawMessage(`[{"role":"user","content":"hi"}]`)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
	}{
		{"other user reads", func() error { _, err := st.Get(ctx, "bob", c.ID); return err }()},
		{"other user renames", st.Update(ctx, "bob", c.ID, &title, nil)},
		{"other user deletes", st.Delete(ctx, "bob", c.ID)},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			if k.err != ErrNotFound {
				t.Fatalf("got %v, want ErrNotFound", k.err)
			}
		})
	}
	got, err := st.Get(ctx, "ann", c.ID)
	if err != nil || got.Title != "Renamed" || !strings.Contains(string(got.Messages), "hi") {
		t.Fatalf("get after update: %+v %v", got, err)
	}
	if err := st.Update(ctx, "ann", c.ID, nil, json.RawMessage(`{"not":"an array"}`)); err == nil {
		t.Fatal("a non-array messages value was stored")
	}
	if err := st.Delete(ctx, "ann", c.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := st.List(ctx, "ann"); len(list) != 0 {
		t.Fatalf("list after delete: %+v", list)
	}
}

// TestAPIGuards runs the API against a real gateway: who may call what.
func TestAPIGuards(t *testing.T) {
	s := startStack(t, baseline.Unpaced())
	ann := &client{base: s.chat.URL, user: "ann"}
	anon := &client{base: s.chat.URL}
	cases := []struct {
		name         string
		c            *client
		method, path string
		body         string
		csrf         bool
		status       int
		contains     string
	}{
		{"page needs a user", anon, "GET", "/chat", "", false, 401, "sign in"},
		{"models need a user", anon, "GET", "/chat/api/models", "", false, 401, "not_signed_in"},
		{"models through the gateway", ann, "GET", "/chat/api/models", "", false, 200, `"owned_by":"alpha"`},
		{"create needs csrf", ann, "POST", "/chat/api/conversations", `{"title":"x"}`, false, 403, "csrf"},
		{"create", ann, "POST", "/chat/api/conversations", `{"title":"x"}`, true, 201, `"title":"x"`},
		{"artifact id cannot walk paths", ann, "GET", "/chat/api/artifacts/..%2f..%2fhealth", "", false, 400, "not an artifact id"},
		{"unknown artifact is the gateway's 404", ann, "GET", "/chat/api/artifacts/nope", "", false, 404, "artifact"},
		{"vote on a prompt not started here", ann, "POST", "/chat/api/vote", `{"prompt_id":"arena-x","winner":"A"}`, true, 429, "only vote on an arena round you started"},
		{"conversation of nobody", ann, "POST", "/chat/api/completions", `{"conversation_id":"c-none","model":"m","messages":[{"role":"user","content":"hi"}]}`, true, 404, "not yours"},
		{"completion streams", ann, "POST", "/chat/api/completions", `{"model":"alpha-model","competitor_id":"alpha","messages":[{"role":"user","content":"` + promptXSS + `"}]}`, true, 200, "data: [DONE]"},
		{"unknown competitor is the gateway's error", ann, "POST", "/chat/api/completions", `{"model":"m","competitor_id":"zeta","messages":[{"role":"user","content":"hi"}]}`, true, 404, "competitor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := c.c.do(t, c.method, c.path, c.body, c.csrf)
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.contains) {
				t.Fatalf("%s %s: HTTP %d %s; want %d containing %q", c.method, c.path, resp.StatusCode, b, c.status, c.contains)
			}
		})
	}
	t.Run("a page is served with a strict CSP", func(t *testing.T) {
		resp, b := ann.do(t, "GET", "/chat", "", false)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
			!strings.Contains(string(b), `content="tok-ann"`) {
			t.Fatalf("page: %d %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
		}
	})
}

func TestNewRejectsBadGateway(t *testing.T) {
	for _, g := range []string{"", "ftp://x", "http://", "http://h/?q=1", "javascript:alert(1)"} {
		t.Run(g, func(t *testing.T) {
			if _, err := New(Options{Gateway: g, User: testUser, CSRF: testCSRF()}, &Store{}); err == nil {
				t.Fatalf("gateway %q accepted", g)
			}
		})
	}
}

// TestArtifactProxyDefangsHTML: an artifact a competitor calls an image
// but types text/html is served as a sandboxed download, never inline.
func TestArtifactProxyDefangsHTML(t *testing.T) {
	s := startStack(t, baseline.Unpaced(), scripted(t))
	ann := &client{base: s.chat.URL, user: "ann"}
	resp, b := ann.do(t, "POST", "/chat/api/completions", `{"model":"gamma-model","competitor_id":"gamma","messages":[{"role":"user","content":"go"}]}`, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("completion: %d %s", resp.StatusCode, b)
	}
	ids := regexp.MustCompile(`/v1/artifacts/([A-Za-z0-9._-]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(ids) != 3 {
		t.Fatalf("want 3 rewritten artifact URLs in the stream, got %d: %s", len(ids), b)
	}
	cases := []struct {
		name, id, wantType, wantDisp string
	}{
		{"html called an image", ids[2][1], "text/html", "attachment"},
		{"text file", ids[1][1], "text/plain", "attachment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := ann.do(t, "GET", "/chat/api/artifacts/"+c.id, "", false)
			h := resp.Header
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), c.wantType) ||
				!strings.HasPrefix(h.Get("Content-Disposition"), c.wantDisp) || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				h.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("artifact %s: %d %v %s", c.id, resp.StatusCode, h, body)
			}
		})
	}
}
