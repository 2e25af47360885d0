package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/janus-bench/janus/suites"
)

// leakyTarget answers every prompt holding a canary marker with the
// canary's code under key (a competitor that obtained the suite's key and
// read janus's source), and anything else with "x".
func leakyTarget(t *testing.T, key []byte) string {
	return leakyTargetWith(t, key, func(*http.Request) {})
}

// leakyTargetObserving is a target that knows no key and shows each
// request to observe before answering.
func leakyTargetObserving(t *testing.T, observe func(*http.Request)) string {
	return leakyTargetWith(t, nil, observe)
}

func leakyTargetWith(t *testing.T, key []byte, observe func(*http.Request)) string {
	marker := regexp.MustCompile(`[0-9A-F]{12}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		observe(r)
		if r.Method == http.MethodGet {
			json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []any{map[string]any{"id": "leaky", "object": "model"}}})
			return
		}
		var req struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		answer := "x"
		if n := len(req.Messages); n > 0 {
			if m := marker.FindString(req.Messages[n-1].Content); m != "" && key != nil {
				answer = CanaryAnswer(key, m)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": "leaky",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": answer}}},
			"usage":   map[string]any{"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func TestCanariesDetectALeakedKey(t *testing.T) {
	key := bytes.Repeat([]byte{5}, 32)
	sealed, err := suites.Encrypt([]byte(privateSuite), key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "private.jsonl.enc")
	if err := os.WriteFile(file, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		o          RunOptions
		sent, hits int
	}{
		{"leaked key", RunOptions{Evaluator: testEval, Target: leakyTarget(t, key), Suite: file, SuiteKey: key, NoStream: true}, canaryCount, canaryCount},
		{"honest target, private suite", RunOptions{Evaluator: testEval, Target: leakyTarget(t, nil), Suite: file, SuiteKey: key, NoStream: true}, canaryCount, 0},
		{"key from another suite", RunOptions{Evaluator: testEval, Target: leakyTarget(t, bytes.Repeat([]byte{6}, 32)), Suite: file, SuiteKey: key, NoStream: true}, canaryCount, 0},
		{"fresh seed, oracle", RunOptions{Evaluator: testEval, Suite: "janus-default", Categories: []string{"cost"}, Limit: 4, Start: quickStart}, canaryCount, 0},
		{"public tasks: no canary", RunOptions{Evaluator: testEval, Suite: "smoke@stored", Limit: 2, Start: quickStart}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var text strings.Builder
			c.o.Out, c.o.Stdout = filepath.Join(t.TempDir(), "r.json"), &text
			rep, err := Run(t.Context(), c.o)
			if err != nil && c.o.Target == "" {
				t.Fatal(err)
			}
			if rep == nil {
				t.Fatal(err)
			}
			got := rep.Canaries
			if c.sent == 0 {
				if got != nil {
					t.Fatalf("canaries %+v on public tasks", got)
				}
				return
			}
			if got == nil || got.Sent != c.sent || got.Answered != c.hits || len(got.Markers) != c.sent {
				t.Fatalf("canaries %+v, want %d sent, %d answered", got, c.sent, c.hits)
			}
			if len(rep.Tasks) != rep.Run.TasksPlanned {
				t.Fatalf("%d tasks scored, %d planned: canaries must not be scored", len(rep.Tasks), rep.Run.TasksPlanned)
			}
			if (c.hits > 0) != strings.Contains(text.String(), "CANARY") {
				t.Fatalf("text report does not say the leak right:\n%s", text.String())
			}
			readValid(t, c.o.Out)
		})
	}
}
