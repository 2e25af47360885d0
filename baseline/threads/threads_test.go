package threads_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/baseline/threads/redistest"
)

// TestValidID is the id rule: safe as a path element and a key part.
func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"abc", true},         // plain
		{"3f2a-9c.d_e", true}, // UUID-ish with dots and underscores
		{"550e8400-e29b-41d4-a716-446655440000", true}, // an OpenWebUI chat id
		{"", false},                       // empty
		{"..", false},                     // parent dir
		{".hidden", false},                // hidden file
		{"a/b", false},                    // path separator
		{`a\b`, false},                    // Windows separator
		{"a b", false},                    // space
		{"a:b", false},                    // Redis key separator
		{"é", false},                      // non-ASCII
		{strings.Repeat("a", 128), true},  // at the limit
		{strings.Repeat("a", 129), false}, // over it
		{"-lead", false},                  // punctuation first
	} {
		t.Run(tc.id, func(t *testing.T) {
			if err := threads.ValidID(tc.id); (err == nil) != tc.ok {
				t.Errorf("ValidID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
			}
		})
	}
}

// TestIDFromHeaders checks which header wins and that a bad id names its
// header.
func TestIDFromHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hdr     map[string]string
		want    string
		wantErr string
	}{
		// No header: no thread.
		{name: "none", hdr: map[string]string{}},
		// OpenWebUI's header alone.
		{name: "openwebui", hdr: map[string]string{threads.HeaderOpenWebUI: "chat1"}, want: "chat1"},
		// janus's header wins over OpenWebUI's.
		{name: "both", hdr: map[string]string{threads.HeaderOpenWebUI: "chat1", threads.HeaderJanus: "t2"}, want: "t2"},
		// A bad id is an error naming the header.
		{name: "bad", hdr: map[string]string{threads.HeaderOpenWebUI: "../x"}, wantErr: threads.HeaderOpenWebUI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := threads.IDFromHeaders(func(k string) string { return tc.hdr[k] })
			if got != tc.want || (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: %q, %v", tc.name, got, err)
			}
		})
	}
}

// TestMessageRoundTrip checks that chat messages survive storage, text
// and multi-part alike.
func TestMessageRoundTrip(t *testing.T) {
	for i, m := range []openai.ChatCompletionMessage{
		{Role: "user", Content: "hello <b>&"},
		{Role: "user", MultiContent: []openai.ChatMessagePart{{Type: "text", Text: "see"},
			{Type: "image_url", ImageURL: &openai.ChatMessageImageURL{URL: "data:image/png;base64,AAAA"}}}},
		{Role: "assistant", Content: "", ReasoningContent: "think", ToolCalls: []openai.ToolCall{{ID: "c1",
			Type: "function", Function: openai.FunctionCall{Name: "f", Arguments: `{"x":1}`}}}},
		{Role: "tool", Content: "42", ToolCallID: "c1", Name: "f"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			sm := threads.FromChat(m)
			sm.ID = "m"
			line, err := threads.MarshalLine(sm)
			if err != nil {
				t.Fatal(err)
			}
			back, err := threads.DecodeMessage(line[:len(line)-1])
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			if got := back.Chat(); !reflect.DeepEqual(got, m) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, m)
			}
		})
	}
}

// FuzzDecodeMessage checks the stored-message parser never panics and that
// what it accepts has a role and an id and is stable through storage: once
// written, reading and writing again gives the same bytes.
func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"id":"m","role":"user","content":"x"}`))
	f.Add([]byte(`{"id":"m","role":"assistant","tool_calls":[{"id":"c","function":{"name":"f"}}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := threads.DecodeMessage(data)
		if err != nil {
			return
		}
		if m.Role == "" || m.ID == "" {
			t.Fatalf("accepted %+v", m)
		}
		line, err := threads.MarshalLine(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := threads.DecodeMessage(line)
		if err != nil {
			t.Fatalf("re-decode %s: %v", line, err)
		}
		if line2, err := threads.MarshalLine(again); err != nil || string(line2) != string(line) {
			t.Fatalf("unstable: %s became %s (%v)", line, line2, err)
		}
	})
}

func msg(role, text string) threads.Message {
	return threads.Message{ID: "msg_" + text, Object: threads.ObjectMessage, Role: role, Content: text}
}

