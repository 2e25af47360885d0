package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/tokens"
)

// lateError is the OpenAI error object a competitor answers late with; it
// must reach the client byte for byte.
const lateError = `{"message":"The model 'nope' does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}`

// TestStreamEndings drives every way a relayed stream can end badly with a
// fake competitor on loopback and checks the bytes the client gets: the
// error event (status and error object), a finish chunk, the usage chunk
// when it was asked for (marked estimated), then [DONE], and the status
// trailer.
func TestStreamEndings(t *testing.T) {
	cases := []struct {
		name string
		// up answers the competitor's request; pinged is closed once the
		// client has seen a keep-alive.
		up         func(w http.ResponseWriter, r *http.Request, pinged <-chan struct{})
		status     int    // the error event's status (0: no gateway error event)
		code       string // the error object's code ("" for the verbatim case)
		verbatim   string // the error object, byte for byte, when it is the competitor's
		finish     string
		partial    string // content relayed before the end
		ownErr     bool   // the competitor sent its own error event
		sendsUsage bool   // the competitor sent usage itself
	}{
		{name: "late 404 after keep-alives", up: func(w http.ResponseWriter, r *http.Request, pinged <-chan struct{}) {
			<-pinged
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":`+lateError+`}`)
		}, status: 404, verbatim: lateError, finish: "error"},
		{name: "late 500 not json", up: func(w http.ResponseWriter, r *http.Request, pinged <-chan struct{}) {
			<-pinged
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "boom")
		}, status: 500, code: "upstream_error", finish: "error"},
		{name: "stalled until the stream timeout", up: func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
			sseHeaders(w)
			send(w, chunk("partial"))
			<-r.Context().Done()
		}, status: 504, code: "stream_timeout", finish: "length", partial: "partial"},
		{name: "reset", up: func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
			sseHeaders(w)
			send(w, chunk("partial"))
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		}, status: 502, code: "upstream_error", finish: "error", partial: "partial"},
		{name: "no [DONE]", up: func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
			sseHeaders(w)
			send(w, chunk("partial"))
		}, status: 502, code: "upstream_incomplete", finish: "error", partial: "partial"},
		{name: "finish and usage sent, then no [DONE]", up: func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
			sseHeaders(w)
			send(w, chunk("partial"))
			send(w, `data: {"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n")
			send(w, `data: {"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}`+"\n\n")
		}, status: 502, code: "upstream_incomplete", finish: "", partial: "partial", sendsUsage: true},
		{name: "own error event, no [DONE]", up: func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
			sseHeaders(w)
			send(w, chunk("partial"))
			send(w, `data: {"error":{"message":"model crashed","type":"server_error"}}`+"\n\n")
		}, finish: "error", partial: "partial", ownErr: true},
	}
	for _, tc := range cases {
		for _, usage := range []bool{false, true} {
			name := tc.name
			if usage {
				name += " with include_usage"
			}
			t.Run(name, func(t *testing.T) {
				pinged := make(chan struct{})
				up := newUpstream(t, nil, func(w http.ResponseWriter, r *http.Request) { tc.up(w, r, pinged) })
				gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"},
					KeepAlive: 20 * time.Millisecond, StreamTimeout: 300 * time.Millisecond})
				extra := ""
				if usage {
					extra = `"stream_options":{"include_usage":true}`
				}
				resp := post(t, context.Background(), gw.URL, chatBody("m", true, extra), map[string]string{"X-Request-Id": "req1"})
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200 (the stream had started)", resp.StatusCode)
				}
				raw := readUntilPing(t, resp.Body, pinged)
				events := splitEvents([]byte(raw))
				checkEnding(t, events, tc.status, tc.code, tc.verbatim, tc.finish, usage && !tc.sendsUsage, tc.partial, tc.ownErr)
				if got := resp.Trailer.Get(HeaderStatus); tc.status != 0 && got != itoa(tc.status) {
					t.Errorf("trailer %s = %q, want %d", HeaderStatus, got, tc.status)
				}
			})
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// readUntilPing reads the whole stream, closing pinged at the first
// keep-alive so that a competitor can fail "after keep-alives have
// started".
func readUntilPing(t *testing.T, body io.Reader, pinged chan struct{}) string {
	t.Helper()
	br := bufio.NewReader(body)
	var sb strings.Builder
	closed := false
	for {
		line, err := br.ReadString('\n')
		sb.WriteString(line)
		if !closed && strings.HasPrefix(line, ": ping") {
			close(pinged)
			closed = true
		}
		if err != nil {
			if err != io.EOF {
				t.Fatalf("read stream: %v", err)
			}
			if !closed {
				close(pinged)
			}
			return sb.String()
		}
	}
}

