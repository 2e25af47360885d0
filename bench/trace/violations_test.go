package trace

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// frames is a tiny SSE script a test server plays.
type frames struct {
	w http.ResponseWriter
}

func (f frames) raw(s string) {
	fmt.Fprint(f.w, s)
	f.w.(http.Flusher).Flush()
}
func (f frames) content(s string) {
	f.raw(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":` + quote(s) + `},"finish_reason":null}]}` + "\n\n")
}
func (f frames) role() {
	f.raw(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}` + "\n\n")
}
func (f frames) finish(reason string) {
	f.raw(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"` + reason + `"}]}` + "\n\n")
}
func (f frames) usage(completion int) {
	f.raw(fmt.Sprintf(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":%d,"total_tokens":%d,"cost_usd":0.0001}}`+"\n\n", completion, completion+5))
}
func (f frames) done() { f.raw("data: [DONE]\n\n") }

func quote(s string) string { return fmt.Sprintf("%q", s) }

// hello streams "Hello world" as two tokens (2 cl100k tokens).
func hello(f frames) { f.role(); f.content("Hello"); f.content(" world"); f.finish("stop") }

func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
}

func TestViolations(t *testing.T) {
	fast := Budgets{TTFTMs: 2000, GapMs: 2000}
	cases := []struct {
		name    string
		budgets Budgets
		ttftTO  time.Duration
		handler func(w http.ResponseWriter, r *http.Request)
		want    []string
	}{
		// A plain, correct stream: nothing fires.
		{"clean", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.usage(2)
			f.done()
		}, nil},
		// Keep-alive comments are fine and are not tokens.
		{"clean keepalives", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.raw(": ping\n\n")
			f.role()
			f.raw(": ping\n\n")
			f.content("Hello")
			f.raw(":\n\n")
			f.content(" world")
			f.finish("stop")
			f.usage(2)
			f.done()
		}, nil},
		// CRLF framing is legal SSE.
		{"clean crlf", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.raw("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello world\"}}]}\r\n\r\n")
			f.usage(2)
			f.raw("data: [DONE]\r\n\r\n")
		}, nil},
		// A tool call with no content is an answer, not an empty stream.
		{"clean tool call", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			f.raw(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}` + "\n\n")
			f.raw(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Berlin\"}"}}]}}]}` + "\n\n")
			f.finish("tool_calls")
			f.usage(8)
			f.done()
		}, nil},
		// Reasoning first, then content, is the Janus way.
		{"clean reasoning", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.raw(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning_content":"thinking"}}]}` + "\n\n")
			f.content("Hello world")
			f.usage(3)
			f.done()
		}, nil},
		// A long silence bridged by keep-alives meets the gap budget.
		{"clean silence bridged by keepalives", Budgets{TTFTMs: 5000, GapMs: 400}, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			f.content("Hello")
			for i := 0; i < 30; i++ {
				// On the fake clock: the cases run in a synctest bubble.
				time.Sleep(20 * time.Millisecond)
				f.raw(": ping\n\n")
			}
			f.content(" world")
			f.usage(2)
			f.done()
		}, nil},
		// The first token comes after the TTFT budget.
		{"ttft over budget", Budgets{TTFTMs: 50, GapMs: 10000}, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			// On the fake clock: the cases run in a synctest bubble.
			time.Sleep(150 * time.Millisecond)
			f.content("Hello world")
			f.usage(2)
			f.done()
		}, []string{VTTFTOver}},
		// A silent stall between tokens.
		{"gap over budget", Budgets{TTFTMs: 10000, GapMs: 50}, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.content("Hello")
			// On the fake clock: the cases run in a synctest bubble.
			time.Sleep(150 * time.Millisecond)
			f.content(" world")
			f.usage(2)
			f.done()
		}, []string{VGapOver}},
		// No terminator.
		{"missing done", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.usage(2)
		}, []string{VMissingDone}},
		// include_usage was asked for and ignored.
		{"missing usage", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.done()
		}, []string{VMissingUsage}},
		// The reported completion tokens are far from what was sent.
		{"usage mismatch", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.usage(100)
			f.done()
		}, []string{VUsageMismatch}},
		// A data event that is not JSON.
		{"bad json", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw("data: {\"choices\": [\n\n")
			f.usage(2)
			f.done()
		}, []string{VBadJSON}},
		// An error object after the stream started.
		{"midstream error", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw(`data: {"error":{"message":"upstream exploded","type":"server_error","param":null,"code":null}}` + "\n\n")
			f.usage(2)
			f.done()
		}, []string{VMidstream}},
		// An HTTP error status.
		{"http error", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			fmt.Fprint(w, `{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}`)
		}, []string{VHTTPError}},
		// SSE bytes under the wrong media type.
		{"content type", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(200)
			f := frames{w}
			hello(f)
			f.usage(2)
			f.done()
		}, []string{VContentType}},
		// stream:true answered with one JSON completion: scored, but flagged.
		{"content type json body", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello world"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`)
		}, []string{VContentType}},
		// A target that stalls forever is cut at the first-token timeout.
		{"timeout", fast, 100 * time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			frames{w}.role()
			<-r.Context().Done()
		}, []string{VTimeout}},
		// A well-formed stream with nothing in it.
		{"empty stream", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			f.finish("stop")
			f.usage(0)
			f.done()
		}, []string{VEmptyStream}},
		// Anything after [DONE].
		{"data after done", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.usage(2)
			f.done()
			f.content("!")
		}, []string{VDataAfterDone}},
		// The connection dies inside an event.
		{"stream aborted", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw(`data: {"id":"c","obj`)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}, []string{VStreamAborted}},
		// The size caps (Limits below): one root cause, reported alone.
		{"event too large", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			for range 50 {
				f.raw("data: " + strings.Repeat("x", 100) + "\n")
			}
		}, []string{VEventTooLarge}},
		{"stream too large", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			for range 2000 {
				f.raw("data: {}\n\n")
			}
		}, []string{VStreamTooLarge}},
		{"events past the cap", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			for range 50 {
				f.raw(": ping\n\n")
			}
			f.usage(2)
			f.done()
		}, []string{VStreamTooLarge}},
		{"body too large", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":%q}}]}`, strings.Repeat("y", 10000))
		}, []string{VContentType, VBodyTooLarge}},
		{"redirect off the target", fast, 0, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:9/v1/chat/completions", http.StatusTemporaryRedirect)
		}, []string{VRedirect}},
	}
	// Tight caps for the size-cap cases; everything else runs with the
	// defaults.
	caps := map[string]Limits{"event too large": {EventBytes: 2000}, "stream too large": {StreamBytes: 8000},
		"events past the cap": {Events: 10}, "body too large": {BodyBytes: 4096}}
	fired := map[string]bool{}
	for _, tc := range cases {
		// In a synctest bubble, the handler behind an in-memory transport:
		// the budgets' stalls and keep-alives run on the fake clock, so a
		// loaded machine cannot stretch a gap past a budget.
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := &Client{BaseURL: "http://target.test/v1", TTFTTimeout: tc.ttftTO, Timeout: 10 * time.Second, DoneGrace: 50 * time.Millisecond,
					Limits: caps[tc.name], HTTP: &http.Client{Transport: handlerTransport{http.HandlerFunc(tc.handler)}}}
				req := wire.ChatRequest{Model: "m", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
					Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
				tr := c.Do(context.Background(), req, nil)
				m := ComputeMetrics(tr)
				var got []string
				for _, v := range Violations(tr, m, tc.budgets) {
					got = append(got, v.Code)
					fired[v.Code] = true
				}
				want := append([]string(nil), tc.want...)
				sort.Strings(got)
				sort.Strings(want)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("violations = %v, want %v (err %v, content %q)", got, want, tr.Err, tr.Content)
				}
			})
		})
	}
	for _, code := range ViolationCodes {
		if !fired[code] {
			t.Errorf("violation %s fired on no case", code)
		}
	}
}
