package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/internal/wire"
)

func TestRequestsWearAnSDKIdentity(t *testing.T) {
	cases := []struct {
		name, identity, ua string
		user               http.Header
		wantUA, wantLang   string
	}{
		{"default: the OpenAI Python SDK", "", "", nil, "OpenAI/Python " + openAIPythonVersion, "python"},
		{"--user-agent", "", "my-client/2", nil, "my-client/2", "python"},
		{"--header wins", "", "", http.Header{"X-Stainless-Lang": {"js"}}, "OpenAI/Python " + openAIPythonVersion, "js"},
		{"none: Go's", IdentityNone, "", nil, "Go-http-client/1.1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]bool{}
			var lang []string
			target := leakyTargetObserving(t, func(r *http.Request) {
				if r.Method != http.MethodPost {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				seen[r.UserAgent()] = true
				lang = append(lang, r.Header.Get("X-Stainless-Lang"))
			})
			_, err := Run(t.Context(), RunOptions{Evaluator: testEval, Target: target, Suite: "smoke", Limit: 2, NoStream: true, ClientIdentity: c.identity,
				UserAgent: c.ua, Header: c.user, Out: filepath.Join(t.TempDir(), "r.json")})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != 1 || !seen[c.wantUA] {
				t.Fatalf("user agents %v, want only %q", seen, c.wantUA)
			}
			for _, l := range lang {
				if l != c.wantLang {
					t.Fatalf("X-Stainless-Lang %q, want %q", l, c.wantLang)
				}
			}
		})
	}
	if _, err := Run(t.Context(), RunOptions{Evaluator: testEval, ClientIdentity: "curl", Out: filepath.Join(t.TempDir(), "r.json")}); err == nil {
		t.Fatal("an unknown identity must be an input error")
	}
}

// With --model, the run opens with a chat request, as an SDK user would,
// not with GET /models; without it, the list is needed and fetched.
func TestNoModelsRequestFirstWhenTheModelIsGiven(t *testing.T) {
	for _, c := range []struct {
		name, model string
		wantList    bool
	}{{"--model given", "m", false}, {"no --model", "", true}} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var first string
			listed := false
			target := leakyTargetObserving(t, func(r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if first == "" {
					first = r.Method + " " + r.URL.Path
				}
				listed = listed || r.Method == http.MethodGet
			})
			if _, err := Run(t.Context(), RunOptions{Evaluator: testEval, Target: target, Model: c.model, Suite: "smoke", Limit: 1, NoStream: true,
				Out: filepath.Join(t.TempDir(), "r.json")}); err != nil {
				t.Fatal(err)
			}
			if listed != c.wantList || (!c.wantList && first != "POST /v1/chat/completions") {
				t.Fatalf("first request %q, GET /models sent %v; want %v", first, listed, c.wantList)
			}
		})
	}
	_, err := Run(t.Context(), RunOptions{Evaluator: testEval, Target: "http://127.0.0.1:1/v1", Model: "m", Suite: "smoke", Out: filepath.Join(t.TempDir(), "r.json")})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "reach target") {
		t.Fatalf("unreachable target with --model: %v, want a reach-target input error", err)
	}
}

// The warm-up is a task like the others: drawn from the run's generator
// (not a task the run scores), sent first, with exactly the headers of
// every scored request and the same model and stream fields; no header
// names janus, a probe or a warm-up. The report counts the warm-ups.
func TestWarmupIsIndistinguishableFromTasks(t *testing.T) {
	const seed = 5
	suite, err := suitegen.FreshSmoke(seed)
	if err != nil {
		t.Fatal(err)
	}
	prompts := map[string]bool{}
	for _, task := range suite.Tasks {
		prompts[wire.LastUser(task.Messages)] = true // the user's words: system prompts are shared
	}
	type sent struct {
		header      http.Header
		first       string
		model       string
		stream      bool
		isSuiteTask bool
	}
	var mu sync.Mutex
	var posts []sent
	target := leakyTargetObserving(t, func(r *http.Request) {
		if r.Method != http.MethodPost {
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req wire.ChatRequest
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
			t.Errorf("unreadable request %q: %v", body, err)
			return
		}
		h := r.Header.Clone()
		h.Del("Content-Length") // the body's length, not a header set
		first := wire.LastUser(req.Messages)
		mu.Lock()
		defer mu.Unlock()
		posts = append(posts, sent{h, first, req.Model, req.Stream, prompts[first]})
	})
	rep, err := Run(t.Context(), RunOptions{Evaluator: testEval, Target: target, Model: "m", Suite: DefaultSuite, Seed: seed, Limit: 3, NoStream: true,
		Warmup: 2, Concurrency: 1, Out: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Run.Warmup != 2 || len(rep.Tasks) != 3 {
		t.Fatalf("report: %d warm-ups, %d tasks; want 2, 3", rep.Run.Warmup, len(rep.Tasks))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 5 {
		t.Fatalf("%d chat requests, want 2 warm-ups and 3 tasks", len(posts))
	}
	for i, p := range posts {
		if warm := i < 2; p.isSuiteTask == warm {
			t.Errorf("request %d (%.40q): a task of the run %v, want %v (warm-ups first, none a scored task)", i, p.first, p.isSuiteTask, !warm)
		}
		for name := range p.header {
			if n := strings.ToLower(name); strings.Contains(n, "janus") || strings.Contains(n, "probe") || strings.Contains(n, "warm") {
				t.Errorf("request %d wears header %s", i, name)
			}
		}
		if p.model != posts[2].model || p.stream != posts[2].stream {
			t.Errorf("request %d: model %q stream %v; a task: %q %v", i, p.model, p.stream, posts[2].model, posts[2].stream)
		}
		if !reflect.DeepEqual(p.header, posts[2].header) {
			t.Errorf("request %d headers %v differ from a scored request's %v", i, p.header, posts[2].header)
		}
	}
	if posts[0].first == posts[1].first {
		t.Errorf("two warm-ups sent one prompt %q", posts[0].first)
	}
}
