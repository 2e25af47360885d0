package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// memorySuite is janus-default's cross-conversation memory tasks.
func memorySuite(t *testing.T) *suites.Suite {
	t.Helper()
	def, err := suites.Load(context.Background(), "janus-default")
	if err != nil {
		t.Fatal(err)
	}
	s := &suites.Suite{Name: "mem", Version: "1.0.0"}
	for _, tk := range def.Tasks {
		if tk.Memory != nil {
			s.Tasks = append(s.Tasks, tk)
		}
	}
	if len(s.Tasks) == 0 {
		t.Fatal("janus-default has no memory task")
	}
	if s.SHA256, err = suites.Hash(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// memoryTarget is a target whose memory is remember(user, told) and whose
// answer is answer(user, question); it keeps every user id it saw.
type memoryTarget struct {
	mu     sync.Mutex
	told   map[string][]string // by user id
	all    []string            // every told message, in order
	users  []string
	answer func(m *memoryTarget, user, question string) string
}

func (m *memoryTarget) serve(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/models") {
			_ = json.NewEncoder(w).Encode(wire.ModelList{Object: "list", Data: []wire.Model{{ID: "m", Object: "model"}}})
			return
		}
		var req wire.ChatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		user, last := r.Header.Get(HeaderUserID), wire.LastUser(req.Messages)
		m.mu.Lock()
		m.users = append(m.users, user)
		content := "Noted."
		if strings.Contains(last, "?") {
			content = m.answer(m, user, last)
		} else {
			m.told[user] = append(m.told[user], last)
			m.all = append(m.all, last)
		}
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(wire.Completion{ID: "c", Object: wire.ObjectCompletion, Model: "m",
			Usage:   &wire.Usage{PromptTokens: 10, CompletionTokens: 2, TotalTokens: 12},
			Choices: []wire.Choice{{Message: wire.Message{Role: "assistant", Content: content}, FinishReason: "stop"}}})
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/v1"
}

// TestMemoryTasksNeedMemoryPerUser: a target that remembers per user id
// passes janus-default's cross-conversation tasks; one without memory, one
// with a memory shared by every user (answering with all it was told, or
// with the last thing told) scores 0 on each. Every task uses two user ids
// of its own, and a second run new ones.
func TestMemoryTasksNeedMemoryPerUser(t *testing.T) {
	s := memorySuite(t)
	cases := []struct {
		name   string
		answer func(m *memoryTarget, user, question string) string
		want   float64
	}{
		{"per user", func(m *memoryTarget, user, _ string) string { return lastWords(m.told[user]) }, 1},
		{"no memory", func(*memoryTarget, string, string) string { return "I do not know that yet." }, 0},
		{"shared memory", func(m *memoryTarget, _, _ string) string { return lastWords(m.all) }, 0},
		{"last told", func(m *memoryTarget, _, _ string) string { return lastWords(m.all[len(m.all)-1:]) }, 0},
		// the right value padded into a sentence: checked exactly, it fails
		{"padded", func(m *memoryTarget, user, _ string) string {
			return "According to my notes it is " + lastWords(m.told[user]) + "."
		}, 0},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &memoryTarget{told: map[string][]string{}, answer: tc.answer}
			url := m.serve(t)
			// No warm-up: this target counts every request as a memory turn.
			rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: url, Model: "m", NoStream: true, Loader: staticLoader{s}, Warmup: -1,
				Out: filepath.Join(t.TempDir(), "r.json"), Concurrency: 1})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, r := range rep.Tasks {
				if r.Score != tc.want || r.Category != suites.CatMemory {
					t.Errorf("%s (%s): score %v, want %v: %s", r.ID, r.Category, r.Score, tc.want, r.Reason)
				}
			}
			// Per task: the user's and the decoy's earlier conversation
			// and question, under two ids no other task or run used.
			if want := 4 * len(s.Tasks); len(m.users) != want {
				t.Fatalf("%d requests, want %d", len(m.users), want)
			}
			ids := map[string]bool{}
			for _, u := range m.users {
				if !uuidRe.MatchString(u) || seen[u] {
					t.Fatalf("user id %q: missing, or used by an earlier run", u)
				}
				ids[u] = true
			}
			if len(ids) != 2*len(s.Tasks) {
				t.Errorf("%d distinct user ids, want %d", len(ids), 2*len(s.Tasks))
			}
			for u := range ids {
				seen[u] = true
			}
		})
	}
}

