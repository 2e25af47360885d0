package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/search"
	"github.com/janus-bench/janus/scorer/coderun"
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
		env := errorEnvelope(t, postJSON(t, gw.URL, "/api/search/web", tc.body, nil), 400)
		if tc.param != "" && (env.Error.Param == nil || *env.Error.Param != tc.param) {
			t.Errorf("%s: param %v, want %s", tc.name, env.Error.Param, tc.param)
		}
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

// TestSandboxAPI runs programs in the local sandbox (scorer/coderun)
// through the gateway.
func TestSandboxAPI(t *testing.T) {
	gw := toolGateway(t, nil)
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
			decodeOK(t, postJSON(t, gw.URL, "/api/sandbox/create", tc.body, nil), &got)
			if got.Status != tc.status || (tc.stdout != "" && got.Stdout != tc.stdout) || !strings.HasPrefix(got.ID, "sbx-") {
				t.Fatalf("result %+v, want status %s stdout %q", got, tc.status, tc.stdout)
			}
		})
	}
	for _, body := range []string{
		`{"language":"cobol","code":"x"}`,                           // unknown language
		`{"language":"javascript","code":""}`,                       // no code
		`{"language":"javascript","code":"1","timeout_seconds":-1}`, // negative timeout
	} {
		errorEnvelope(t, postJSON(t, gw.URL, "/api/sandbox/create", body, nil), 400)
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
		errorEnvelope(t, postJSON(t, gw.URL, p, `{}`, nil), 401)
	}
	env := errorEnvelope(t, postJSON(t, gw.URL, "/api/search/web", `{"query":"x"}`, map[string]string{"Authorization": "Bearer k1"}), 502)
	if env.Error.Code != "search_failed" || !strings.Contains(env.Error.Message, "provider unreachable") {
		t.Errorf("error %+v", env.Error)
	}
}