// checkEnding asserts the closing frames of a stream.
func checkEnding(t *testing.T, events []string, status int, code, verbatim, finish string, estUsage bool, partial string, ownErr bool) {
	t.Helper()
	var data []string
	for _, e := range events {
		if strings.HasPrefix(e, "data: ") {
			data = append(data, strings.TrimPrefix(e, "data: "))
		}
	}
	dump := strings.Join(events, "\n\n")
	if len(data) == 0 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("the stream does not end with [DONE]:\n%s", dump)
	}
	data = data[:len(data)-1]
	if estUsage {
		var u struct {
			Choices []any `json:"choices"`
			Usage   struct {
				Prompt     int  `json:"prompt_tokens"`
				Completion int  `json:"completion_tokens"`
				Total      int  `json:"total_tokens"`
				Estimated  bool `json:"estimated"`
			} `json:"usage"`
		}
		last := data[len(data)-1]
		if err := json.Unmarshal([]byte(last), &u); err != nil || !u.Usage.Estimated || u.Choices == nil || len(u.Choices) != 0 {
			t.Fatalf("last chunk before [DONE] is not an estimated usage chunk: %s (%v)", last, err)
		}
		wantC, wantP := tokens.Count(partial), tokens.Count("hello there")
		if u.Usage.Completion != wantC || u.Usage.Prompt != wantP || u.Usage.Total != wantC+wantP {
			t.Errorf("usage %+v, want %d+%d", u.Usage, wantP, wantC)
		}
		data = data[:len(data)-1]
	} else if strings.Contains(data[len(data)-1], `"estimated"`) {
		t.Errorf("estimated usage without include_usage (or with the competitor's own): %s", dump)
	}
	if finish != "" {
		last := data[len(data)-1]
		if !strings.Contains(last, `"choices":[{"index":0,"delta":{},"finish_reason":"`+finish+`"}]`) {
			t.Fatalf("no finish_reason %q chunk before the usage and [DONE]: %s\n%s", finish, last, dump)
		}
		data = data[:len(data)-1]
	}
	if strings.Count(dump, `"finish_reason":"`) != 1 {
		t.Errorf("want exactly one finish_reason in the stream:\n%s", dump)
	}
	if ownErr {
		if strings.Count(dump, `"error":{`) != 1 {
			t.Errorf("the gateway added an error event to the competitor's:\n%s", dump)
		}
		return
	}
	var ev struct {
		Object string          `json:"object"`
		Error  json.RawMessage `json:"error"`
		Status int             `json:"status"`
	}
	last := data[len(data)-1]
	if err := json.Unmarshal([]byte(last), &ev); err != nil || ev.Error == nil {
		t.Fatalf("no error event before the closing chunks: %s (%v)\n%s", last, err, dump)
	}
	if ev.Status != status || ev.Object != "chat.completion.chunk" {
		t.Errorf("error event status %d object %q, want %d: %s", ev.Status, ev.Object, status, last)
	}
	if verbatim != "" && string(ev.Error) != verbatim {
		t.Errorf("error object\n%s\nwant the competitor's, byte for byte:\n%s", ev.Error, verbatim)
	}
	if code != "" && !strings.Contains(string(ev.Error), `"code":"`+code+`"`) {
		t.Errorf("error object %s, want code %s", ev.Error, code)
	}
}

