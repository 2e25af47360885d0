package baseline_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// TestStreamFraming checks the frame order: role chunk first, content,
// finish, the usage chunk only when asked for, [DONE] last.
func TestStreamFraming(t *testing.T) {
	ts := serve(t, fast())
	tk := task(t, "smoke-chat-capital")
	for i, wantUsage := range []bool{false, true} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			req := tk.ChatRequest(testModel, true)
			if !wantUsage {
				req.StreamOptions = nil
			}
			s := stream(t, ts.URL, req, nil)
			if !s.doneLast {
				t.Errorf("usage=%v: [DONE] is not the last frame", wantUsage)
			}
			first := s.chunks[0]
			if len(first.Choices) != 1 || first.Choices[0].Delta.Role != "assistant" ||
				first.Choices[0].Delta.Content != "" || first.Choices[0].FinishReason != nil {
				t.Errorf("usage=%v: first chunk %+v is not a bare role chunk", wantUsage, first)
			}
			ids := map[string]bool{}
			for _, c := range s.chunks {
				ids[c.ID] = true
			}
			if len(ids) != 1 {
				t.Errorf("usage=%v: chunk ids %v, want one", wantUsage, ids)
			}
			last := s.chunks[len(s.chunks)-1]
			if !wantUsage {
				if len(s.usage) != 0 {
					t.Errorf("usage chunk sent without stream_options.include_usage")
				}
				if last.Choices[0].FinishReason == nil || *last.Choices[0].FinishReason != "stop" {
					t.Errorf("last chunk %+v is not the finish chunk", last)
				}
				return
			}
			if len(s.usage) != 1 || last.Usage == nil || last.Choices == nil || len(last.Choices) != 0 {
				t.Errorf("last chunk before [DONE] = %+v, want usage with empty choices", last)
			}
			if !strings.Contains(s.frames[len(s.frames)-2].data, `"choices":[]`) {
				t.Errorf("usage chunk %s does not carry an empty choices array", s.frames[len(s.frames)-2].data)
			}
		})
	}
}

// TestRequestID checks that X-Request-Id is honoured or generated, echoed,
// and used in chunk ids.
func TestRequestID(t *testing.T) {
	ts := serve(t, fast())
	req := userRequest("hello", true)
	s := stream(t, ts.URL, req, map[string]string{"X-Request-Id": "abc-123"})
	if got := s.header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id = %q", got)
	}
	if s.chunks[0].ID != "chatcmpl-abc-123" {
		t.Errorf("chunk id = %q", s.chunks[0].ID)
	}
	s = stream(t, ts.URL, req, nil)
	rid := s.header.Get("X-Request-Id")
	if rid == "" || s.chunks[0].ID != "chatcmpl-"+rid {
		t.Errorf("generated id %q, chunk id %q", rid, s.chunks[0].ID)
	}
	resp := post(t, context.Background(), ts.URL, "{", map[string]string{"X-Request-Id": "bad-1"})
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "bad-1" {
		t.Errorf("error response X-Request-Id = %q", got)
	}
}

// TestKeepAliveDuringLongTTFT checks that a first token later than the
// keep-alive period is preceded by ": ping" comments, one per period. It
// runs in a synctest bubble (no socket: the handler answers a recorder), so
// the count is exact whatever the machine's load.
func TestKeepAliveDuringLongTTFT(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := fast()
		cfg.Pace = baseline.Pace{TTFT: 30 * time.Second, PerToken: -1}
		cfg.KeepAlive = 5 * time.Second
		start := time.Now()
		s := streamInMemory(t, cfg, task(t, "smoke-chat-capital").ChatRequest(testModel, true))
		if took := time.Since(start); took < cfg.Pace.TTFT {
			t.Errorf("the first token came after %s, want the %s TTFT", took, cfg.Pace.TTFT)
		}
		// Pings at 5, 10, 15, 20 and 25 s; at 30 s the ping and the token
		// are due at the same instant, and either may go first.
		if s.comments < 5 || s.comments > 6 {
			t.Fatalf("%d keep-alive comments in %d frames, want 5 or 6 (one per 5 s of a 30 s TTFT)", s.comments, len(s.frames))
		}
		for _, f := range s.frames {
			if f.isComment() && f.comment != "ping" {
				t.Errorf("comment %q, want ping", f.comment)
			}
		}
		if s.content != "Paris" || !s.doneLast {
			t.Errorf("content %q, done last %v", s.content, s.doneLast)
		}
	})
}

// TestNoKeepAliveWhenDisabled checks KeepAlive < 0, on the fake clock of a
// synctest bubble.
func TestNoKeepAliveWhenDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := fast()
		cfg.Pace = baseline.Pace{TTFT: 30 * time.Second, PerToken: -1}
		cfg.KeepAlive = -1
		if s := streamInMemory(t, cfg, userRequest("hi", true)); s.comments != 0 {
			t.Errorf("%d comments with keep-alives disabled", s.comments)
		}
	})
}

