package janstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/wire"
)

// api serves a fresh store's API on loopback.
func api(t *testing.T) (*janstore.Store, string) {
	t.Helper()
	s := open(t)
	mux := http.NewServeMux()
	janstore.NewAPI(s, nil).Register(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// call sends a request and decodes the JSON answer into out (if not nil),
// returning the status.
func call(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %s: %v", method, url, b, err)
		}
	}
	return resp.StatusCode
}

// TestAPI walks the API: create, list, get and delete assistants and
// threads, read messages, and the error answers.
func TestAPI(t *testing.T) {
	s, base := api(t)
	var a janstore.Assistant
	if st := call(t, "POST", base+"/v1/assistants", `{"id":"helper","name":"Helper","model":"m1","instructions":"be brief","model_file":{"parameters":{"temperature":0.3}}}`, &a); st != 200 ||
		a.ID != "helper" || a.Object != "assistant" || a.ModelFile == nil {
		t.Fatalf("create assistant: %d %+v", st, a)
	}
	if b, err := os.ReadFile(filepath.Join(s.Dir(), "assistants", "helper", "model.json")); err != nil ||
		!bytes.Contains(b, []byte(`"temperature": 0.3`)) {
		t.Errorf("assistant model.json: %s %v", b, err)
	}
	var gen janstore.Assistant
	if st := call(t, "POST", base+"/v1/assistants", `{"name":"anon"}`, &gen); st != 200 || !strings.HasPrefix(gen.ID, "asst_") {
		t.Errorf("create with a generated id: %d %+v", st, gen)
	}
	var as struct {
		Object string
		Data   []janstore.Assistant
	}
	if st := call(t, "GET", base+"/v1/assistants", "", &as); st != 200 || as.Object != "list" || len(as.Data) != 2 {
		t.Errorf("list assistants: %d %+v", st, as)
	}
	var th janstore.Thread
	if st := call(t, "POST", base+"/v1/threads", `{"id":"t1","assistant_id":"helper","model_file":{"system_prompt":"thread says"}}`, &th); st != 200 ||
		th.ID != "t1" || th.AssistantID != "helper" || th.Locked {
		t.Fatalf("create thread: %d %+v", st, th)
	}
	if err := s.Append(context.Background(), "t1", "helper", []threads.Message{msg("user", "hi"), msg("assistant", "hello")}); err != nil {
		t.Fatal(err)
	}
	var ms struct {
		Object string
		Data   []threads.Message
	}
	if st := call(t, "GET", base+"/v1/threads/t1/messages", "", &ms); st != 200 || len(ms.Data) != 2 || ms.Data[1].Content != "hello" {
		t.Errorf("messages: %d %+v", st, ms)
	}
	if st := call(t, "GET", base+"/v1/threads/t1", "", &th); st != 200 || !th.Locked || th.ReadOnly || th.ModelFile["system_prompt"] != "thread says" {
		t.Errorf("get thread: %d %+v", st, th)
	}
	var del struct {
		ID, Object string
		Deleted    bool
	}
	if st := call(t, "DELETE", base+"/v1/assistants/helper", "", &del); st != 200 || !del.Deleted || del.Object != "assistant.deleted" {
		t.Errorf("delete assistant: %d %+v", st, del)
	}
	if st := call(t, "GET", base+"/v1/threads/t1", "", &th); st != 200 || !th.ReadOnly {
		t.Errorf("thread after its assistant was deleted: %d %+v", st, th)
	}
	var ts struct{ Data []janstore.Thread }
	if st := call(t, "GET", base+"/v1/threads", "", &ts); st != 200 || len(ts.Data) != 1 {
		t.Errorf("list threads: %d %+v", st, ts)
	}
	if st := call(t, "DELETE", base+"/v1/threads/t1", "", &del); st != 200 || del.Object != "thread.deleted" {
		t.Errorf("delete thread: %d %+v", st, del)
	}

	// Errors are OpenAI envelopes with the right status.
	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		// Gone after the delete.
		{"GET", "/v1/threads/t1", "", 404, "not found"},
		{"GET", "/v1/threads/t1/messages", "", 404, "not found"},
		{"DELETE", "/v1/threads/t1", "", 404, "not found"},
		{"GET", "/v1/assistants/helper", "", 404, "not found"},
		// A taken id.
		{"POST", "/v1/assistants", `{"id":"` + gen.ID + `"}`, 409, "already exists"},
		// A thread for an assistant that does not exist.
		{"POST", "/v1/threads", `{"assistant_id":"ghost"}`, 404, "not found"},
		// Ids that could escape the data dir.
		{"POST", "/v1/threads", `{"id":"../etc"}`, 400, "id"},
		{"GET", "/v1/threads/..%2F..%2Fetc", "", 404, "not found"},
		// A field the API does not know is named.
		{"POST", "/v1/threads", `{"assistant":"x"}`, 400, `unknown field "assistant"`},
		// A model file with a bad type names the field.
		{"POST", "/v1/threads", `{"model_file":{"parameters":{"top_p":"high"}}}`, 400, "parameters.top_p"},
		// A method the path does not serve.
		{"PUT", "/v1/threads", `{}`, 405, "not allowed"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			var env wire.ErrorEnvelope
			st := call(t, tc.method, base+tc.path, tc.body, &env)
			if st != tc.status || !strings.Contains(env.Error.Message, tc.want) {
				t.Errorf("%s %s %s: %d %+v, want %d containing %q", tc.method, tc.path, tc.body, st, env.Error, tc.status, tc.want)
			}
		})
	}
}

// TestAPICorruptThread checks that a corrupt thread.json is a 500 naming
// the file, also in a listing.
func TestAPICorruptThread(t *testing.T) {
	s, base := api(t)
	writeFile(t, s, "threads/t/thread.json", `{"id": "t", `)
	path := filepath.Join(s.Dir(), "threads", "t", "thread.json")
	for _, p := range []string{"/v1/threads/t", "/v1/threads"} {
		t.Run(p, func(t *testing.T) {
			var env wire.ErrorEnvelope
			st := call(t, "GET", base+p, "", &env)
			if st != 500 || !strings.Contains(env.Error.Message, path) || env.Error.Code != "corrupt_store" {
				t.Errorf("GET %s: %d %+v", p, st, env.Error)
			}
		})
	}
}
