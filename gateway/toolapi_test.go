package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/internal/search"
)

// toolGateway runs a gateway over a small known corpus with the local
// backends.
func toolGateway(t *testing.T, extra func(*Options)) *Running {
	corpus := search.NewCorpus([]search.Doc{
		{ID: "sse", Title: "Server-sent events", URL: "https://docs.test/sse",
			Text: "Server-sent events stream text/event-stream data lines to a browser. A comment line keeps the stream alive."},
		{ID: "bm25", Title: "BM25", URL: "https://docs.test/bm25",
			Text: "BM25 ranks documents by term frequency and inverse document frequency with length normalisation."},
		{ID: "tower", Title: "Eiffel Tower", URL: "https://docs.test/tower",
			Text: "The Eiffel Tower in Paris is 330 metres tall."},
	})
	up := arenaUpstream(t, "x")
	opts := Options{Competitors: []string{"u=" + up.URL + ",default"}, Tools: Tools{
		Search: LocalSearch{Corpus: corpus}, Research: LocalResearch{Corpus: corpus},
		Sandbox: LocalSandbox{Limits: coderun.Limits{Wall: 20 * time.Second, CPU: 10 * time.Second, Memory: 512 << 20}}}}
	if extra != nil {
		extra(&opts)
	}
	return startGateway(t, opts)
}

// decodeOK checks a 200 and decodes the body.
func decodeOK(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	b := readAll(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// TestSearchAPI checks BM25 search over the local corpus through the
// gateway: the matching document first, k honoured, refusals as OpenAI
// errors.
func TestSearchAPI(t *testing.T) {
	gw := toolGateway(t, nil)
	var got struct {
		Object  string         `json:"object"`
		Results []SearchResult `json:"results"`
	}
	decodeOK(t, postJSON(t, gw.URL, "/api/search/web", `{"query":"how tall is the eiffel tower","k":2}`, nil), &got)
	if got.Object != "search.results" || len(got.Results) == 0 || got.Results[0].ID != "tower" ||
		got.Results[0].URL != "https://docs.test/tower" || got.Results[0].Snippet == "" {
		t.Fatalf("results %+v", got)
	}
	if len(got.Results) > 2 {
		t.Errorf("%d results for k=2", len(got.Results))
	}
	decodeOK(t, postJSON(t, gw.URL, "/api/search/web", `{"query":"zebra quantum"}`, nil), &got)
	if len(got.Results) != 0 {
		t.Errorf("no word matches, yet results %+v", got.Results)
	}
	for _, tc := range []struct{ name, body, param string }{
		// Empty query.
		{"empty", `{"query":"  "}`, "query"},
		// Misspelt field.
		{"unknown field", `{"q":"x"}`, ""},
		// Not JSON.
		{"not json", `query=x`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := errorEnvelope(t, postJSON(t, gw.URL, "/api/search/web", tc.body, nil), 400)
			if tc.param != "" && (env.Error.Param == nil || *env.Error.Param != tc.param) {
				t.Errorf("%s: param %v, want %s", tc.name, env.Error.Param, tc.param)
			}
		})
	}
}

// TestResearchAPI checks research = search + fetch: the sources carry
// the whole documents, in rank order, and the summary cites them.
func TestResearchAPI(t *testing.T) {
	gw := toolGateway(t, nil)
	var got struct {
		Object string `json:"object"`
		ResearchReport
	}
	decodeOK(t, postJSON(t, gw.URL, "/api/research", `{"question":"What does BM25 rank documents by?","k":3}`, nil), &got)
	if got.Object != "research.report" || len(got.Sources) == 0 || got.Sources[0].ID != "bm25" {
		t.Fatalf("report %+v", got)
	}
	if !strings.Contains(got.Sources[0].Text, "inverse document frequency") {
		t.Errorf("source text %q is not the fetched document", got.Sources[0].Text)
	}
	if !strings.HasPrefix(got.Summary, "[1] BM25") {
		t.Errorf("summary %q", got.Summary)
	}
	errorEnvelope(t, postJSON(t, gw.URL, "/api/research", `{"question":""}`, nil), 400)
}

// sandboxGateway runs a gateway with the sandbox endpoint enabled behind
// the key "k1"; the keys file holds a second client's key too.
func sandboxGateway(t *testing.T, extra func(*Options)) (*Running, string) {
	t.Helper()
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, []byte("k1\nother-clients-secret-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return toolGateway(t, func(o *Options) {
		o.APIKeysFile = keys
		o.Sandbox.Enabled = true
		if extra != nil {
			extra(o)
		}
	}), keys
}

