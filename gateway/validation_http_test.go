package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/chatreq"
)

// TestGatewayRejectsHostileParams: each request OpenAI refuses (n, token
// limits, sampling ranges, text that is not UTF-8) gets a 400 over HTTP
// in the OpenAI error envelope naming its JSON path, and never reaches the
// competitor; a valid request through the same gateway is answered.
func TestGatewayRejectsHostileParams(t *testing.T) {
	comp := startBaseline(t, baseline.Config{})
	var forwarded atomic.Int64
	// The competitor sits behind a counting proxy: a rejected request
	// must not reach it.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/chat/completions" {
			forwarded.Add(1)
		}
		u, _ := url.Parse(comp)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	gw := startGateway(t, Options{Competitors: []string{"c=" + proxy.URL + ",default"}, Logger: testLogger()})
	ctx := context.Background()
	if resp := post(t, ctx, gw.URL, chatBody("m", false, ""), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("valid request: status %d: %s", resp.StatusCode, readAll(t, resp))
	} else {
		resp.Body.Close()
	}
	before := forwarded.Load()
	if before == 0 {
		t.Fatal("the valid request did not reach the competitor through the proxy")
	}
	defer func() {
		if n := forwarded.Load() - before; n != 0 {
			t.Errorf("%d rejected request(s) reached the competitor", n)
		}
	}()
	for _, c := range chatreq.ValidationCases() {
		t.Run(c.Name, func(t *testing.T) {
			env := errorEnvelope(t, post(t, ctx, gw.URL, c.Body, nil), http.StatusBadRequest)
			if env.Error.Type != "invalid_request_error" || env.Error.Param == nil || *env.Error.Param != c.Param {
				t.Fatalf("envelope %+v, want invalid_request_error with param %q", env.Error, c.Param)
			}
			if !strings.Contains(env.Error.Message, c.Message) {
				t.Fatalf("message %q lacks %q", env.Error.Message, c.Message)
			}
		})
	}
}
