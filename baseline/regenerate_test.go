package baseline_test

import (
	"slices"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/baseline/threads/redistest"
)

// TestRegenerateDoesNotDuplicate regenerates and edits turns of a thread,
// for both stores: the provider sees the conversation up to the point the
// client continues from (never [QQQ, ok, QQQ]), and the thread is rewritten
// from there instead of growing.
func TestRegenerateDoesNotDuplicate(t *testing.T) {
	for _, kind := range []string{"file", "redis"} {
		t.Run(kind, func(t *testing.T) {
			var store threads.Store
			base, dir, rec := jangarServer(t, func(c *baseline.Config) {
				if kind == "redis" {
					rs := redistest.Connect(t).Store(t)
					c.Threads, store = rs, rs
				}
			})
			if store == nil {
				store = openFileStore(t, dir)
			}
			c := client(base, map[string]string{threads.HeaderJanus: "regen"})
			chatOnce(t, c, testModel, true, user("QQQ"))
			// Regenerate: the client resends the conversation up to the
			// user message whose answer it wants again.
			chatOnce(t, c, testModel, true, user("QQQ"))
			if got := texts(rec.last(t).Messages); !slices.Equal(got, []string{"user:QQQ"}) {
				t.Errorf("regenerate: provider saw %q, want [user:QQQ]", got)
			}
			if got := threadMessages(t, store, "regen"); !slices.Equal(got, []string{"user:QQQ", "assistant:reply to: QQQ"}) {
				t.Errorf("regenerate: stored %q", got)
			}
			// A second turn, then an edit of it.
			chatOnce(t, c, testModel, true, user("YYY"))
			edit := []openai.ChatCompletionMessage{user("QQQ"), {Role: "assistant", Content: "reply to: QQQ"}, user("ZZZ")}
			chatOnce(t, c, testModel, true, edit...)
			if got := texts(rec.last(t).Messages); !slices.Equal(got, texts(edit)) {
				t.Errorf("edit: provider saw %q, want %q", got, texts(edit))
			}
			want := []string{"user:QQQ", "assistant:reply to: QQQ", "user:ZZZ", "assistant:reply to: ZZZ"}
			if got := threadMessages(t, store, "regen"); !slices.Equal(got, want) {
				t.Errorf("edit: stored %q, want %q", got, want)
			}
			// A client sending only its new message still appends.
			chatOnce(t, c, testModel, true, user("next"))
			if got := threadMessages(t, store, "regen"); len(got) != 6 || got[4] != "user:next" {
				t.Errorf("append after the edit: %q", got)
			}
		})
	}
}