// TestEmbeddedTargetPassesMemoryTasksThroughMemory: `bench run` with no
// target boots the reference target with a memory service, and it passes
// the memory tasks (its sim has no answer for them: it answers from what
// the service recalled); the same sim without a memory service scores 0.
func TestEmbeddedTargetPassesMemoryTasksThroughMemory(t *testing.T) {
	s := memorySuite(t)
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Loader: staticLoader{s}, Start: reference.Starter(baseline.Config{Pace: baseline.Unpaced()}),
		Out: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, r := range rep.Tasks {
		if r.Score != 1 {
			t.Errorf("embedded, with memory: %s scores %v: %s", r.ID, r.Score, r.Reason)
		}
	}
	url, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced(), Suites: []*suites.Suite{s}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	rep, err = Run(context.Background(), RunOptions{Evaluator: testEval, Target: url, Loader: staticLoader{s}, Out: filepath.Join(t.TempDir(), "r2.json")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, r := range rep.Tasks {
		if r.Score != 0 {
			t.Errorf("oracle sim without memory: %s scores %v: %s", r.ID, r.Score, r.Reason)
		}
	}
}

// TestMemoryTaskRecordAndReplay: --record keeps every request of a memory
// task (earlier conversations, question, decoy's question) and replay
// scores the task as the run did, the decoy included; without the decoy's
// recording the task scores 0.
func TestMemoryTaskRecordAndReplay(t *testing.T) {
	s := memorySuite(t)
	s.Tasks = s.Tasks[:1]
	m := &memoryTarget{told: map[string][]string{}, answer: func(m *memoryTarget, user, _ string) string { return lastWords(m.told[user]) }}
	dir := t.TempDir()
	rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: m.serve(t), Model: "m", NoStream: true, Loader: staticLoader{s},
		Out: filepath.Join(t.TempDir(), "r.json"), RecordDir: dir})
	if err != nil || rep.Tasks[0].Score != 1 {
		t.Fatalf("run: %v, %+v", err, rep.Tasks)
	}
	id := s.Tasks[0].ID
	for _, n := range []string{id, id + ".tell1", id + ".decoy.tell1", id + ".decoy"} {
		if _, err := os.Stat(filepath.Join(dir, n+recordingSuffix)); err != nil {
			t.Fatalf("recording %s: %v", n, err)
		}
	}
	got, err := Replay(context.Background(), ReplayOptions{Evaluator: testEval, Dir: dir, Loader: staticLoader{s}, Out: filepath.Join(t.TempDir(), "p.json")})
	if err != nil || got.Tasks[0].Score != 1 {
		t.Fatalf("replay: %v, %+v", err, got.Tasks)
	}
	if err := os.Remove(filepath.Join(dir, id+".decoy"+recordingSuffix)); err != nil {
		t.Fatal(err)
	}
	got, err = Replay(context.Background(), ReplayOptions{Evaluator: testEval, Dir: dir, Loader: staticLoader{s}, Out: filepath.Join(t.TempDir(), "q.json")})
	if err != nil || got.Tasks[0].Score != 0 || !strings.Contains(got.Tasks[0].Reason, "decoy") {
		t.Fatalf("replay without the decoy: %v, %+v", err, got.Tasks)
	}
}

// lastWords is the value each told message ends with ("… is 482193."),
// joined by spaces.
func lastWords(told []string) string {
	var out []string
	for _, s := range told {
		if w := strings.Fields(s); len(w) > 0 {
			out = append(out, strings.TrimRight(w[len(w)-1], "."))
		}
	}
	return strings.Join(out, " ")
}
