package memory_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/memory"
	"github.com/janus-bench/janus/internal/sqlstore"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
)

var talk = []memory.Message{
	{Role: "user", Content: "Hi! My cat is called Miso and she loves tuna."},
	{Role: "assistant", Content: "Miso is a lovely name. How can I help?"},
	{Role: "user", Content: "I live in Lisbon. I prefer answers in metric units. What's a good weekend trip?"},
}

// TestRoundTrip: extract with the sim LLM, then recall, list, read, patch,
// delete and clear over real HTTP, on each store backend and with each
// recall method.
func TestRoundTrip(t *testing.T) {
	llm := simLLM(t)
	for _, be := range sqltest.Backends(t) {
		for _, method := range []string{memory.MethodBM25, memory.MethodEmbeddings} {
			t.Run(be.Name+"/"+method, func(t *testing.T) {
				cfg := memory.Config{DSN: be.DSN(t), LLMURL: llm, LLMModel: "sim"}
				if method == memory.MethodEmbeddings {
					cfg.EmbedURL, cfg.EmbedModel = llm, "janus-hash-embed"
				}
				base := startService(t, cfg)
				roundTrip(t, base, method)
			})
		}
	}
}

func roundTrip(t *testing.T, base, method string) {
	var ex memory.ExtractResponse
	if st, body := call(t, "POST", base+"/memories/extract", memory.ExtractRequest{UserID: "alice", Conversation: talk}, &ex); st != 200 {
		t.Fatalf("extract: %d %s", st, body)
	}
	if len(ex.MemoriesSaved) != 3 || ex.TotalUserMemories != 3 {
		t.Fatalf("extract saved %+v, total %d; want the 3 first-person facts", ex.MemoriesSaved, ex.TotalUserMemories)
	}
	if ex.MemoriesSaved[0].SourceMessage != 0 || ex.MemoriesSaved[1].SourceMessage != 2 {
		t.Errorf("source messages %+v; want 0 then 2", ex.MemoriesSaved)
	}
	var again memory.ExtractResponse
	call(t, "POST", base+"/memories/extract", memory.ExtractRequest{UserID: "alice", Conversation: talk}, &again)
	if !again.AlreadyProcessed || len(again.MemoriesSaved) != 0 || again.TotalUserMemories != 3 {
		t.Errorf("same conversation again: %+v; want already_processed and nothing new", again)
	}
	var rel memory.RelevantResponse
	if st, body := call(t, "GET", base+"/memories/relevant"+q("user_id", "alice", "prompt", "what food should I buy for my cat?", "k", "2"), nil, &rel); st != 200 {
		t.Fatalf("relevant: %d %s", st, body)
	}
	if rel.Method != method || len(rel.Memories) == 0 || !strings.Contains(rel.Memories[0].Caption, "Miso") {
		t.Fatalf("relevant for a cat question: %+v; want the Miso memory first by %s", rel, method)
	}
	var other memory.RelevantResponse
	call(t, "GET", base+"/memories/relevant"+q("user_id", "bob", "prompt", "my cat"), nil, &other)
	if len(other.Memories) != 0 {
		t.Errorf("bob recalls alice's memories: %+v", other.Memories)
	}
	var list memory.ListResponse
	call(t, "GET", base+"/memories/list"+q("user_id", "alice"), nil, &list)
	if list.Total != 3 || len(list.Memories) != 3 {
		t.Fatalf("list: %+v", list)
	}
	cat := rel.Memories[0].ID
	var full memory.ListResponse
	call(t, "GET", base+"/memories/full"+q("user_id", "alice", "ids", cat+",mem_nothere"), nil, &full)
	if len(full.Memories) != 1 || full.Memories[0].SourceRole != "user" || !strings.Contains(full.Memories[0].SourceText, "tuna") {
		t.Fatalf("full: %+v", full)
	}
	var patched memory.Full
	if st, body := call(t, "PATCH", base+"/memories/"+cat+q("user_id", "alice"), map[string]string{"caption": "Cat: Miso (loves tuna)"}, &patched); st != 200 || patched.Caption != "Cat: Miso (loves tuna)" {
		t.Fatalf("patch: %d %s", st, body)
	}
	if st, _ := call(t, "PATCH", base+"/memories/"+cat+q("user_id", "bob"), map[string]string{"caption": "x"}, nil); st != 404 {
		t.Errorf("bob patching alice's memory: %d, want 404", st)
	}
	if st, _ := call(t, "DELETE", base+"/memories/"+cat+q("user_id", "bob"), nil, nil); st != 404 {
		t.Errorf("bob deleting alice's memory: %d, want 404", st)
	}
	if st, _ := call(t, "DELETE", base+"/memories/"+cat+q("user_id", "alice"), nil, nil); st != 200 {
		t.Errorf("delete: %d", st)
	}
	if st, _ := call(t, "DELETE", base+"/memories/"+cat+q("user_id", "alice"), nil, nil); st != 404 {
		t.Errorf("delete twice: %d, want 404", st)
	}
	var cleared memory.DeleteResponse
	call(t, "DELETE", base+"/memories/clear"+q("user_id", "alice"), nil, &cleared)
	if cleared.Deleted != 2 {
		t.Errorf("clear: %+v, want 2 deleted", cleared)
	}
	var h memory.Health
	if st, _ := call(t, "GET", base+"/health", nil, &h); st != 200 || h.Status != "ok" || h.SchemaVersion != 2 || h.Recall != method {
		t.Errorf("health: %d %+v", st, h)
	}
}