var authK1 = map[string]string{"Authorization": "Bearer k1"}

// TestSandboxAPI runs programs in the local sandbox (internal/coderun)
// through the gateway, and each answer names the limits it ran under.
func TestSandboxAPI(t *testing.T) {
	gw, _ := sandboxGateway(t, func(o *Options) { o.Sandbox.RateLimit, o.Sandbox.RateBurst = 1000, 1000 })
	for _, tc := range []struct {
		name, body, status, stdout string
	}{
		// JavaScript prints.
		{"js", `{"language":"javascript","code":"console.log(6*7)"}`, "passed", "42\n"},
		// Hidden tests that fail.
		{"failing tests", `{"language":"javascript","code":"function f(){return 1}","tests":"assertEqual(f(), 2)"}`, "failed", ""},
		// Go's own main runs when there are no tests.
		{"go", `{"language":"go","code":"package main\nimport \"fmt\"\nfunc main(){ fmt.Println(\"hi\") }"}`, "passed", "hi\n"},
		// A loop past its (lowered) wall limit is killed.
		{"timeout", `{"language":"javascript","code":"for(;;){}","timeout_seconds":1}`, "killed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got SandboxResult
			decodeOK(t, postJSON(t, gw.URL, "/api/sandbox/create", tc.body, authK1), &got)
			if got.Status != tc.status || (tc.stdout != "" && got.Stdout != tc.stdout) || !strings.HasPrefix(got.ID, "sbx-") {
				t.Fatalf("result %+v, want status %s stdout %q", got, tc.status, tc.stdout)
			}
			if got.Limits == nil || got.Limits.Isolation != "bwrap" || got.Limits.MemoryBytes != 512<<20 || got.Limits.Network || got.Limits.Processes != 1 {
				t.Errorf("limits %+v, want the sandbox's (bwrap, 512 MiB, no network, one process)", got.Limits)
			}
		})
	}
	for _, body := range []string{
		`{"language":"cobol","code":"x"}`,                           // unknown language
		`{"language":"javascript","code":""}`,                       // no code
		`{"language":"javascript","code":"1","timeout_seconds":-1}`, // negative timeout
	} {
		t.Run(body, func(t *testing.T) {
			errorEnvelope(t, postJSON(t, gw.URL, "/api/sandbox/create", body, authK1), 400)
		})
	}
}

// TestSandboxAPIKeyFileRepro is issue 16's repro: a key holder's code
// reads the gateway's API-key file. It now prints nothing of the host.
func TestSandboxAPIKeyFileRepro(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	gw, keys := sandboxGateway(t, nil)
	body, _ := json.Marshal(map[string]string{"language": "python", "code": "print(open(" + strconv.Quote(keys) + ").read())"})
	var got SandboxResult
	decodeOK(t, postJSON(t, gw.URL, "/api/sandbox/create", string(body), authK1), &got)
	if got.Status == "passed" || strings.Contains(got.Stdout+got.Stderr, "other-clients-secret-key") {
		t.Fatalf("the sandbox read the gateway's key file: %+v", got)
	}
	if !strings.Contains(got.Reason, "No such file") {
		t.Errorf("reason %q, want the file to be absent in the sandbox", got.Reason)
	}
}

