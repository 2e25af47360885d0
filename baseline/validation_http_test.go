package baseline_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/wire"
)

// TestBaselineRejectsHostileParams: each request OpenAI refuses (n, token
// limits, sampling ranges, text that is not UTF-8) gets a 400 over HTTP
// in the OpenAI error envelope naming its JSON path — the same cases and
// paths as the gateway (chatreq.ValidationCases).
func TestBaselineRejectsHostileParams(t *testing.T) {
	ts := serve(t, fast())
	ctx := context.Background()
	ok := post(t, ctx, ts.URL, `{"model":"`+testModel+`","messages":[{"role":"user","content":"hi"}],"n":1,"max_tokens":16}`, nil)
	io.Copy(io.Discard, ok.Body)
	ok.Body.Close()
	if ok.StatusCode != http.StatusOK {
		t.Fatalf("valid request: status %d", ok.StatusCode)
	}
	for _, c := range chatreq.ValidationCases() {
		t.Run(c.Name, func(t *testing.T) {
			body := strings.Replace(c.Body, `"model":"m"`, `"model":"`+testModel+`"`, 1)
			resp := post(t, ctx, ts.URL, body, nil)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var env wire.ErrorEnvelope
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &env) != nil {
				t.Fatalf("status %d, body %s; want 400 and an OpenAI error envelope", resp.StatusCode, b)
			}
			if env.Error.Type != "invalid_request_error" || env.Error.Param == nil || *env.Error.Param != c.Param {
				t.Fatalf("envelope %s, want invalid_request_error with param %q", b, c.Param)
			}
			if !strings.Contains(env.Error.Message, c.Message) {
				t.Fatalf("message %q lacks %q", env.Error.Message, c.Message)
			}
		})
	}
}
