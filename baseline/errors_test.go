package baseline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/janus-bench/janus/internal/wire"
)

// envelope reads an OpenAI error envelope, checking status and headers.
func envelope(t *testing.T, resp *http.Response, status int) wire.ErrorEnvelope {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("not an error envelope: %s: %v", b, err)
	}
	if env.Error.Message == "" || env.Error.Type == "" {
		t.Errorf("incomplete envelope %s", b)
	}
	return env
}

const okMsgs = `"messages":[{"role":"user","content":"hi"}]`

// TestBadRequests checks that malformed requests get a 400 envelope that
// names the problem and the offending JSON path.
func TestBadRequests(t *testing.T) {
	ts := serve(t, fast())
	cases := []struct {
		name  string
		body  string
		param string // "" means the envelope's param must be null
		msg   string // substring of the message
	}{
		{"invalid JSON", `{"model":"m",` + okMsgs + `,}`, "", "not valid JSON"},
		{"truncated JSON", `{"model":"m","messages":[`, "", "not valid JSON"},
		{"empty body", ``, "", "empty"},
		{"not an object", `[1,2]`, "", "JSON object"},
		{"trailing data", `{"model":"m",` + okMsgs + `} {}`, "", "after the JSON object"},
		{"content is a number", `{"model":"m","messages":[{"role":"user","content":5}]}`,
			"messages[0].content", "expected a string or an array of content parts, got a number"},
		{"second message content is an object", `{"model":"m","messages":[{"role":"system","content":"x"},{"role":"user","content":{"a":1}}]}`,
			"messages[1].content", "got an object"},
		{"content part type is a number", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":5}]}]}`,
			"messages[0].content[1].type", "expected a string"},
		{"content part is a number", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},5]}]}`,
			"messages[0].content[1]", "expected an object, got a number"},
		{"content part type unsupported", `{"model":"m","messages":[{"role":"user","content":[{"type":"audio"}]}]}`,
			"messages[0].content[0].type", "not supported"},
		{"image part without url", `{"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
			"messages[0].content[0].image_url.url", "required"},
		{"tool_calls is a number", `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"a","tool_calls":5}]}`,
			"messages[1].tool_calls", "expected an array"},
		{"tool call arguments are a number", `{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":1}}]}]}`,
			"messages[0].tool_calls[0].function.arguments", "expected a string"},
		{"role is a number", `{"model":"m","messages":[{"role":5,"content":"hi"}]}`, "messages[0].role", "expected a string"},
		{"role missing", `{"model":"m","messages":[{"content":"hi"}]}`, "messages[0].role", "required"},
		{"role unknown", `{"model":"m","messages":[{"role":"robot","content":"hi"}]}`, "messages[0].role", "robot"},
		{"model missing", `{` + okMsgs + `}`, "model", "model"},
		{"model is a number", `{"model":5,` + okMsgs + `}`, "model", "expected a string"},
		{"messages empty", `{"model":"m","messages":[]}`, "messages", "non-empty"},
		{"messages missing", `{"model":"m"}`, "messages", "non-empty"},
		{"messages is an object", `{"model":"m","messages":{}}`, "messages", "expected an array"},
		{"stream is a string", `{"model":"m",` + okMsgs + `,"stream":"yes"}`, "stream", "expected a boolean"},
		{"include_usage is a string", `{"model":"m",` + okMsgs + `,"stream":true,"stream_options":{"include_usage":"y"}}`,
			"stream_options.include_usage", "expected a boolean"},
		{"tool function name is a number", `{"model":"m",` + okMsgs + `,"tools":[{"type":"function","function":{"name":1}}]}`,
			"tools[0].function.name", "expected a string"},
		{"temperature out of range", `{"model":"m",` + okMsgs + `,"temperature":3}`, "temperature", "between 0 and 2"},
		{"max_tokens zero", `{"model":"m",` + okMsgs + `,"max_tokens":0}`, "max_tokens", "at least 1"},
		{"pace metadata not a number", `{"model":"m",` + okMsgs + `,"metadata":{"sim_pace_ttft_ms":"soon"}}`,
			"metadata.sim_pace_ttft_ms", "milliseconds"},
		{"pace metadata negative", `{"model":"m",` + okMsgs + `,"metadata":{"sim_pace_token_ms":-1}}`,
			"metadata.sim_pace_token_ms", "milliseconds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := envelope(t, post(t, context.Background(), ts.URL, tc.body, nil), http.StatusBadRequest)
			if env.Error.Type != "invalid_request_error" {
				t.Errorf("type = %q", env.Error.Type)
			}
			switch {
			case tc.param == "" && env.Error.Param != nil:
				t.Errorf("param = %q, want null", *env.Error.Param)
			case tc.param != "" && (env.Error.Param == nil || *env.Error.Param != tc.param):
				t.Errorf("param = %v, want %q (message %q)", deref(env.Error.Param), tc.param, env.Error.Message)
			}
			if !strings.Contains(env.Error.Message, tc.msg) {
				t.Errorf("message %q does not mention %q", env.Error.Message, tc.msg)
			}
			if tc.param != "" && !strings.Contains(env.Error.Message, tc.param) {
				t.Errorf("message %q does not name %q", env.Error.Message, tc.param)
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// TestWrongMethod checks the 405 envelopes and Allow headers.
func TestWrongMethod(t *testing.T) {
	ts := serve(t, fast())
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodGet, "/v1/chat/completions", "POST"},
		{http.MethodPut, "/v1/chat/completions", "POST"},
		{http.MethodPost, "/v1/models", "GET, HEAD"},
		{http.MethodDelete, "/health", "GET, HEAD"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
			}
			if env := envelope(t, resp, http.StatusMethodNotAllowed); !strings.Contains(env.Error.Message, tc.method) {
				t.Errorf("%s %s: message %q", tc.method, tc.path, env.Error.Message)
			}
		})
	}
}

// TestBodyTooLarge checks the 32 MiB limit.
func TestBodyTooLarge(t *testing.T) {
	ts := serve(t, fast())
	big := fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":"%s"}]}`, strings.Repeat("a", 33<<20))
	env := envelope(t, post(t, context.Background(), ts.URL, big, nil), http.StatusRequestEntityTooLarge)
	if !strings.Contains(env.Error.Message, "33554432") {
		t.Errorf("message %q does not state the limit", env.Error.Message)
	}
}

// TestUnknownPath checks that unknown routes answer with an envelope.
func TestUnknownPath(t *testing.T) {
	ts := serve(t, fast())
	resp, err := http.Get(ts.URL + "/v1/completions")
	if err != nil {
		t.Fatal(err)
	}
	envelope(t, resp, http.StatusNotFound)
	resp, err = http.Get(ts.URL + "/v1/models/gpt-4o")
	if err != nil {
		t.Fatal(err)
	}
	if env := envelope(t, resp, http.StatusNotFound); deref(env.Error.Param) != "model" {
		t.Errorf("param = %s", deref(env.Error.Param))
	}
}