// blockingSandbox is a backend that holds each run until released, so
// the concurrency cap can be seen without timing.
type blockingSandbox struct{ started, release chan struct{} }

func (b blockingSandbox) Run(ctx context.Context, _ SandboxRequest) (SandboxResult, error) {
	b.started <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return SandboxResult{ID: "sbx-test", Status: "passed"}, nil
}

// TestSandboxAPIGuards: off unless enabled; enabled only with API keys;
// its own rate limit and concurrency cap.
func TestSandboxAPIGuards(t *testing.T) {
	off := toolGateway(t, nil)
	if env := errorEnvelope(t, postJSON(t, off.URL, "/api/sandbox/create", `{"language":"javascript","code":"1"}`, nil), 404); env.Error.Code != "sandbox_disabled" {
		t.Errorf("disabled endpoint: %+v", env.Error)
	}
	up := arenaUpstream(t, "x")
	if _, err := New(Options{Competitors: []string{"u=" + up.URL}, Sandbox: SandboxOptions{Enabled: true}}); err == nil ||
		!strings.Contains(err.Error(), "--api-keys") {
		t.Errorf("enabled without keys: %v, want an error naming --api-keys", err)
	}

	b := blockingSandbox{started: make(chan struct{}), release: make(chan struct{})}
	gw, _ := sandboxGateway(t, func(o *Options) {
		o.Tools.Sandbox = b
		o.Sandbox.Concurrency, o.Sandbox.RateLimit, o.Sandbox.RateBurst = 1, 1e-6, 2
	})
	errorEnvelope(t, postJSON(t, gw.URL, "/api/sandbox/create", `{"language":"javascript","code":"1"}`, nil), 401)
	first := make(chan *http.Response, 1)
	go func() {
		first <- postJSON(t, gw.URL, "/api/sandbox/create", `{"language":"javascript","code":"1"}`, authK1)
	}()
	<-b.started
	if env := errorEnvelope(t, postJSON(t, gw.URL, "/api/sandbox/create", `{"language":"javascript","code":"1"}`, authK1), 429); env.Error.Code != "sandbox_busy" {
		t.Errorf("second concurrent run: %+v, want sandbox_busy", env.Error)
	}
	close(b.release)
	var got SandboxResult
	decodeOK(t, <-first, &got)
	// The burst of 2 is spent (the busy refusal took a token too).
	if env := errorEnvelope(t, postJSON(t, gw.URL, "/api/sandbox/create", `{"language":"javascript","code":"1"}`, authK1), 429); env.Error.Code != "sandbox_rate_limit_exceeded" {
		t.Errorf("third run: %+v, want sandbox_rate_limit_exceeded", env.Error)
	}
}

// failingSearch is a search provider whose service is down, as a real one
// can be: it shows how a provider plugs in and how its failure surfaces.
type failingSearch struct{}

func (failingSearch) Search(context.Context, string, int) ([]SearchResult, error) {
	return nil, errors.New("provider unreachable")
}

// TestToolAPIGuards checks that the helper APIs sit behind the API keys
// (the sandbox runs code) and that a plugged-in backend's failure is a 502.
func TestToolAPIGuards(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, []byte("k1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := toolGateway(t, func(o *Options) { o.APIKeysFile = keys; o.Tools.Search = failingSearch{} })
	for _, p := range []string{"/api/search/web", "/api/research", "/api/sandbox/create"} {
		t.Run(p, func(t *testing.T) {
			errorEnvelope(t, postJSON(t, gw.URL, p, `{}`, nil), 401)
		})
	}
	env := errorEnvelope(t, postJSON(t, gw.URL, "/api/search/web", `{"query":"x"}`, map[string]string{"Authorization": "Bearer k1"}), 502)
	if env.Error.Code != "search_failed" || !strings.Contains(env.Error.Message, "provider unreachable") {
		t.Errorf("error %+v", env.Error)
	}
}
