package conform

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/trace"
)

// msNs converts milliseconds to the nanosecond offsets traces use.
func msNs(v float64) int64 { return int64(v * float64(time.Millisecond)) }

// timedExchange is a streamed exchange that started at start+offset and was
// sent at once, with its first token and [DONE] at the given offsets (ms).
func timedExchange(name string, start time.Time, offset, firstTok, done float64, status int) *exchange {
	tr := &trace.Trace{Start: start.Add(time.Duration(msNs(offset))), Stream: true, Status: status,
		SentNs: 0, FirstTokenNs: msNs(firstTok), DoneNs: msNs(done), EndNs: msNs(done)}
	if firstTok < 0 {
		tr.FirstTokenNs = -1
	}
	return &exchange{name: name, tr: tr, m: trace.ComputeMetrics(tr)}
}

func TestCheckConcurrency(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1700000000, 0)
	cases := []struct {
		name string
		// solo is the sequential stream's time to first token (ms).
		solo float64
		a, b *exchange
		want Status
		say  string
	}{
		// Both stream at once.
		{"overlap", 150,
			timedExchange(exConcurrent1, t0, 0, 150, 900, 200), timedExchange(exConcurrent2, t0, 1, 152, 905, 200),
			Pass, "at once for"},
		// The second waits for the whole first stream.
		{"queued", 150,
			timedExchange(exConcurrent1, t0, 0, 150, 900, 200), timedExchange(exConcurrent2, t0, 1, 1050, 1800, 200),
			Fail, "one at a time"},
		// The same queueing seen from the other side: the second request's
		// stream comes first.
		{"queued, reversed", 150,
			timedExchange(exConcurrent1, t0, 1, 1050, 1800, 200), timedExchange(exConcurrent2, t0, 0, 150, 900, 200),
			Fail, "concurrent_1's first token came at 1051 ms, after concurrent_2 had ended at 900 ms"},
		// An instant server: one-millisecond streams cannot overlap, which
		// proves nothing.
		{"instant", 1,
			timedExchange(exConcurrent1, t0, 0, 0.5, 1, 200), timedExchange(exConcurrent2, t0, 0.2, 1.5, 2, 200),
			Skip, "inconclusive"},
		// One of the pair refused (a concurrency limit of one).
		{"second refused", 150,
			timedExchange(exConcurrent1, t0, 0, 150, 900, 200), timedExchange(exConcurrent2, t0, 0, -1, 5, http.StatusTooManyRequests),
			Fail, "HTTP 429"},
		// One of the pair never produced a token.
		{"no token", 150,
			timedExchange(exConcurrent1, t0, 0, 150, 900, 200), timedExchange(exConcurrent2, t0, 0, -1, 900, 200),
			Fail, "concurrent_2: no token arrived"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			solo := timedExchange(exStream, t0, 0, tc.solo, tc.solo+500, 200)
			ev := &evidence{chat: map[string]*exchange{exStream: solo, exConcurrent1: tc.a, exConcurrent2: tc.b}}
			v := checkConcurrency(ev)
			if v.status != tc.want || !strings.Contains(v.evidence, tc.say) {
				t.Fatalf("%s %q, want %s naming %q", v.status, v.evidence, tc.want, tc.say)
			}
		})
	}
}

func TestChunkShape(t *testing.T) {
	t.Parallel()
	const ok = `"id":"c","object":"chat.completion.chunk","created":1,"model":"m"`
	cases := []struct {
		name string
		data string
		say  string // "" means the chunk is well-formed
	}{
		// A plain content chunk.
		{"content", `{` + ok + `,"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}`, ""},
		// The usage chunk: empty choices are fine when usage is set.
		{"usage chunk", `{` + ok + `,"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, ""},
		// A keep-alive sent as data instead of a comment.
		{"ping as data", `ping`, "not JSON"},
		// Two JSON values in one event.
		{"two values", `{` + ok + `,"choices":[]} {}`, "data after the value"},
		// An array instead of an object.
		{"array", `[1]`, "$: want an object, got an array"},
		// A mid-stream error object.
		{"error object", `{"error":{"message":"overloaded","type":"server_error"}}`, `$.error: an error object in the stream: "overloaded"`},
		// An empty id.
		{"empty id", `{"id":"","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}`, "$.id: empty string"},
		// A fractional timestamp.
		{"created fractional", `{"id":"c","object":"chat.completion.chunk","created":1.5,"model":"m","choices":[]}`, "$.created: want an integer, got 1.5"},
		// A chunk with no choices and nothing else.
		{"empty choices without usage", `{` + ok + `,"choices":[]}`, "$.choices: empty in a chunk without usage"},
		// A choice without its index.
		{"choice without index", `{` + ok + `,"choices":[{"delta":{}}]}`, "$.choices[0].index: missing"},
		// Content that is not a string.
		{"content is a number", `{` + ok + `,"choices":[{"index":0,"delta":{"content":5}}]}`, "$.choices[0].delta.content: want a string or null, got the number 5"},
		// A finish reason that is not a string.
		{"finish_reason is a boolean", `{` + ok + `,"choices":[{"index":0,"delta":{},"finish_reason":true}]}`, "$.choices[0].finish_reason: want a string or null, got a boolean"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := chunkShape([]byte(tc.data))
			switch {
			case tc.say == "" && err != nil:
				t.Fatalf("well-formed chunk rejected: %v", err)
			case tc.say != "" && (err == nil || !strings.Contains(err.Error(), tc.say)):
				t.Fatalf("error %v, want one naming %q", err, tc.say)
			}
		})
	}
}

func TestArtifactsShape(t *testing.T) {
	t.Parallel()
	good := `{"id":"a","type":"image","url":"https://x.test/a.png","mime_type":"image/png","size_bytes":3,"sha256":"` + strings.Repeat("0f", 32) + `"}`
	cases := []struct {
		name string
		json string
		say  string // "" means well-formed
	}{
		// A full descriptor.
		{"full", `[` + good + `]`, ""},
		// A path on the target, as the gateway serves artifacts.
		{"absolute path", `[{"id":"a","type":"file","url":"/v1/artifacts/a"}]`, ""},
		// Inline data.
		{"data URL", `[{"id":"a","type":"image","url":"data:image/png;base64,AAAA"}]`, ""},
		// An object where an array belongs.
		{"not an array", good, "want an array, got an object"},
		// A relative URL nobody can resolve.
		{"relative url", `[{"id":"a","type":"image","url":"a.png"}]`, `"a.png" is not an http(s) or data URL`},
		// A file:// URL on the competitor's disk.
		{"file url", `[{"id":"a","type":"image","url":"file:///tmp/a.png"}]`, "is not an http(s) or data URL"},
		// A MIME type that does not parse.
		{"bad mime", `[{"id":"a","type":"image","url":"https://x.test/a","mime_type":"image/"}]`, "mime_type"},
		// A negative size.
		{"negative size", `[{"id":"a","type":"image","url":"https://x.test/a","size_bytes":-1}]`, "size_bytes: negative"},
		// No type.
		{"no type", `[{"id":"a","url":"https://x.test/a"}]`, "[0].type: missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := decodeJSON([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			_, err = artifactsShape(v, "$.artifacts")
			switch {
			case tc.say == "" && err != nil:
				t.Fatalf("well-formed artifacts rejected: %v", err)
			case tc.say != "" && (err == nil || !strings.Contains(err.Error(), tc.say)):
				t.Fatalf("error %v, want one naming %q", err, tc.say)
			}
		})
	}
}
