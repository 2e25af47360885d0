package memory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/memory"
	"github.com/janus-bench/janus/suites"
)

// simLLM starts the baseline sim on loopback: it answers the extraction
// call and /v1/embeddings deterministically. It returns the base URL
// ending in /v1.
func simLLM(t testing.TB) string {
	t.Helper()
	u, stop, err := baseline.Start(context.Background(), "127.0.0.1:0",
		baseline.Config{Pace: baseline.Unpaced(), Suites: []*suites.Suite{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop(context.Background()) })
	return u
}

// startService runs a memory service over HTTP with cfg (DSN and LLM
// filled in by the caller).
func startService(t testing.TB, cfg memory.Config) string {
	t.Helper()
	s, err := memory.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	return srv.URL
}

// call sends a request and decodes the JSON answer into out (if not nil);
// it returns the status and the raw body.
func call(t testing.TB, method, u string, body any, out any, hdr ...string) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, u, data, err)
		}
	}
	return resp.StatusCode, string(data)
}

// errParam is the param of an OpenAI error envelope.
func errParam(t testing.TB, body string) string {
	t.Helper()
	var env struct {
		Error struct {
			Param *string `json:"param"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("not an error envelope: %s", body)
	}
	if env.Error.Param == nil {
		return ""
	}
	return *env.Error.Param
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}
