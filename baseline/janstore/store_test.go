package janstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
)

// open opens a store in a fresh temporary data dir.
func open(t *testing.T) *janstore.Store {
	t.Helper()
	s, err := janstore.Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// writeFile writes a file under the store's dir, creating folders.
func writeFile(t *testing.T, s *janstore.Store, rel, content string) {
	t.Helper()
	p := filepath.Join(s.Dir(), rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// msg is a stored user or assistant message with a unique id.
func msg(role, text string) threads.Message {
	return threads.Message{ID: "msg_" + strings.ReplaceAll(text, " ", "_"), Object: threads.ObjectMessage,
		Role: role, Content: text}
}

// TestLazyLayout checks that opening and reading a data dir creates
// nothing, and that writes create the folders they need.
func TestLazyLayout(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := janstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := s.Models(ctx); err != nil || len(ms) != 0 {
		t.Errorf("models of a missing dir: %v %v", ms, err)
	}
	if as, err := s.Assistants(ctx); err != nil || len(as) != 0 {
		t.Errorf("assistants of a missing dir: %v %v", as, err)
	}
	if ts, err := s.Threads(ctx); err != nil || len(ts) != 0 {
		t.Errorf("threads of a missing dir: %v %v", ts, err)
	}
	if th, err := s.Load(ctx, "t"); err != nil || len(th.Messages) != 0 {
		t.Errorf("load from a missing dir: %+v %v", th, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("reading created the data dir: %v", err)
	}
	if _, err := s.CreateAssistant(ctx, janstore.Assistant{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "t", "", []threads.Message{msg("user", "hi")}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"assistants/a/assistant.json", "threads/t/thread.json", "threads/t/messages.jsonl"} {
		t.Run(f, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		})
	}
	// A file where the data dir should be is an error at once.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := janstore.Open(file); err == nil {
		t.Error("Open accepted a file")
	}
}

// TestDefaultDir checks the XDG rule of the default data dir.
func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/x/data")
	if d, err := janstore.DefaultDir(); err != nil || d != "/x/data/janus/baseline" {
		t.Errorf("with XDG_DATA_HOME: %q, %v", d, err)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/u")
	if d, err := janstore.DefaultDir(); err != nil || d != "/home/u/.local/share/janus/baseline" {
		t.Errorf("with HOME: %q, %v", d, err)
	}
}

// TestPrecedence is the override table: model < assistant < thread, the
// deepest file winning field by field, and the model itself chosen the same
// way.
func TestPrecedence(t *testing.T) {
	const (
		model     = `{"id":"base","system_prompt":"model prompt","parameters":{"temperature":0.1,"top_p":0.5,"max_tokens":100},"settings":{"ctx_len":4096}}`
		other     = `{"id":"other","system_prompt":"other prompt","parameters":{"temperature":1.5}}`
		asstJSON  = `{"id":"helper","object":"assistant","model":"base","instructions":"assistant instructions"}`
		asstModel = `{"parameters":{"temperature":0.7}}`
	)
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		name string
		// files maps paths under the data dir to contents.
		files               map[string]string
		model, asst, thread string
		wantModel, wantSys  string
		wantTemp, wantTopP  *float64
		wantMax             *int
	}{
		// The model file alone gives every field.
		{name: "model only", files: map[string]string{"models/base/model.json": model},
			model: "base", wantModel: "base", wantSys: "model prompt", wantTemp: f(0.1), wantTopP: f(0.5), wantMax: n(100)},
		// assistant.json's instructions beat the model's prompt; its model.json beats the temperature; the rest falls through.
		{name: "assistant over model", files: map[string]string{"models/base/model.json": model,
			"assistants/helper/assistant.json": asstJSON, "assistants/helper/model.json": asstModel},
			asst: "helper", wantModel: "base", wantSys: "assistant instructions", wantTemp: f(0.7), wantTopP: f(0.5), wantMax: n(100)},
		// The assistant's model.json beats its own assistant.json too.
		{name: "assistant model.json over assistant.json", files: map[string]string{"models/base/model.json": model,
			"assistants/helper/assistant.json": asstJSON, "assistants/helper/model.json": `{"system_prompt":"assistant model prompt"}`},
			asst: "helper", wantModel: "base", wantSys: "assistant model prompt", wantTemp: f(0.1), wantTopP: f(0.5), wantMax: n(100)},
		// The thread beats the assistant, which beats the model, each on its own field.
		{name: "thread over assistant over model", files: map[string]string{"models/base/model.json": model,
			"assistants/helper/assistant.json": asstJSON, "assistants/helper/model.json": asstModel,
			"threads/t1/model.json": `{"parameters":{"max_tokens":7}}`},
			asst: "helper", thread: "t1", wantModel: "base", wantSys: "assistant instructions", wantTemp: f(0.7), wantTopP: f(0.5), wantMax: n(7)},
		// A thread without an assistant overrides the request's model directly.
		{name: "thread over model", files: map[string]string{"models/base/model.json": model,
			"threads/t1/model.json": `{"system_prompt":"thread prompt","parameters":{"top_p":0.25}}`},
			model: "base", thread: "t1", wantModel: "base", wantSys: "thread prompt", wantTemp: f(0.1), wantTopP: f(0.25), wantMax: n(100)},
		// A thread's model.json may switch the model: the new model's file becomes the base layer.
		{name: "thread switches model", files: map[string]string{"models/base/model.json": model, "models/other/model.json": other,
			"assistants/helper/assistant.json": asstJSON, "threads/t1/model.json": `{"id":"other"}`},
			asst: "helper", thread: "t1", wantModel: "other", wantSys: "assistant instructions", wantTemp: f(1.5)},
		// An explicit null in a deeper file clears the field.
		{name: "null clears", files: map[string]string{"models/base/model.json": model,
			"threads/t1/model.json": `{"parameters":{"temperature":null}}`},
			model: "base", thread: "t1", wantModel: "base", wantSys: "model prompt", wantTopP: f(0.5), wantMax: n(100)},
		// A model without a folder contributes nothing and is still the model used.
		{name: "model without folder", model: "elsewhere", wantModel: "elsewhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			for p, c := range tc.files {
				writeFile(t, s, p, c)
			}
			got, err := s.Resolve(context.Background(), tc.model, tc.asst, tc.thread)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if got.Model != tc.wantModel || got.SystemPrompt != tc.wantSys {
				t.Errorf("model %q prompt %q, want %q %q", got.Model, got.SystemPrompt, tc.wantModel, tc.wantSys)
			}
			for _, c := range []struct {
				name      string
				got, want *float64
			}{{"temperature", got.Temperature, tc.wantTemp}, {"top_p", got.TopP, tc.wantTopP}} {
				if (c.got == nil) != (c.want == nil) || c.got != nil && *c.got != *c.want {
					t.Errorf("%s = %v, want %v", c.name, deref(c.got), deref(c.want))
				}
			}
			if (got.MaxTokens == nil) != (tc.wantMax == nil) || got.MaxTokens != nil && *got.MaxTokens != *tc.wantMax {
				t.Errorf("max_tokens = %v, want %v", got.MaxTokens, tc.wantMax)
			}
			if tc.files["models/base/model.json"] != "" && tc.wantModel == "base" {
				// Unknown fields of the model file travel through the merge.
				if st, _ := got.Merged["settings"].(map[string]any); st["ctx_len"] != 4096.0 {
					t.Errorf("settings lost in the merge: %v", got.Merged)
				}
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestResolveErrors checks that an unknown assistant is ErrNotFound and a
// bad model file is a CorruptError naming it and the field.
func TestResolveErrors(t *testing.T) {
	s := open(t)
	if _, err := s.Resolve(context.Background(), "", "nobody", ""); !errors.Is(err, janstore.ErrNotFound) {
		t.Errorf("unknown assistant: %v", err)
	}
	writeFile(t, s, "models/bad/model.json", `{"parameters":{"temperature":"hot"}}`)
	_, err := s.Resolve(context.Background(), "bad", "", "")
	var ce *threads.CorruptError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.Where, filepath.Join("models", "bad", "model.json")) ||
		!strings.Contains(err.Error(), "parameters.temperature") {
		t.Errorf("bad model file: %v", err)
	}
}

// TestAppendAndLoad checks persistence, the thread.json it writes, and
// that appends keep their order.
func TestAppendAndLoad(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	th, err := s.Load(ctx, "t1")
	if err != nil || len(th.Messages) != 0 || th.Locked() {
		t.Fatalf("new thread: %+v, %v", th, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "threads", "t1")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load created the thread folder: %v", err)
	}
	if err := s.Append(ctx, "t1", "", []threads.Message{msg("user", "one"), msg("assistant", "two")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "t1", "", []threads.Message{msg("user", "three")}); err != nil {
		t.Fatal(err)
	}
	// A second Store on the same dir sees it: the data is on disk, not in memory.
	s2, err := janstore.Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	th, err = s2.Load(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range th.Messages {
		got = append(got, m.Role+":"+m.Content)
	}
	if strings.Join(got, ",") != "user:one,assistant:two,user:three" {
		t.Errorf("messages = %v", got)
	}
	rec, err := s2.Thread(ctx, "t1")
	if err != nil || rec.ID != "t1" || rec.Object != "thread" || rec.CreatedAt == 0 || !rec.Locked {
		t.Errorf("thread = %+v, %v", rec, err)
	}
	// Atomic writes leave no temporary files behind.
	ents, _ := os.ReadDir(filepath.Join(s.Dir(), "threads", "t1"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left over: %s", e.Name())
		}
	}
}

// TestLockedThread checks Jan's lock: before the first message a thread
// may change assistant, after it not, and a refused append stores nothing.
func TestLockedThread(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	for _, id := range []string{"a", "b"} {
		t.Run(id, func(t *testing.T) {
			if _, err := s.CreateAssistant(ctx, janstore.Assistant{ID: id}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := s.CreateThread(ctx, janstore.Thread{ThreadRecord: janstore.ThreadRecord{ID: "t", AssistantID: "a"}}); err != nil {
		t.Fatal(err)
	}
	// Not locked yet: the first message may bind it to b instead.
	if err := s.Append(ctx, "t", "b", []threads.Message{msg("user", "hi")}); err != nil {
		t.Fatalf("first append with another assistant: %v", err)
	}
	for _, other := range []string{"a", ""} {
		t.Run(other, func(t *testing.T) {
			err := s.Append(ctx, "t", other, []threads.Message{msg("user", "switch to "+other)})
			var le *threads.LockedError
			if !errors.As(err, &le) || le.Bound != "b" || le.Requested != other {
				t.Errorf("append as %q: %v", other, err)
			}
		})
	}
	th, _ := s.Load(ctx, "t")
	if th.AssistantID != "b" || len(th.Messages) != 1 {
		t.Errorf("after refused appends: %+v", th)
	}
}

// TestDeleteAssistantKeepsThreads checks that deleting an assistant removes
// its folder only, and the thread becomes read-only but readable.
func TestDeleteAssistantKeepsThreads(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.CreateAssistant(ctx, janstore.Assistant{ID: "a", ModelFile: janstore.ModelFile{"system_prompt": "x"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "t", "a", []threads.Message{msg("user", "hi")}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAssistant(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "assistants", "a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("assistant folder still there: %v", err)
	}
	th, err := s.Thread(ctx, "t")
	if err != nil || !th.ReadOnly || th.AssistantID != "a" {
		t.Errorf("thread after delete: %+v, %v", th, err)
	}
	if ms, err := s.Messages(ctx, "t"); err != nil || len(ms) != 1 {
		t.Errorf("messages after delete: %v, %v", ms, err)
	}
	if err := s.DeleteAssistant(ctx, "a"); !errors.Is(err, janstore.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

// TestConcurrentAppends has 50 goroutines append to one thread at once:
// every message arrives, each user/assistant pair stays adjacent.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			q, a := msg("user", fmt.Sprintf("q%d", i)), msg("assistant", fmt.Sprintf("a%d", i))
			errs <- s.Append(ctx, "busy", "", []threads.Message{q, a})
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
	checkPairs(t, th.Messages, n)
}

// checkPairs checks that msgs are n adjacent q<i>/a<i> pairs, each once.
func checkPairs(t *testing.T, msgs []threads.Message, n int) {
	t.Helper()
	if len(msgs) != 2*n {
		t.Fatalf("%d messages, want %d", len(msgs), 2*n)
	}
	seen := map[string]bool{}
	for i := 0; i < len(msgs); i += 2 {
		q, a := msgs[i].Content, msgs[i+1].Content
		if q[0] != 'q' || a != "a"+q[1:] || seen[q] {
			t.Fatalf("pair %d = %q, %q", i/2, q, a)
		}
		seen[q] = true
	}
}

// TestCorruptFiles checks that every damaged file is reported with its
// path (and line), never skipped.
func TestCorruptFiles(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, file, content string
		// wantLine is the line the error must name; 0 for a whole file.
		wantLine int
		wantText string
	}{
		// Truncated JSON in thread.json.
		{name: "thread.json truncated", file: "thread.json", content: `{"id":"t","object":"thread"`, wantText: "unexpected EOF"},
		// thread.json of another thread.
		{name: "thread.json wrong id", file: "thread.json", content: `{"id":"u"}`, wantText: `folder is "t"`},
		// A syntax error on line 3 of thread.json is located.
		{name: "thread.json syntax", file: "thread.json", content: "{\n\"id\": \"t\",\n\"title\": tru\n}", wantText: "line 3"},
		// Line 2 of messages.jsonl is not JSON.
		{name: "messages garbage", file: "messages.jsonl",
			content: `{"id":"m1","role":"user","content":"hi"}` + "\nnot json\n", wantLine: 2},
		// A last line torn by a crash.
		{name: "messages torn", file: "messages.jsonl",
			content: `{"id":"m1","role":"user","content":"hi"}` + "\n" + `{"id":"m2","ro`, wantLine: 2},
		// A record without a role.
		{name: "messages no role", file: "messages.jsonl", content: `{"id":"m1","content":"hi"}` + "\n", wantLine: 1, wantText: "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			writeFile(t, s, "threads/t/thread.json", `{"id":"t","object":"thread"}`)
			writeFile(t, s, "threads/t/"+tc.file, tc.content)
			path := filepath.Join(s.Dir(), "threads", "t", tc.file)
			for _, op := range []string{"Load", "Append"} {
				var err error
				if op == "Load" {
					_, err = s.Load(ctx, "t")
				} else {
					err = s.Append(ctx, "t", "", []threads.Message{msg("user", "x")})
				}
				if op == "Append" && tc.file == "messages.jsonl" && !strings.Contains(tc.name, "torn") {
					continue // appending checks only that the last line is whole
				}
				var ce *threads.CorruptError
				if !errors.As(err, &ce) || ce.Where != path || ce.Line != tc.wantLine ||
					!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.wantText) {
					t.Errorf("%s: %v (want CorruptError at %s line %d)", op, err, path, tc.wantLine)
				}
			}
			if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), tc.content) {
				t.Errorf("the damaged file was changed: %q", b)
			}
		})
	}
}
