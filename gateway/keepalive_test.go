package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
)

// openaiGoV112 replays how openai-go v1.12.0 (the module this project
// pinned before v3) reads an event stream, for the keep-alive test: v1.12
// is no longer in go.mod, and its rule is a dozen lines, quoted here from
// packages/ssestream/ssestream.go (eventStreamDecoder.Next, Stream.Next).
// Lines are split as bufio.ScanLines does; every empty line dispatches an
// event, whatever data it gathered; a line starting with ":" is skipped;
// data lines are joined with "\n"; an event whose data starts with [DONE]
// ends the stream (the rest is read and ignored); any other event's data is
// json.Unmarshal'ed, and the first failure ends the stream with that
// error. An empty event therefore fails with "unexpected end of JSON
// input". v3 dispatches only events that have data, which is why it
// survives ": ping\n\n" and v1.12 does not. It returns the events decoded.
func openaiGoV112(body []byte) (int, error) {
	scn := bufio.NewScanner(bytes.NewReader(body))
	scn.Buffer(nil, bufio.MaxScanTokenSize<<9)
	var data []byte
	events, done := 0, false
	for scn.Scan() {
		line := scn.Bytes()
		if len(line) == 0 {
			d := data
			data = nil
			if done || bytes.HasPrefix(d, []byte("[DONE]")) {
				done = true
				continue
			}
			var v any
			if err := json.Unmarshal(d, &v); err != nil {
				return events, err
			}
			events++
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		if string(name) == "data" {
			data = append(append(data, value...), '\n')
		}
	}
	return events, scn.Err()
}

// TestOpenAIGoV112Rule pins the replayed rule on hand-made streams: the
// contract's ping kills a v1.12 stream, a bare comment line does not.
func TestOpenAIGoV112Rule(t *testing.T) {
	ev := `data: {"choices":[]}` + "\n\n"
	cases := []struct {
		name, body string
		events     int
		fails      bool
	}{
		{"no pings", ev + ev + "data: [DONE]\n\n", 2, false},
		{"contract ping", ev + ": ping\n\n" + ev + "data: [DONE]\n\n", 1, true},
		{"crlf ping", ev + ": ping\r\n\r\n" + ev + "data: [DONE]\n\n", 1, true},
		{"line-only ping", ev + ": ping\n" + ev + "data: [DONE]\n\n", 2, false},
		{"line-only pings in a row", ": ping\n: ping\n" + ev + ": ping\n" + ev + "data: [DONE]\n\n", 2, false},
		{"comment after done", ev + "data: [DONE]\n\n: ping\n\n", 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := openaiGoV112([]byte(tc.body))
			if n != tc.events || (err != nil) != tc.fails {
				t.Fatalf("%d events, err %v; want %d events, failure %v", n, err, tc.events, tc.fails)
			}
			if tc.fails && err.Error() != "unexpected end of JSON input" {
				t.Errorf("err %q, want v1.12's \"unexpected end of JSON input\"", err)
			}
		})
	}
}

// TestKeepAliveLineOnly streams through the baseline alone and through
// gateway+baseline, with the baseline's pings relayed and with the
// gateway's own, on both keep-alive settings. On each it checks the bytes
// a client gets (a ": ping\n\n" block, or only bare ": ping\n" lines),
// that the replayed v1.12 rule fails on the first and reads the second
// through, that the current openai-go streams the answer on both, and that
// janus's own trace counts the pings either way.
func TestKeepAliveLineOnly(t *testing.T) {
	cases := []struct {
		name string
		// via: "" the baseline alone, "relay" the gateway in front of it,
		// "own" the gateway in front of a silent upstream.
		via            string
		gwLine, blLine bool
	}{
		{"baseline", "", false, false},
		{"baseline line-only", "", false, true},
		{"gateway relays baseline pings", "relay", false, false},
		{"gateway line-only rewrites baseline pings", "relay", true, false},
		{"gateway and baseline line-only", "relay", true, true},
		{"gateway pings", "own", false, false},
		{"gateway line-only pings", "own", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, model := keepAliveTarget(t, tc.via, tc.gwLine, tc.blLine)
			lineOnly := tc.blLine
			if tc.via != "" {
				lineOnly = tc.gwLine
			}
			checkPingBytes(t, base, model, lineOnly)
			checkCurrentSDK(t, base, model)
			tr := traceClient(base).Do(context.Background(), streamReqFor(model), nil)
			if m := trace.ComputeMetrics(tr); tr.Err != nil || m.Keepalives < 1 || tr.Content == "" {
				t.Errorf("harness: err %v, %d keep-alives, content %q", tr.Err, m.Keepalives, tr.Content)
			}
		})
	}
}

// keepAliveTarget starts what a keep-alive case streams from and returns
// its base URL (ending in /v1) and model. The waits are real: the gateway
// relays over loopback TCP, which a synctest bubble cannot host.
func keepAliveTarget(t *testing.T, via string, gwLine, blLine bool) (string, string) {
	if via == "own" {
		up := janusUpstream(t, "", 450*time.Millisecond)
		gw := startGateway(t, Options{Competitors: []string{"j=" + up.URL + ",default"},
			KeepAlive: 100 * time.Millisecond, KeepAliveLineOnly: gwLine})
		return gw.URL, "janus-m"
	}
	bl := startBaseline(t, baseline.Config{Pace: baseline.Pace{TTFT: 450 * time.Millisecond, PerToken: time.Millisecond},
		KeepAlive: 100 * time.Millisecond, KeepAliveLineOnly: blLine})
	if via == "" {
		return bl + "/v1", baseline.DefaultModel
	}
	// The gateway's own period is longer than the baseline's, so every
	// ping the client gets is a relayed one.
	gw := startGateway(t, Options{Competitors: []string{"b=" + bl + ",default"},
		KeepAlive: 5 * time.Second, KeepAliveLineOnly: gwLine})
	return gw.URL, baseline.DefaultModel
}