// TestRedisPersistence checks the redis store against a real server: a
// thread written by one store is read by another, in order.
func TestRedisPersistence(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Connect(t)
	a, b := srv.Store(t), srv.Store(t)
	th, err := a.Load(ctx, "chat1")
	if err != nil || len(th.Messages) != 0 || th.AssistantID != "" {
		t.Fatalf("new thread: %+v %v", th, err)
	}
	if err := a.Append(ctx, "chat1", "helper", []threads.Message{msg("user", "one"), msg("assistant", "two")}); err != nil {
		t.Fatal(err)
	}
	if err := b.Append(ctx, "chat1", "helper", []threads.Message{msg("user", "three")}); err != nil {
		t.Fatal(err)
	}
	th, err = b.Load(ctx, "chat1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range th.Messages {
		got = append(got, m.Content)
	}
	if strings.Join(got, ",") != "one,two,three" || th.AssistantID != "helper" {
		t.Errorf("thread = %v, assistant %q", got, th.AssistantID)
	}
	meta, list := a.Keys("chat1")
	if meta != srv.Prefix+":chat1" || list != srv.Prefix+":chat1:messages" {
		t.Errorf("keys = %s, %s", meta, list)
	}
	if n, err := srv.Client.LLen(ctx, list).Result(); err != nil || n != 3 {
		t.Errorf("LLEN = %d, %v", n, err)
	}
}

// TestRedisLocked checks the assistant lock is enforced atomically by the
// script: a refused append stores nothing.
func TestRedisLocked(t *testing.T) {
	ctx := context.Background()
	s := redistest.Connect(t).Store(t)
	if err := s.Append(ctx, "t", "", []threads.Message{msg("user", "hi")}); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"a", "b"} {
		t.Run(other, func(t *testing.T) {
			err := s.Append(ctx, "t", other, []threads.Message{msg("user", "x")})
			var le *threads.LockedError
			if !errors.As(err, &le) || le.Bound != "" || le.Requested != other {
				t.Errorf("append as %q: %v", other, err)
			}
		})
	}
	if th, _ := s.Load(ctx, "t"); len(th.Messages) != 1 {
		t.Errorf("refused appends stored something: %+v", th.Messages)
	}
}

// TestRedisConcurrentAppends has 50 goroutines append pairs to one thread.
func TestRedisConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	s := redistest.Connect(t).Store(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.Append(ctx, "busy", "", []threads.Message{msg("user", fmt.Sprintf("q%d", i)),
				msg("assistant", fmt.Sprintf("a%d", i))})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	th, err := s.Load(ctx, "busy")
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Messages) != 2*n {
		t.Fatalf("%d messages, want %d", len(th.Messages), 2*n)
	}
	seen := map[string]bool{}
	for i := 0; i < len(th.Messages); i += 2 {
		q, a := th.Messages[i].Content, th.Messages[i+1].Content
		if a != "a"+q[1:] || seen[q] {
			t.Fatalf("pair %d = %q %q", i/2, q, a)
		}
		seen[q] = true
	}
}

// TestRedisCorrupt checks that a damaged list entry is reported with its
// key and position, not skipped.
func TestRedisCorrupt(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Connect(t)
	s := srv.Store(t)
	if err := s.Append(ctx, "t", "", []threads.Message{msg("user", "ok")}); err != nil {
		t.Fatal(err)
	}
	_, list := s.Keys("t")
	srv.Client.RPush(ctx, list, `{"id":"m2","role":`)
	_, err := s.Load(ctx, "t")
	var ce *threads.CorruptError
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), list) {
		t.Errorf("Load = %v", err)
	}
}

// TestRedisBadURL checks that a malformed URL and an unreachable server
// are errors, not hangs.
func TestRedisBadURL(t *testing.T) {
	ctx := context.Background()
	if _, err := threads.NewRedisStore(ctx, "http://nope", ""); err == nil {
		t.Error("http URL accepted")
	}
	// Port 1 on loopback is closed.
	if _, err := threads.NewRedisStore(ctx, "redis://127.0.0.1:1/0", ""); err == nil {
		t.Error("unreachable server accepted")
	}
}