// FuzzHasFinishReason checks the byte scan against a decode: for chunks
// without escapes, whose only "finish_reason" keys are the choices', the
// scan says exactly whether a choice set a non-empty finish reason.
func FuzzHasFinishReason(f *testing.F) {
	for _, s := range []string{
		`{"choices":[{"index":0,"delta":{},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason" : "length"}]}`,
		`{"choices":[{"index":0,"finish_reason":""}]}`,
		`{"choices":[{"finish_reason":null},{"finish_reason":"tool_calls"}]}`,
		`{"finish_reason"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := hasFinishReason(data)
		if strings.ContainsRune(string(data), '\\') {
			return
		}
		var ch struct {
			Choices []map[string]any `json:"choices"`
		}
		if json.Unmarshal(data, &ch) != nil {
			return
		}
		keys := strings.Count(string(data), `"finish_reason"`)
		want, n := false, 0
		for _, c := range ch.Choices {
			v, ok := c["finish_reason"]
			if ok {
				n++
			}
			if s, isStr := v.(string); isStr && s != "" {
				want = true
			}
		}
		if n != keys {
			return // the key also appears elsewhere (a value, another member)
		}
		if got != want {
			t.Fatalf("hasFinishReason(%s) = %v, want %v", data, got, want)
		}
	})
}

// TestIdentityAsEager: the identity found from payloads kept undecoded
// (keepHead) is the one decoding each payload as it came finds: the
// first that decodes with an id, also past the bounds on kept payloads
// and after identity was asked for mid-stream.
func TestIdentityAsEager(t *testing.T) {
	noID := `{"object":"chat.completion.chunk","choices":[]}`
	withID := func(id string) string { return `{"id":"` + id + `","model":"m-` + id + `","created":7}` }
	var many []string
	for range 12 {
		many = append(many, noID)
	}
	rows := map[string][]string{
		"first has it":        {withID("a"), withID("b")},
		"later has it":        {noID, "not json", `{"id":""}`, withID("c"), withID("d")},
		"type error skipped":  {`{"id":"e","created":"x"}`, withID("f")},
		"case-folded last":    {`{"id":"g","ID":"h"}`, withID("i")},
		"past the count":      append(append([]string{}, many...), withID("j"), withID("k")),
		"past the bytes":      {`{"pad":"` + strings.Repeat("x", maxKeptHeadBytes) + `"}`, noID, withID("l")},
		"none has it":         {noID, noID},
		"no payload":          {},
		"big one with the id": {`{"id":"m","pad":"` + strings.Repeat("x", maxKeptHeadBytes) + `"}`, withID("n")},
	}
	for name, payloads := range rows {
		t.Run(name, func(t *testing.T) {
			for round := range 2 { // the second round reuses pooled buffers
				eager := newStreamState(chatreq.Head{Model: "req-model"}, nil, "rid")
				lazy := newStreamState(chatreq.Head{Model: "req-model"}, nil, "rid")
				for i, p := range payloads {
					if !eager.sawHead {
						eager.decodeHead([]byte(p))
					}
					lazy.observe([]byte(p))
					if i == len(payloads)/2 {
						if id, _, _ := lazy.identity(); id != identityOf(eager) {
							t.Fatalf("round %d, mid-stream: id %q, eager %q", round, id, identityOf(eager))
						}
					}
				}
				id, model, crt := lazy.identity()
				eid, emodel, ecrt := eager.identity()
				if id != eid || model != emodel || (eager.created != 0 && crt != ecrt) {
					t.Fatalf("round %d: identity %q %q %d, eager %q %q %d", round, id, model, crt, eid, emodel, ecrt)
				}
				lazy.release()
				eager.release()
			}
		})
	}
}

// identityOf is st's id as identity gives it.
func identityOf(st *streamState) string {
	id, _, _ := st.identity()
	return id
}
