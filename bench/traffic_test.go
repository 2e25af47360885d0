package bench

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRequestsWearAnSDKIdentity(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
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
			_, err := Run(t.Context(), RunOptions{Target: target, Suite: "smoke", Limit: 2, NoStream: true, ClientIdentity: c.identity,
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
	if _, err := Run(t.Context(), RunOptions{ClientIdentity: "curl", Out: filepath.Join(t.TempDir(), "r.json")}); err == nil {
		t.Fatal("an unknown identity must be an input error")
	}
}

// With --model, the run opens with a chat request, as an SDK user would,
// not with GET /models; without it, the list is needed and fetched.
func TestNoModelsRequestFirstWhenTheModelIsGiven(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
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
			if _, err := Run(t.Context(), RunOptions{Target: target, Model: c.model, Suite: "smoke", Limit: 1, NoStream: true,
				Out: filepath.Join(t.TempDir(), "r.json")}); err != nil {
				t.Fatal(err)
			}
			if listed != c.wantList || (!c.wantList && first != "POST /v1/chat/completions") {
				t.Fatalf("first request %q, GET /models sent %v; want %v", first, listed, c.wantList)
			}
		})
	}
	_, err := Run(t.Context(), RunOptions{Target: "http://127.0.0.1:1/v1", Model: "m", Suite: "smoke", Out: filepath.Join(t.TempDir(), "r.json")})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "reach target") {
		t.Fatalf("unreachable target with --model: %v, want a reach-target input error", err)
	}
}