// TestObserverSeesEveryFrame checks that the observer is told about every
// frame the client received, in order, with nondecreasing times.
func TestObserverSeesEveryFrame(t *testing.T) {
	obs := newObserved()
	cfg := fast()
	cfg.Observer = obs.observe
	cfg.Pace = baseline.Pace{TTFT: 12 * time.Millisecond, PerToken: time.Millisecond}
	cfg.KeepAlive = 3 * time.Millisecond
	ts := serve(t, cfg)

	tk := task(t, "smoke-tool-weather")
	s := stream(t, ts.URL, tk.ChatRequest(testModel, true), map[string]string{"X-Request-Id": "obs-1"})
	events := obs.snapshot()
	if len(events) != len(s.frames) {
		t.Fatalf("observer saw %d frames, client received %d", len(events), len(s.frames))
	}
	for i, ev := range events {
		if ev.rid != "obs-1" || ev.seq != i {
			t.Errorf("event %d: rid %q seq %d", i, ev.rid, ev.seq)
		}
		if i > 0 && ev.at.Before(events[i-1].at) {
			t.Errorf("event %d at %v is before event %d", i, ev.at, i-1)
		}
		if want := kindOf(t, s.frames[i]); ev.kind != want {
			t.Errorf("event %d kind %q, client saw %q", i, ev.kind, want)
		}
	}
	if events[0].kind != baseline.KindRole || events[len(events)-1].kind != baseline.KindDone {
		t.Errorf("first %q last %q", events[0].kind, events[len(events)-1].kind)
	}
}

// kindOf classifies a frame the way the server's observer does.
func kindOf(t *testing.T, f frame) string {
	t.Helper()
	if f.isComment() {
		return baseline.KindKeepAlive
	}
	if f.data == "[DONE]" {
		return baseline.KindDone
	}
	var c wire.Chunk
	if err := json.Unmarshal([]byte(f.data), &c); err != nil {
		t.Fatalf("bad chunk %q", f.data)
	}
	switch {
	case c.Usage != nil:
		return baseline.KindUsage
	case c.Choices[0].FinishReason != nil:
		return baseline.KindFinish
	case c.Choices[0].Delta.Role != "":
		return baseline.KindRole
	case len(c.Choices[0].Delta.ToolCalls) > 0:
		return baseline.KindToolCall
	case c.Choices[0].Delta.ReasoningContent != "":
		return baseline.KindReasoning
	}
	return baseline.KindContent
}

// TestClientCancelStopsStream checks that a client going away ends the
// handler at once: the next token is an hour away, so the handler can only
// return in time by noticing the cancellation, and it sends nothing more.
func TestClientCancelStopsStream(t *testing.T) {
	obs := newObserved()
	cfg := fast()
	cfg.Observer = obs.observe
	cfg.Pace = baseline.Pace{TTFT: -1, PerToken: time.Hour}
	cfg.KeepAlive = -1
	s, err := baseline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	handlerDone := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		s.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := post(t, ctx, ts.URL, task(t, "smoke-stream-count").ChatRequest(testModel, true), nil)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the first content token: %v", err)
		}
		if strings.Contains(line, `"content":"1"`) {
			break
		}
	}
	cancel()

	select {
	case <-handlerDone:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still running 10s after the client cancelled")
	}
	var kinds []string
	for _, ev := range obs.snapshot() {
		kinds = append(kinds, ev.kind)
	}
	// Generation stops at the abort; only the closing frames (finish, and
	// [DONE] if the socket still took it) may follow the first token.
	got := strings.Join(kinds, ",")
	if !strings.HasPrefix(got, "role,content") || strings.Count(got, "content") != 1 ||
		strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(got, "role,content"), ",done"), ",finish") != "" {
		t.Errorf("frames sent = %v, want role, the first content token, then at most finish and done", kinds)
	}
}

// TestMetadataPaceOverride checks that per-request pace metadata is
// accepted as numbers or numeric strings and overrides a slow server pace.
func TestMetadataPaceOverride(t *testing.T) {
	cfg := fast()
	cfg.Pace = baseline.Pace{TTFT: time.Hour, PerToken: time.Hour}
	ts := serve(t, cfg)
	for i, meta := range []map[string]any{
		{baseline.MetaPaceTTFTms: 0, baseline.MetaPaceTokenMs: 0},
		{baseline.MetaPaceTTFTms: "0", baseline.MetaPaceTokenMs: "0.5"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			req := task(t, "smoke-chat-capital").ChatRequest(testModel, true)
			req.Metadata = meta
			zero := 0.0
			req.Temperature = &zero
			if s := stream(t, ts.URL, req, nil); s.content != "Paris" {
				t.Errorf("metadata %v: content %q", meta, s.content)
			}
		})
	}
}

// TestMultiContentPrompt checks a text+image prompt is understood.
func TestMultiContentPrompt(t *testing.T) {
	ts := serve(t, fast())
	req := wire.ChatRequest{Model: testModel, Messages: []openai.ChatCompletionMessage{{Role: "user",
		MultiContent: []openai.ChatMessagePart{
			{Type: openai.ChatMessagePartTypeText, Text: "What single colour fills this image? Answer with one lowercase word."},
			{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "data:image/png;base64,AAAA"}},
		}}}}
	if got := complete(t, ts.URL, req).Choices[0].Message.Content; got != "red" {
		t.Errorf("content = %q, want red", got)
	}
}
