package baseline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/baseline/threads/redistest"
	"github.com/janus-bench/janus/internal/wire"
)

// TestThreadLimits: over HTTP, for the file and the Redis store (a real
// server), a thread turn whose new message is over the per-message limit
// or that would take the thread past its size limit is refused with 413
// in the OpenAI envelope and stores nothing, and the model is handed only
// the window of the latest stored messages — also when the client resends
// the whole conversation, which is still not doubled.
func TestThreadLimits(t *testing.T) {
	limits := threads.Limits{MaxMessageBytes: 2048, MaxThreadBytes: 8192, Window: 4}
	for _, kind := range []string{"file", "redis"} {
		t.Run(kind, func(t *testing.T) {
			var store threads.Store
			base, dir, rec := jangarServer(t, func(c *baseline.Config) {
				c.ThreadLimits = limits
				if kind == "redis" {
					rs := redistest.Connect(t).Store(t)
					c.Threads, store = rs, rs
				}
			})
			if store == nil {
				store = openFileStore(t, dir)
			}
			turn := func(msgs ...openai.ChatCompletionMessage) (int, wire.ErrorEnvelope) {
				t.Helper()
				body, _ := json.Marshal(map[string]any{"model": testModel, "messages": msgs})
				resp := post(t, context.Background(), base, string(body), map[string]string{threads.HeaderJanus: "lim"})
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				var env wire.ErrorEnvelope
				if resp.StatusCode != http.StatusOK {
					if err := json.Unmarshal(b, &env); err != nil || env.Error.Message == "" {
						t.Fatalf("status %d without an OpenAI error envelope: %s", resp.StatusCode, b)
					}
				}
				return resp.StatusCode, env
			}
			tooLarge := func(env wire.ErrorEnvelope, want string) {
				t.Helper()
				if env.Error.Param == nil || *env.Error.Param != "messages" || !strings.Contains(env.Error.Message, want) {
					t.Fatalf("413 envelope %+v, want param messages and %q", env.Error, want)
				}
			}

			// One message over the per-message limit.
			if st, env := turn(user(strings.Repeat("x", 3000))); st != http.StatusRequestEntityTooLarge {
				t.Fatalf("oversized message: status %d", st)
			} else {
				tooLarge(env, "per message")
			}
			if got := threadMessages(t, store, "lim"); len(got) != 0 {
				t.Fatalf("a refused turn was stored: %q", got)
			}

			// Six turns: the sixth sees the window of 4 plus its message.
			for i := 1; i <= 6; i++ {
				if st, env := turn(user(fmt.Sprintf("turn %d", i))); st != http.StatusOK {
					t.Fatalf("turn %d: %d %+v", i, st, env.Error)
				}
			}
			want := []string{"user:turn 4", "assistant:reply to: turn 4", "user:turn 5", "assistant:reply to: turn 5", "user:turn 6"}
			if got := texts(rec.last(t).Messages); !slices.Equal(got, want) {
				t.Fatalf("the model saw %q, want the window %q", got, want)
			}

			// The whole conversation resent: the window, not doubled.
			var full []openai.ChatCompletionMessage
			for _, s := range threadMessages(t, store, "lim") {
				role, text, _ := strings.Cut(s, ":")
				full = append(full, openai.ChatCompletionMessage{Role: role, Content: text})
			}
			if st, _ := turn(append(full, user("again"))...); st != http.StatusOK {
				t.Fatalf("resent conversation: %d", st)
			}
			want = []string{"user:turn 5", "assistant:reply to: turn 5", "user:turn 6", "assistant:reply to: turn 6", "user:again"}
			if got := texts(rec.last(t).Messages); !slices.Equal(got, want) {
				t.Fatalf("resent conversation: the model saw %q, want %q", got, want)
			}
			if got := threadMessages(t, store, "lim"); len(got) != 14 {
				t.Fatalf("stored %d messages, want 14", len(got))
			}

			// Fill the thread: the turn that would pass the cap is refused
			// and stores nothing.
			for i := 0; ; i++ {
				before := len(threadMessages(t, store, "lim"))
				st, env := turn(user(strings.Repeat("y", 1500)))
				if st == http.StatusOK {
					if i > 10 {
						t.Fatal("the thread never filled up")
					}
					continue
				}
				if st != http.StatusRequestEntityTooLarge {
					t.Fatalf("full thread: status %d", st)
				}
				tooLarge(env, "start a new thread")
				if after := len(threadMessages(t, store, "lim")); after != before {
					t.Fatalf("the refused turn changed the thread: %d → %d messages", before, after)
				}
				break
			}
			th, err := store.LoadWindow(context.Background(), "lim", 2)
			if err != nil || len(th.Messages) != 2 || th.Total < 14 || th.Bytes > limits.MaxThreadBytes {
				t.Fatalf("LoadWindow: %d messages of %d, %d bytes (cap %d), err %v", len(th.Messages), th.Total, th.Bytes, limits.MaxThreadBytes, err)
			}
		})
	}
}
