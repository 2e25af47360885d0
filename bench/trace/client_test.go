package trace

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

func chatReq(stream bool) wire.ChatRequest {
	r := wire.ChatRequest{Model: "m", Stream: stream, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
	if stream {
		r.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return r
}

func TestErrorClasses(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	cases := []struct {
		name     string
		handler  http.HandlerFunc // nil: use closedURL
		timeout  time.Duration
		ttft     time.Duration
		want     ErrorClass
		wantCode int
	}{
		// Nothing listens: a connect error.
		{"connect", nil, 0, 0, ErrConnect, 0},
		// A status other than 200 keeps its code.
		{"http status", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(429)
			w.Write([]byte(`{"error":{"message":"slow down","type":"rate_limit"}}`))
		}, 0, 0, ErrHTTPStatus, 429},
		// No response headers before the first-token timeout.
		// (The handler reads the body, as real servers do; until it does,
		// net/http cannot notice the client leaving.)
		{"timeout headers", func(w http.ResponseWriter, r *http.Request) { io.ReadAll(r.Body); <-r.Context().Done() },
			10 * time.Second, 100 * time.Millisecond, ErrTimeoutHeaders, 0},
		// Tokens keep coming but the total timeout cuts the stream.
		{"timeout total", func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			for r.Context().Err() == nil {
				f.content("x")
				time.Sleep(5 * time.Millisecond) // the fake clock (synctest)
			}
		}, 150 * time.Millisecond, 10 * time.Second, ErrTimeoutTotal, 0},
		// A non-stream body that is not a completion.
		{"bad json body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"choices": [`))
		}, 0, 0, ErrBadJSON, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(t *testing.T, c *Client) {
				tr := c.Do(context.Background(), chatReq(tc.name != "bad json body"), nil)
				if tr.Err == nil || tr.Err.Class != tc.want || tr.Err.Code != tc.wantCode {
					t.Fatalf("err = %+v, want class %s code %d", tr.Err, tc.want, tc.wantCode)
				}
				if tr.EndNs < 0 {
					t.Fatalf("a failed trace must still be complete: EndNs unset")
				}
			}
			if tc.handler == nil { // a real refused connection
				check(t, &Client{BaseURL: closedURL + "/v1", Timeout: tc.timeout, TTFTTimeout: tc.ttft})
				return
			}
			// The timeouts on a synctest bubble's fake clock, the handler
			// behind an in-memory transport.
			synctest.Test(t, func(t *testing.T) {
				check(t, &Client{BaseURL: "http://target.test/v1", Timeout: tc.timeout, TTFTTimeout: tc.ttft,
					HTTP: &http.Client{Transport: handlerTransport{tc.handler}}})
			})
		})
	}
}

func TestCallerCancelIsNotATimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		frames{w}.role()
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	tr := (&Client{BaseURL: srv.URL + "/v1"}).Do(ctx, chatReq(true), nil)
	if tr.Err == nil || tr.Err.Class != ErrCancelled {
		t.Fatalf("err = %+v, want cancelled", tr.Err)
	}
	if v := Violations(tr, ComputeMetrics(tr), DefaultBudgets()); len(v) != 0 {
		t.Fatalf("a cancelled request is not judged, got %v", v)
	}
}

func TestAPIKeyAndHeadersSent(t *testing.T) {
	var auth, custom string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, custom = r.Header.Get("Authorization"), r.Header.Get("X-Team")
		sseHeaders(w)
		f := frames{w}
		hello(f)
		f.usage(2)
		f.done()
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/v1", APIKey: "sk-secret", Header: http.Header{"X-Team": {"blue"}}}
	tr := c.Do(context.Background(), chatReq(true), nil)
	if tr.Err != nil || tr.Content != "Hello world" {
		t.Fatalf("trace: %+v", tr.Err)
	}
	if auth != "Bearer sk-secret" || custom != "blue" {
		t.Fatalf("server saw Authorization %q, X-Team %q", auth, custom)
	}
}