// badLLM serves a chat completion whose content is content.
func badLLM(t *testing.T, content string, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"choices":[{"message":{"role":"assistant","content":%q}}]}`, content)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// TestBadModelOutput: a model answer that is not the schema's JSON is a
// 502 naming what was wrong, and nothing is stored (not even the
// extraction record: the same conversation extracts later).
func TestBadModelOutput(t *testing.T) {
	cases := []struct {
		name, content string
		status        int
		want          string
	}{
		{"not json", "Sure! The user has a cat.", 200, "not the schema's JSON"},
		{"array", `[{"caption":"x","full_text":"y","source_message":0}]`, 200, "not the schema's JSON"},
		{"unknown field", `{"memories":[],"note":"x"}`, 200, "unknown field"},
		{"missing memories", `{}`, 200, "memories: missing"},
		{"empty caption", `{"memories":[{"caption":" ","full_text":"y","source_message":0}]}`, 200, "memories[0].caption"},
		{"long caption", `{"memories":[{"caption":"` + strings.Repeat("a", 101) + `","full_text":"y","source_message":0}]}`, 200, "101 characters"},
		{"no source", `{"memories":[{"caption":"x","full_text":"y"}]}`, 200, "source_message: missing"},
		{"source out of range", `{"memories":[{"caption":"a","full_text":"b","source_message":0},{"caption":"x","full_text":"y","source_message":9}]}`, 200, "memories[1].source_message: 9"},
		{"string source", `{"memories":[{"caption":"x","full_text":"y","source_message":"0"}]}`, 200, "not the schema's JSON"},
		{"http error", `overloaded`, 503, "HTTP 503"},
	}
	dsn := sqltest.Backends(t)[0].DSN(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := startService(t, memory.Config{DSN: dsn, LLMURL: badLLM(t, c.content, c.status), LLMModel: "m"})
			st, body := call(t, "POST", base+"/memories/extract", memory.ExtractRequest{UserID: "u1", Conversation: talk}, nil)
			if st != http.StatusBadGateway || !strings.Contains(body, c.want) || !strings.Contains(body, "nothing was stored") {
				t.Fatalf("got %d %s; want 502 naming %q", st, body, c.want)
			}
			var list memory.ListResponse
			call(t, "GET", base+"/memories/list"+q("user_id", "u1"), nil, &list)
			if list.Total != 0 {
				t.Fatalf("a failed extraction stored %d memories", list.Total)
			}
		})
	}
	base := startService(t, memory.Config{DSN: dsn, LLMURL: simLLM(t), LLMModel: "sim"})
	var ex memory.ExtractResponse
	call(t, "POST", base+"/memories/extract", memory.ExtractRequest{UserID: "u1", Conversation: talk}, &ex)
	if ex.AlreadyProcessed || len(ex.MemoriesSaved) != 3 {
		t.Fatalf("after failures the conversation must extract normally: %+v", ex)
	}
}

// TestEmbeddingFailureStoresNothing: the model answered, the embeddings
// endpoint failed: nothing is written.
func TestEmbeddingFailureStoresNothing(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer broken.Close()
	dsn := sqltest.Backends(t)[0].DSN(t)
	base := startService(t, memory.Config{DSN: dsn, LLMURL: simLLM(t), LLMModel: "sim", EmbedURL: broken.URL, EmbedModel: "e"})
	st, body := call(t, "POST", base+"/memories/extract", memory.ExtractRequest{UserID: "u1", Conversation: talk}, nil)
	if st != 502 || !strings.Contains(body, "embeddings") {
		t.Fatalf("got %d %s", st, body)
	}
	db, err := sqlstore.Open(context.Background(), dsn, "memory", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, x int64
	db.Gorm.Table("memories").Count(&n)
	db.Gorm.Table("memory_extractions").Count(&x)
	if n != 0 || x != 0 {
		t.Fatalf("rows after a failed extraction: %d memories, %d extraction records", n, x)
	}
}

// TestBadInput: every malformed request is a 4xx naming the field, and
// nothing is stored.
func TestBadInput(t *testing.T) {
	dsn := sqltest.Backends(t)[0].DSN(t)
	base := startService(t, memory.Config{DSN: dsn, LLMURL: simLLM(t), LLMModel: "sim", MaxMessages: 5, MaxMessageChars: 100, MaxConversationChars: 250, MaxBodyBytes: 4096})
	long := strings.Repeat("a", 101)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		param              string
	}{
		{"invalid json", "POST", "/memories/extract", `{"user_id":`, 400, "body"},
		{"trailing", "POST", "/memories/extract", `{"user_id":"u","conversation":[]} {}`, 400, "body"},
		{"unknown field", "POST", "/memories/extract", `{"user_id":"u","conversation":[],"x":1}`, 400, "body"},
		{"wrong type", "POST", "/memories/extract", `{"user_id":"u","conversation":"hi"}`, 400, "conversation"},
		{"no user", "POST", "/memories/extract", memory.ExtractRequest{Conversation: talk}, 400, "user_id"},
		{"bad user", "POST", "/memories/extract", memory.ExtractRequest{UserID: "../etc", Conversation: talk}, 400, "user_id"},
		{"no conversation", "POST", "/memories/extract", `{"user_id":"u"}`, 400, "conversation"},
		{"bad role", "POST", "/memories/extract", memory.ExtractRequest{UserID: "u", Conversation: []memory.Message{{Role: "robot", Content: "x"}}}, 400, "conversation[0].role"},
		{"too many messages", "POST", "/memories/extract", memory.ExtractRequest{UserID: "u", Conversation: make([]memory.Message, 6)}, 413, "conversation"},
		{"long message", "POST", "/memories/extract", memory.ExtractRequest{UserID: "u", Conversation: []memory.Message{{Role: "user", Content: "x"}, {Role: "user", Content: long}}}, 413, "conversation[1].content"},
		{"long conversation", "POST", "/memories/extract", memory.ExtractRequest{UserID: "u", Conversation: []memory.Message{{Role: "user", Content: long[:90]}, {Role: "user", Content: long[:90]}, {Role: "user", Content: long[:90]}}}, 413, "conversation"},
		{"huge body", "POST", "/memories/extract", `{"user_id":"u","conversation":[{"role":"user","content":"` + strings.Repeat("b", 5000) + `"}]}`, 413, "body"},
		{"relevant no user", "GET", "/memories/relevant" + q("prompt", "x"), nil, 400, "user_id"},
		{"relevant no prompt", "GET", "/memories/relevant" + q("user_id", "u"), nil, 400, "prompt"},
		{"relevant bad k", "GET", "/memories/relevant" + q("user_id", "u", "prompt", "x", "k", "500"), nil, 400, "k"},
		{"list bad limit", "GET", "/memories/list" + q("user_id", "u", "limit", "0"), nil, 400, "limit"},
		{"full no ids", "GET", "/memories/full" + q("user_id", "u"), nil, 400, "ids"},
		{"patch empty", "PATCH", "/memories/mem_x" + q("user_id", "u"), `{}`, 400, "body"},
		{"patch long caption", "PATCH", "/memories/mem_x" + q("user_id", "u"), map[string]string{"caption": strings.Repeat("c", 101)}, 400, "caption"},
		{"patch unknown", "PATCH", "/memories/mem_x" + q("user_id", "u"), map[string]string{"caption": "c"}, 404, "id"},
		{"delete unknown", "DELETE", "/memories/mem_x" + q("user_id", "u"), nil, 404, "id"},
		{"unknown path", "GET", "/memories/nope", nil, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, body := call(t, c.method, base+c.path, c.body, nil)
			if st != c.status || errParam(t, body) != c.param {
				t.Fatalf("got %d %s; want %d naming %q", st, body, c.status, c.param)
			}
		})
	}
	var list memory.ListResponse
	call(t, "GET", base+"/memories/list"+q("user_id", "u"), nil, &list)
	if list.Total != 0 {
		t.Fatalf("bad requests stored %d memories", list.Total)
	}
}

// TestCapEvictsLeastRecentlyUsed: past the cap the least recently used
// memory goes; a recalled one counts as used.
func TestCapEvictsLeastRecentlyUsed(t *testing.T) {
	for _, be := range sqltest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
			base := startService(t, memory.Config{DSN: be.DSN(t), LLMURL: simLLM(t), LLMModel: "sim", MaxPerUser: 3, Now: clock})
			say := func(s string) memory.ExtractResponse {
				var ex memory.ExtractResponse
				if st, body := call(t, "POST", base+"/memories/extract", memory.ExtractRequest{UserID: "u", Conversation: []memory.Message{{Role: "user", Content: s}}}, &ex); st != 200 {
					t.Fatalf("extract: %d %s", st, body)
				}
				return ex
			}
			first := say("My dog is Rex. My car is blue. My town is Porto.")
			var rel memory.RelevantResponse
			call(t, "GET", base+"/memories/relevant"+q("user_id", "u", "prompt", "dog"), nil, &rel)
			if len(rel.Memories) != 1 || rel.Memories[0].ID != first.MemoriesSaved[0].ID {
				t.Fatalf("recall dog: %+v", rel)
			}
			ex := say("My job is nursing.")
			if len(ex.Evicted) != 1 || ex.Evicted[0] != first.MemoriesSaved[1].ID || ex.TotalUserMemories != 3 {
				t.Fatalf("evicted %v (total %d); want the car memory %s (dog was recalled, car is the oldest unused)", ex.Evicted, ex.TotalUserMemories, first.MemoriesSaved[1].ID)
			}
			ex = say("My dog is Rex.")
			if len(ex.MemoriesSaved) != 0 || len(ex.Refreshed) != 1 {
				t.Fatalf("a repeated fact must refresh, not duplicate: %+v", ex)
			}
		})
	}
}

// TestRateLimit: a user over the rate gets 429 with Retry-After; another
// user is not affected.
func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	base := startService(t, memory.Config{DSN: sqltest.Backends(t)[0].DSN(t), LLMURL: simLLM(t), LLMModel: "sim", RatePerMinute: 2,
		Now: func() time.Time { return now }})
	for i, want := range []int{200, 200, 429} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			st, body := call(t, "GET", base+"/memories/list"+q("user_id", "a"), nil, nil)
			if st != want {
				t.Fatalf("request %d: %d %s; want %d", i, st, body, want)
			}
		})
	}
	if st, _ := call(t, "GET", base+"/memories/list"+q("user_id", "b"), nil, nil); st != 200 {
		t.Fatalf("user b limited by user a: %d", st)
	}
}

// TestAPIKeys: with keys configured, none is 401, a user's key for
// another user is 403, a service key acts for anyone.
func TestAPIKeys(t *testing.T) {
	keys, err := apikeys.Parse("keys", "alice k-alice\nk-service\n")
	if err != nil {
		t.Fatal(err)
	}
	base := startService(t, memory.Config{DSN: sqltest.Backends(t)[0].DSN(t), LLMURL: simLLM(t), LLMModel: "sim", APIKeys: keys})
	u := base + "/memories/list" + q("user_id", "alice")
	for _, c := range []struct {
		name, key, path string
		want            int
	}{
		{"none", "", u, 401}, {"wrong", "nope", u, 401}, {"own", "k-alice", u, 200},
		{"other user", "k-alice", base + "/memories/list" + q("user_id", "bob"), 403}, {"service", "k-service", base + "/memories/list" + q("user_id", "bob"), 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.key != "" {
				hdr = []string{"Authorization", "Bearer " + c.key}
			}
			if st, body := call(t, "GET", c.path, nil, nil, hdr...); st != c.want {
				t.Fatalf("got %d %s; want %d", st, body, c.want)
			}
		})
	}
	if st, _ := call(t, "GET", base+"/health", nil, nil); st != 200 {
		t.Fatalf("health needs no key: %d", st)
	}
}