// checkPingBytes reads one stream raw and checks its keep-alive framing
// against the replayed v1.12 rule.
func checkPingBytes(t *testing.T, base, model string, lineOnly bool) {
	t.Helper()
	resp := post(t, context.Background(), base, chatBody(model, true, ""), nil)
	body := string(readAll(t, resp))
	pings := strings.Count(body, ": ping\n")
	blocks := strings.Count(body, ": ping\n\n")
	_, err := openaiGoV112([]byte(body))
	switch {
	case pings == 0:
		t.Fatalf("no keep-alive in the stream: %q", body)
	case lineOnly && (blocks > 0 || err != nil):
		t.Errorf("line-only: %d of %d pings end a frame; v1.12 rule: %v; body begins %q", blocks, pings, err, body[:min(len(body), 300)])
	case !lineOnly && (blocks != pings || err == nil):
		t.Errorf("contract pings: %d of %d end a frame; v1.12 rule: %v (want it to fail)", blocks, pings, err)
	}
}

// checkCurrentSDK streams one answer with the current openai-go.
func checkCurrentSDK(t *testing.T, base, model string) {
	t.Helper()
	client := oai.NewClient(option.WithBaseURL(base+"/"), option.WithAPIKey("k"), option.WithMaxRetries(0))
	st := client.Chat.Completions.NewStreaming(context.Background(), oai.ChatCompletionNewParams{Model: model,
		Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage("hello there")}})
	defer st.Close()
	var acc oai.ChatCompletionAccumulator
	for st.Next() {
		acc.AddChunk(st.Current())
	}
	if err := st.Err(); err != nil || len(acc.Choices) == 0 || acc.Choices[0].Message.Content == "" {
		t.Errorf("openai-go v3: err %v, choices %+v", err, acc.Choices)
	}
}

// streamReqFor is streamReq for another model.
func streamReqFor(model string) wire.ChatRequest {
	r := streamReq(false)
	r.Model = model
	return r
}

// TestLineOnlyPings checks the rewrite of relayed frames: comment-only
// blocks become one bare ": ping\n", the "\n" left of a CRLF whose "\r"
// ended a rewritten block goes too, and everything else passes unchanged.
func TestLineOnlyPings(t *testing.T) {
	ping := string(pingLineFrame)
	cases := []struct {
		name   string
		frames []string
		want   string
	}{
		{"ping", []string{": ping\n\n"}, ping},
		{"two comment lines", []string{": OPENROUTER PROCESSING\n:\n\n"}, ping},
		{"crlf ping", []string{": ping\r\n\r\n"}, ping},
		{"split crlf ping", []string{": ping\r\n\r", "\n", "data: x\n\n"}, ping + "data: x\n\n"},
		{"cr ping then event", []string{": ping\r\r", "data: x\r\r", "\n"}, ping + "data: x\r\r\n"},
		{"event", []string{"data: x\n\n"}, "data: x\n\n"},
		{"event after a comment line", []string{": c\ndata: x\n\n"}, ": c\ndata: x\n\n"},
		{"event field only", []string{"event: e\n\n"}, "event: e\n\n"},
		{"blank frame", []string{"\n"}, "\n"},
		{"lf after an event's cr", []string{"data: x\r\n\r", "\n"}, "data: x\r\n\r\n"},
	}
	t.Run("off", func(t *testing.T) {
		off := newLineOnlyPings(false)
		if got := off.rewrite([]byte(": ping\n\n"), false); string(got) != ": ping\n\n" {
			t.Errorf("off: relayed %q", got)
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l lineOnlyPings
			var got strings.Builder
			for _, f := range tc.frames {
				_, isEvent := frameData([]byte(f), new([]byte))
				got.Write(l.rewrite([]byte(f), isEvent))
			}
			if got.String() != tc.want {
				t.Errorf("relayed %q, want %q", got.String(), tc.want)
			}
		})
	}
}

// FuzzLineOnlyPings checks the rewrite against the framer on any bytes: a
// frame is either relayed unchanged, dropped only as the rest of a
// rewritten CRLF, or replaced by the bare ping when it holds nothing but
// comment lines; no data line is ever lost.
func FuzzLineOnlyPings(f *testing.F) {
	for _, s := range []string{": ping\n\n", ": ping\r\n\r\ndata: x\n\n", ": a\n:b\r\r\n", "data: x\n\n: c\n\n", "event: e\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := newFramer(bytes.NewReader(b), 16, 1<<16)
		var l lineOnlyPings
		var in, out int // data lines in and out
		for {
			frame, err := fr.next()
			if err != nil {
				break
			}
			_, isEvent := frameData(frame, new([]byte))
			got := l.rewrite(frame, isEvent)
			switch {
			case got == nil && string(frame) != "\n":
				t.Fatalf("dropped %q", frame)
			case got != nil && !bytes.Equal(got, frame) && (!bytes.Equal(got, pingLineFrame) || isEvent || !commentOnly(frame)):
				t.Fatalf("%q relayed as %q", frame, got)
			}
			in += dataLines(frame)
			out += dataLines(got)
		}
		if in != out {
			t.Fatalf("%d data lines in, %d out", in, out)
		}
	})
}

// dataLines counts the lines of b that start with "data".
func dataLines(b []byte) int {
	n := 0
	for i := range b {
		if (i == 0 || b[i-1] == '\n' || b[i-1] == '\r') && bytes.HasPrefix(b[i:], []byte("data")) {
			n++
		}
	}
	return n
}
