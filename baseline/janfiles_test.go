package baseline_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/wire"
)

// TestJanMessagesJSON checks a thread Jan wrote (messages.json, one JSON
// array): its history reaches the provider, the first turn imports it into
// messages.jsonl, and messages.json is left as it was.
func TestJanMessagesJSON(t *testing.T) {
	base, dir, rec := jangarServer(t, nil)
	jan := `[{"id":"m1","object":"thread.message","role":"user","content":"my name is Ada"},` +
		`{"id":"m2","object":"thread.message","role":"assistant","content":"hello Ada"}]`
	writeData(t, dir, map[string]string{
		"threads/jan_1/thread.json":   `{"id":"jan_1","object":"thread"}`,
		"threads/jan_1/messages.json": jan,
	})
	stream(t, base, wire.ChatRequest{Model: testModel, Stream: true, Messages: []openai.ChatCompletionMessage{user("who am I?")}},
		map[string]string{threads.HeaderJanus: "jan_1"})
	want := []string{"user:my name is Ada", "assistant:hello Ada", "user:who am I?"}
	if got := texts(rec.last(t).Messages); !slices.Equal(got, want) {
		t.Errorf("provider saw %q, want %q", got, want)
	}
	if got := threadMessages(t, openFileStore(t, dir), "jan_1"); len(got) != 4 || got[3] != "assistant:reply to: who am I?" {
		t.Errorf("stored %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "threads/jan_1/messages.json")); err != nil || string(b) != jan {
		t.Errorf("messages.json changed: %s (%v)", b, err)
	}
	// A broken messages.json is an error naming the file and the index.
	writeData(t, dir, map[string]string{
		"threads/jan_2/thread.json":   `{"id":"jan_2","object":"thread"}`,
		"threads/jan_2/messages.json": `[{"id":"a","object":"thread.message","role":"user","content":"ok"},{"id":"b","role":7}]`,
	})
	resp := post(t, t.Context(), base, wire.ChatRequest{Model: testModel, Stream: true,
		Messages: []openai.ChatCompletionMessage{user("x")}}, map[string]string{threads.HeaderJanus: "jan_2"})
	b := readBody(t, resp)
	if resp.StatusCode < 400 || !contains(b, "messages.json") || !contains(b, "$[1]") {
		t.Errorf("corrupt messages.json: %d %s", resp.StatusCode, b)
	}
}

// TestJanMode2ModelOverride checks Jan's Mode 2: an assistant's own
// models/<model>/model.json overrides the global model's settings.
func TestJanMode2ModelOverride(t *testing.T) {
	base, dir, rec := jangarServer(t, nil)
	writeData(t, dir, map[string]string{
		"models/m1/model.json":                   `{"id":"m1","parameters":{"temperature":0.9,"top_p":0.3}}`,
		"assistants/helper/assistant.json":       `{"id":"helper","object":"assistant","model":"m1"}`,
		"assistants/helper/models/m1/model.json": `{"parameters":{"temperature":0.1}}`,
		"assistants/other/assistant.json":        `{"id":"other","object":"assistant","model":"m1"}`,
	})
	for _, tc := range []struct {
		asst       string
		temp, topP float64
	}{{"helper", 0.1, 0.3}, {"other", 0.9, 0.3}} {
		t.Run(tc.asst, func(t *testing.T) {
			stream(t, base, wire.ChatRequest{Model: "assistant:" + tc.asst, Stream: true,
				Messages: []openai.ChatCompletionMessage{user("hi")}}, nil)
			got := rec.last(t)
			if got.Model != "m1" || got.Temperature == nil || *got.Temperature != tc.temp || *got.TopP != tc.topP {
				t.Errorf("%s: model %q temperature %v top_p %v, want %v %v", tc.asst, got.Model, got.Temperature, got.TopP, tc.temp, tc.topP)
			}
		})
	}
}

// TestJanAttachedFiles checks the files fields reach the provider over real
// HTTP: an assistant's text files as a system message after its
// instructions, a stored message's files as text parts of that message,
// a binary or escaping file as a note instead of its bytes; and the
// client resending the message (without the file text) is not doubled.
func TestJanAttachedFiles(t *testing.T) {
	base, dir, rec := jangarServer(t, nil)
	secret := filepath.Join(t.TempDir(), "secret.txt")
	writeData(t, dir, map[string]string{
		"assistants/helper/assistant.json":  `{"id":"helper","object":"assistant","instructions":"be brief","files":["sheet.txt","logo.png"]}`,
		"assistants/helper/files/sheet.txt": "the answer is 42",
		"assistants/helper/files/logo.png":  "\x89PNG\x00\x01",
		"files/report.md":                   "Q3 revenue grew",
		"threads/t1/thread.json":            `{"id":"t1","object":"thread","assistant_id":"helper"}`,
		"threads/t1/messages.json": `[{"id":"m1","object":"thread.message","role":"user","content":"read my report",` +
			`"files":["report.md","leak.txt"]},{"id":"m2","object":"thread.message","role":"assistant","content":"done"}]`,
	})
	if err := os.WriteFile(secret, []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "files", "leak.txt")); err != nil {
		t.Fatal(err)
	}
	stream(t, base, wire.ChatRequest{Model: "assistant:helper", Stream: true, Messages: []openai.ChatCompletionMessage{
		user("read my report"), {Role: openai.ChatMessageRoleAssistant, Content: "done"}, user("what grew?")}},
		map[string]string{threads.HeaderJanus: "t1"})
	got := texts(rec.last(t).Messages)
	want := []string{
		"system:be brief",
		"system:The assistant's files:\n\n[file sheet.txt]\nthe answer is 42\n\n[file logo.png skipped: binary, not text]",
		"user:read my report\n[file report.md]\nQ3 revenue grew\n[file leak.txt skipped: outside the files folder]",
		"assistant:done",
		"user:what grew?",
	}
	if !slices.Equal(got, want) {
		t.Errorf("provider saw\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(strings.Join(got, ""), "SECRET") || strings.Contains(strings.Join(got, ""), "PNG") {
		t.Error("the provider saw bytes it must not")
	}
	// The turn is stored without the files' text, the files field kept.
	th, err := openFileStore(t, dir).Load(t.Context(), "t1")
	if err != nil || len(th.Messages) != 4 || th.Messages[0].Content != "read my report" ||
		!slices.Equal(th.Messages[0].Files, []string{"report.md", "leak.txt"}) {
		t.Errorf("stored %+v, %v", th, err)
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
