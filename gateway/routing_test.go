package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// echoUpstream answers every request with a completion naming itself.
func echoUpstream(t *testing.T, name string, models []string) *upstream {
	return newUpstream(t, models, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"`+name+`"},"finish_reason":"stop"}]}`)
	})
}

// writeFile writes a file in the test's temp dir.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRouting is the routing table: explicit ids (body, then header) win
// and never fall back; then the model, by configured or discovered lists;
// then the default; else 404.
func TestRouting(t *testing.T) {
	a := echoUpstream(t, "a", []string{"ignored-because-configured"})
	b := echoUpstream(t, "b", []string{"mb"})
	c := echoUpstream(t, "c", nil)
	cfg := writeFile(t, "gateway.yaml", "competitors:\n"+
		"  - id: a\n    url: "+a.URL+"/v1\n    models: [ma, shared]\n    api_key: upstream-key-a\n")
	gw := startGateway(t, Options{ConfigFile: cfg, Competitors: []string{"b=" + b.URL, "c=" + c.URL + ",default"}})
	noDefault := startGateway(t, Options{Competitors: []string{"a=" + a.URL}})
	// Model discovery runs in the background; listing the models waits for it.
	models := listModels(t, gw.URL)
	if len(models) != 3 {
		t.Fatalf("models %+v", models)
	}

	cases := []struct {
		name   string
		gw     *Running
		body   string
		header string // X-Janus-Competitor
		want   string // competitor, or "" for 404
		param  string // 404 param
	}{
		// An explicit body id wins over a model another competitor serves.
		{"body id", gw, chatBody("ma", false, `"competitor_id":"b"`), "", "b", ""},
		// The header works like the body field.
		{"header id", gw, chatBody("zzz", false, ""), "a", "a", ""},
		// The body wins over the header.
		{"body over header", gw, chatBody("zzz", false, `"competitor_id":"c"`), "a", "c", ""},
		// An unknown id is a 404, never the default.
		{"unknown body id", gw, chatBody("ma", false, `"competitor_id":"nope"`), "", "", "competitor_id"},
		// The same for the header.
		{"unknown header id", gw, chatBody("ma", false, ""), "nope", "", "competitor_id"},
		// A configured model.
		{"configured model", gw, chatBody("ma", false, ""), "", "a", ""},
		// A model served by two: the first in configuration order.
		{"shared model", gw, chatBody("shared", false, ""), "", "a", ""},
		// A model learnt from the competitor's /v1/models.
		{"discovered model", gw, chatBody("mb", false, ""), "", "b", ""},
		// A configured list overrides what the competitor reports.
		{"configured list wins", gw, chatBody("ignored-because-configured", false, ""), "", "c", ""},
		// Nothing matches: the default.
		{"default", gw, chatBody("zzz", false, ""), "", "c", ""},
		// Nothing matches and there is no default.
		{"no default", noDefault, chatBody("zzz", false, ""), "", "", "model"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.header != "" {
				hdr["X-Janus-Competitor"] = tc.header
			}
			resp := post(t, context.Background(), tc.gw.URL, tc.body, hdr)
			if tc.want == "" {
				env := errorEnvelope(t, resp, http.StatusNotFound)
				if env.Error.Param == nil || *env.Error.Param != tc.param {
					t.Errorf("param %v, want %s", env.Error.Param, tc.param)
				}
				return
			}
			b := readAll(t, resp)
			if resp.StatusCode != 200 || !strings.Contains(string(b), `"content":"`+tc.want+`"`) {
				t.Fatalf("status %d body %s, want competitor %s", resp.StatusCode, b, tc.want)
			}
			if got := resp.Header.Get("X-Janus-Competitor"); got != tc.want {
				t.Errorf("X-Janus-Competitor %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForwardedRequest checks what a competitor receives: no gateway
// fields, no client credentials, the request and correlation ids, its own
// key, and every other byte of the body as the client sent it.
func TestForwardedRequest(t *testing.T) {
	a := echoUpstream(t, "a", nil)
	cfg := writeFile(t, "gateway.yaml", "competitors:\n  - id: a\n    url: "+a.URL+"\n    default: true\n    api_key_env: GW_TEST_KEY\n")
	t.Setenv("GW_TEST_KEY", "upstream-secret")
	gw := startGateway(t, Options{ConfigFile: cfg})
	body := `{"competitor_id":"a","model":"m","messages":[{"role":"user","content":"hi"}],` +
		`"metadata":{"routing_decision":{"path":"agent","model":"x"}},"temperature":0,"x_vendor":[1, 2]}`
	resp := post(t, context.Background(), gw.URL, body, map[string]string{
		"Authorization": "Bearer client-secret", "Cookie": "session=1", "X-Api-Key": "client-secret",
		"X-Request-Id": "req-123", "X-Correlation-ID": "corr-9", "X-Janus-Competitor": "a",
	})
	readAll(t, resp)
	if resp.Header.Get("X-Request-Id") != "req-123" || resp.Header.Get("X-Correlation-ID") != "corr-9" {
		t.Errorf("response ids %q %q", resp.Header.Get("X-Request-Id"), resp.Header.Get("X-Correlation-ID"))
	}
	got := a.received()
	if len(got) != 1 {
		t.Fatalf("%d requests upstream", len(got))
	}
	h, fwd := got[0].header, string(got[0].body)
	if want := `{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"routing_decision":{"path":"agent","model":"x"}},"temperature":0,"x_vendor":[1, 2]}`; fwd != want {
		t.Errorf("forwarded body\n got %s\nwant %s", fwd, want)
	}
	if h.Get("Authorization") != "Bearer upstream-secret" {
		t.Errorf("upstream Authorization %q", h.Get("Authorization"))
	}
	for _, k := range []string{"Cookie", "X-Api-Key", "X-Janus-Competitor"} {
		t.Run(k, func(t *testing.T) {
			if h.Get(k) != "" {
				t.Errorf("client header %s forwarded: %q", k, h.Get(k))
			}
		})
	}
	if h.Get("X-Request-Id") != "req-123" || h.Get("X-Correlation-ID") != "corr-9" {
		t.Errorf("upstream ids %q %q", h.Get("X-Request-Id"), h.Get("X-Correlation-ID"))
	}

	// Without a client id the gateway makes one and uses it on both sides.
	resp = post(t, context.Background(), gw.URL, chatBody("m", false, ""), map[string]string{"X-Request-Id": "bad id with spaces"})
	readAll(t, resp)
	rid := resp.Header.Get("X-Request-Id")
	if rid == "" || rid == "bad id with spaces" || a.received()[1].header.Get("X-Request-Id") != rid {
		t.Errorf("generated id %q, upstream saw %q", rid, a.received()[1].header.Get("X-Request-Id"))
	}
}

// TestStripMember checks the byte-level removal of gateway fields.
func TestStripMember(t *testing.T) {
	cases := []struct{ name, in, want string }{
		// Absent: the same bytes.
		{"absent", `{"a":1,"b":2}`, `{"a":1,"b":2}`},
		// First member: its trailing separator goes with it.
		{"first", `{"competitor_id":"x", "a":1}`, `{"a":1}`},
		// Middle member.
		{"middle", `{"a":1,"competitor_id":"x","b":{"c":[1,"}"]}}`, `{"a":1,"b":{"c":[1,"}"]}}`},
		// Last member: the separator before it goes.
		{"last", `{"a":"x\"y" , "competitor_id":{"n":[1]} }`, `{"a":"x\"y" }`},
		// The only member.
		{"only", ` { "competitor_id" : null } `, ` {  } `},
		// encoding/json matches keys ignoring case and through escapes.
		{"case and escapes", `{"Competitor_ID":"x","a":1,"competitor\u005fid":"y"}`, `{"a":1}`},
		// Duplicates are all removed.
		{"duplicates", `{"competitor_id":1,"competitor_id":2}`, `{}`},
		// Nested members of the same name are data, not gateway fields.
		{"nested kept", `{"metadata":{"competitor_id":"x"}}`, `{"metadata":{"competitor_id":"x"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := string(stripMember([]byte(tc.in), "competitor_id"))
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("result is not valid JSON: %s", got)
			}
		})
	}
}
