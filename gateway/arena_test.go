package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// testClock is an injectable clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// arenaUpstream streams words as content chunks, then [DONE].
func arenaUpstream(t *testing.T, words ...string) *upstream {
	return newUpstream(t, nil, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for _, wd := range words {
			send(w, chunk(wd))
		}
		send(w, "data: [DONE]\n\n")
	})
}

// arenaEvent is one decoded event of the arena envelope.
type arenaEvent struct {
	Object   string          `json:"object"`
	PromptID string          `json:"prompt_id"`
	Slot     string          `json:"slot"`
	Chunk    json.RawMessage `json:"chunk"`
	Error    *struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"error"`
}

// readArena reads an arena stream to its end: its events, the content per
// slot, and whether it ended with [DONE].
func readArena(t *testing.T, resp *http.Response) (evs []arenaEvent, content map[string]string, done bool) {
	t.Helper()
	defer resp.Body.Close()
	content = map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if line == "[DONE]" {
			done = true
			continue
		}
		if done {
			t.Fatalf("data after [DONE]: %s", line)
		}
		var ev arenaEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("arena event is not JSON: %s", line)
		}
		if ev.Object == arenaChunk {
			var ch struct {
				Choices []struct {
					Delta struct{ Content string } `json:"delta"`
				} `json:"choices"`
			}
			if err := json.Unmarshal(ev.Chunk, &ch); err != nil {
				t.Fatalf("chunk of slot %s is not the competitor's JSON: %s", ev.Slot, ev.Chunk)
			}
			for _, c := range ch.Choices {
				content[ev.Slot] += c.Delta.Content
			}
		}
		evs = append(evs, ev)
	}
	return evs, content, done
}

// postJSON posts body to path under the gateway's base URL.
func postJSON(t *testing.T, base, path, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(base, "/v1")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return resp
}

// arenaGateway runs a gateway with two scripted competitors, a data dir
// and a test clock.
func arenaGateway(t *testing.T, dir string, clk *testClock) (*Running, *upstream, *upstream) {
	one := arenaUpstream(t, "alpha ", "one")
	two := arenaUpstream(t, "beta ", "two")
	gw := startGateway(t, Options{Competitors: []string{"red-team=" + one.URL, "blue-team=" + two.URL}, DataDir: dir, Now: clk.now})
	return gw, one, two
}

// startArena sends one arena request and returns its prompt id after
// reading the whole stream.
func startArena(t *testing.T, gw *Running, extra string) (string, map[string]string) {
	t.Helper()
	resp := postJSON(t, gw.URL, "/v1/chat/completions/arena", chatBody("m", true, extra), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("arena status %d: %s", resp.StatusCode, readAll(t, resp))
	}
	pid := resp.Header.Get("X-Janus-Prompt-Id")
	evs, content, done := readArena(t, resp)
	if !done {
		t.Fatal("arena stream did not end with [DONE]")
	}
	if len(evs) == 0 || evs[0].Object != arenaStart || evs[0].PromptID != pid || pid == "" {
		t.Fatalf("first event %+v, want %s with prompt id %q", evs, arenaStart, pid)
	}
	return pid, content
}

// TestArenaStreamsBothAnonymised checks the envelope: a start event with
// the prompt id, both competitors' chunks as slots A and B with their
// content intact, a done event per slot, [DONE], and no competitor id on
// the wire; the competitors get the request without the arena's field.
func TestArenaStreamsBothAnonymised(t *testing.T) {
	clk := newTestClock()
	gw, one, two := arenaGateway(t, t.TempDir(), clk)
	resp := postJSON(t, gw.URL, "/v1/chat/completions/arena", chatBody("m", true, `"competitors":["red-team","blue-team"]`), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp))
	}
	var raw bytes.Buffer
	resp.Body = readCloser{io: &raw, r: resp.Body}
	evs, content, done := readArena(t, resp)
	if !done {
		t.Fatal("no [DONE]")
	}
	got := map[string]bool{content["A"]: true, content["B"]: true}
	if !got["alpha one"] || !got["beta two"] {
		t.Fatalf("slot contents %q, want one slot each of %q and %q", content, "alpha one", "beta two")
	}
	doneSlots := map[string]bool{}
	for _, ev := range evs {
		if ev.Object == arenaDone {
			if ev.Error != nil {
				t.Errorf("slot %s ended with error %+v", ev.Slot, ev.Error)
			}
			doneSlots[ev.Slot] = true
		}
	}
	if !doneSlots["A"] || !doneSlots["B"] {
		t.Errorf("done events for %v, want A and B", doneSlots)
	}
	if s := raw.String(); strings.Contains(s, "red-team") || strings.Contains(s, "blue-team") || strings.Contains(s, one.URL) {
		t.Errorf("the stream names a competitor: %s", s)
	}
	if h := resp.Header.Get("X-Janus-Competitor"); h != "" {
		t.Errorf("X-Janus-Competitor %q reveals a competitor", h)
	}
	for i, u := range []*upstream{one, two} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			rs := u.received()
			if len(rs) != 1 {
				t.Fatalf("upstream got %d requests, want 1", len(rs))
			}
			if bytes.Contains(rs[0].body, []byte("competitors")) {
				t.Errorf("upstream body still has competitors: %s", rs[0].body)
			}
		})
	}
}

// readCloser tees a response body into a buffer as it is read.
type readCloser struct {
	io interface{ Write([]byte) (int, error) }
	r  interface {
		Read([]byte) (int, error)
		Close() error
	}
}

func (rc readCloser) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	_, _ = rc.io.Write(p[:n])
	return n, err
}

func (rc readCloser) Close() error { return rc.r.Close() }

// TestArenaRejects checks the arena's own refusals.
func TestArenaRejects(t *testing.T) {
	clk := newTestClock()
	gw, _, _ := arenaGateway(t, t.TempDir(), clk)
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		// The arena only streams.
		{"not streamed", chatBody("m", false, ""), 400, ""},
		// A pair must be two different ids.
		{"one competitor", chatBody("m", true, `"competitors":["red-team"]`), 400, "invalid_value"},
		{"same twice", chatBody("m", true, `"competitors":["red-team","red-team"]`), 400, "invalid_value"},
		// An unknown id is a 404, as in routing.
		{"unknown id", chatBody("m", true, `"competitors":["red-team","nope"]`), 404, "competitor_not_found"},
		// competitors of the wrong type.
		{"bad type", chatBody("m", true, `"competitors":"one,two"`), 400, ""},
		// Malformed chat request.
		{"no messages", `{"model":"m","stream":true}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := errorEnvelope(t, postJSON(t, gw.URL, "/v1/chat/completions/arena", tc.body, nil), tc.status)
			if tc.code != "" && env.Error.Code != tc.code {
				t.Errorf("code %v, want %s", env.Error.Code, tc.code)
			}
		})
	}
	// Without a data dir there is nowhere to keep votes.
	up := arenaUpstream(t, "x")
	nodata := startGateway(t, Options{Competitors: []string{"a=" + up.URL, "b=" + up.URL}})
	errorEnvelope(t, postJSON(t, nodata.URL, "/v1/chat/completions/arena", chatBody("m", true, ""), nil), 503)
	errorEnvelope(t, postJSON(t, nodata.URL, "/v1/arena/vote", `{"prompt_id":"x","winner":"A"}`, nil), 503)
}

// vote posts a vote.
func vote(t *testing.T, gw *Running, pid, winner string, hdr map[string]string) *http.Response {
	return postJSON(t, gw.URL, "/v1/arena/vote", `{"prompt_id":`+strconvQuote(pid)+`,"winner":`+strconvQuote(winner)+`}`, hdr)
}

// TestVoteRules checks each vote rule in turn on one prompt.
func TestVoteRules(t *testing.T) {
	clk := newTestClock()
	gw, _, _ := arenaGateway(t, t.TempDir(), clk)
	pid, _ := startArena(t, gw, "")
	steps := []struct {
		name    string
		advance time.Duration
		pid     string
		winner  string
		body    string
		status  int
		code    string
	}{
		// An id the gateway never handed out.
		{name: "unknown prompt", pid: "arena-nope", winner: "A", status: 404, code: "prompt_not_found"},
		// Winner outside the four values.
		{name: "bad winner", pid: pid, winner: "C", status: 400},
		// Unknown field in the body.
		{name: "unknown field", body: `{"prompt_id":"` + pid + `","winner":"A","extra":1}`, status: 400},
		// Missing prompt id.
		{name: "no prompt id", body: `{"winner":"A"}`, status: 400},
		// 4.999 s after the prompt: too early.
		{name: "too early", advance: 4999 * time.Millisecond, pid: pid, winner: "tie", status: 400, code: "vote_too_early"},
		// 5 s after: accepted.
		{name: "at 5 s", advance: time.Millisecond, pid: pid, winner: "both_bad", status: 200},
		// A second vote on the same prompt.
		{name: "again", advance: time.Minute, pid: pid, winner: "A", status: 409, code: "already_voted"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.advance(st.advance)
			body := st.body
			if body == "" {
				body = `{"prompt_id":` + strconvQuote(st.pid) + `,"winner":` + strconvQuote(st.winner) + `}`
			}
			resp := postJSON(t, gw.URL, "/v1/arena/vote", body, nil)
			if st.status == 200 {
				b := readAll(t, resp)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: status %d: %s", st.name, resp.StatusCode, b)
				}
				var v voteLine
				if err := json.Unmarshal(b, &v); err != nil || v.Winner != st.winner || v.PromptID != pid ||
					!(v.CompetitorA == "red-team" && v.CompetitorB == "blue-team" || v.CompetitorA == "blue-team" && v.CompetitorB == "red-team") {
					t.Fatalf("%s: vote answer %s (%v)", st.name, b, err)
				}
				return
			}
			env := errorEnvelope(t, resp, st.status)
			if st.code != "" && env.Error.Code != st.code {
				t.Errorf("%s: code %v, want %s", st.name, env.Error.Code, st.code)
			}
		})
	}
	m := metricsText(t, gw.URL)
	for _, want := range []string{`janus_gateway_arena_total{event="prompt"} 1`, `janus_gateway_arena_total{event="vote_both_bad"} 1`,
		`janus_gateway_arena_total{event="refused_404"} 1`, `janus_gateway_arena_total{event="refused_409"} 1`,
		`janus_gateway_arena_total{event="refused_400"} 1`} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(m, want+"\n") {
				t.Errorf("metrics lack %s", want)
			}
		})
	}
}

// TestVoteRateLimit checks the hourly cap per voter: 50 votes pass, the
// 51st is refused with 429, another voter (another API key) is not
// affected, and an hour later the first voter may vote again. Without API
// keys the voter is the IP, whatever token the client makes up.
func TestVoteRateLimit(t *testing.T) {
	clk := newTestClock()
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, []byte("voter-one\nvoter-two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := arenaUpstream(t, "x")
	gw := startGateway(t, Options{Competitors: []string{"a=" + up.URL, "b=" + up.URL}, DataDir: t.TempDir(),
		Now: clk.now, APIKeysFile: keys})
	st := gw.Server.arena
	mk := func(i int) string {
		p := ArenaPrompt{PromptID: "arena-rate-" + string(rune('a'+i/26)) + string(rune('a'+i%26)), PromptHash: strings.Repeat("0", 64),
			CompetitorA: "one", CompetitorB: "two", CreatedAt: clk.now().UTC().Format(time.RFC3339Nano)}
		if err := st.addPrompt(p); err != nil {
			t.Fatal(err)
		}
		return p.PromptID
	}
	ids := make([]string, 53)
	for i := range ids {
		ids[i] = mk(i)
	}
	clk.advance(10 * time.Second)
	key1 := map[string]string{"Authorization": "Bearer voter-one"}
	for i := range VotesPerHour {
		if resp := vote(t, gw, ids[i], "A", key1); resp.StatusCode != 200 {
			t.Fatalf("vote %d: status %d: %s", i+1, resp.StatusCode, readAll(t, resp))
		} else {
			readAll(t, resp)
		}
	}
	env := errorEnvelope(t, vote(t, gw, ids[50], "A", key1), 429)
	if env.Error.Code != "vote_rate_exceeded" {
		t.Errorf("code %v", env.Error.Code)
	}
	if resp := vote(t, gw, ids[51], "B", map[string]string{"Authorization": "Bearer voter-two"}); resp.StatusCode != 200 {
		t.Fatalf("other voter: status %d: %s", resp.StatusCode, readAll(t, resp))
	} else {
		readAll(t, resp)
	}
	clk.advance(time.Hour)
	if resp := vote(t, gw, ids[50], "tie", key1); resp.StatusCode != 200 {
		t.Fatalf("an hour later: status %d: %s", resp.StatusCode, readAll(t, resp))
	} else {
		readAll(t, resp)
	}

	open, _, _ := arenaGateway(t, t.TempDir(), clk)
	for i := range VotesPerHour + 1 {
		p := ArenaPrompt{PromptID: "arena-ip-" + strconv.Itoa(i), PromptHash: strings.Repeat("0", 64),
			CompetitorA: "red-team", CompetitorB: "blue-team", CreatedAt: clk.now().UTC().Format(time.RFC3339Nano)}
		if err := open.Server.arena.addPrompt(p); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(10 * time.Second)
	for i := range VotesPerHour + 1 {
		resp := vote(t, open, "arena-ip-"+strconv.Itoa(i), "A", map[string]string{"Authorization": "Bearer made-up-" + strconv.Itoa(i)})
		b := readAll(t, resp)
		if want := map[bool]int{true: 429, false: 200}[i == VotesPerHour]; resp.StatusCode != want {
			t.Fatalf("keyless gateway, vote %d with a fresh token: status %d, want %d: %s", i+1, resp.StatusCode, want, b)
		}
	}
}

// voteLine is the agreed votes.jsonl shape, decoded strictly.
type voteLine struct {
	ID          string `json:"id"`
	PromptID    string `json:"prompt_id"`
	PromptHash  string `json:"prompt_hash"`
	CompetitorA string `json:"competitor_a"`
	CompetitorB string `json:"competitor_b"`
	Winner      string `json:"winner"`
	Voter       string `json:"voter"`
	CreatedAt   string `json:"created_at"`
	VotedAt     string `json:"voted_at"`
}

// TestArenaDurableAcrossRestart stops the gateway and starts another on
// the same data dir: a prompt left without a vote can still be voted on,
// a voted one still refuses a second vote, and votes.jsonl has the agreed
// shape.
func TestArenaDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	clk := newTestClock()
	gw, _, _ := arenaGateway(t, dir, clk)
	voted, _ := startArena(t, gw, "")
	pending, _ := startArena(t, gw, "")
	clk.advance(6 * time.Second)
	if resp := vote(t, gw, voted, "B", nil); resp.StatusCode != 200 {
		t.Fatalf("vote: %d %s", resp.StatusCode, readAll(t, resp))
	} else {
		readAll(t, resp)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := gw.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	gw2, _, _ := arenaGateway(t, dir, clk)
	errorEnvelope(t, vote(t, gw2, voted, "A", nil), 409)
	if resp := vote(t, gw2, pending, "A", nil); resp.StatusCode != 200 {
		t.Fatalf("pending prompt after restart: %d %s", resp.StatusCode, readAll(t, resp))
	} else {
		readAll(t, resp)
	}

	data, err := os.ReadFile(filepath.Join(dir, "arena", "votes.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d vote lines, want 2:\n%s", len(lines), data)
	}
	for i, l := range lines {
		var v voteLine
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		if v.ID == "" || v.CompetitorA == "" || v.CompetitorB == "" || v.CompetitorA == v.CompetitorB ||
			len(v.PromptHash) != 64 || !strings.HasPrefix(v.Voter, "ip:") {
			t.Errorf("line %d incomplete: %+v", i+1, v)
		}
		for _, ts := range []string{v.CreatedAt, v.VotedAt} {
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Errorf("line %d: time %q: %v", i+1, ts, err)
			}
		}
	}
	if !strings.Contains(lines[0], voted) || !strings.Contains(lines[1], pending) {
		t.Errorf("votes out of order:\n%s", data)
	}
}

// TestPromptHash checks that spacing does not change the hash and content
// does.
func TestPromptHash(t *testing.T) {
	m := func(role, text string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: role, Content: text}
	}
	a := PromptHash([]openai.ChatCompletionMessage{m("system", "Be brief."), m("user", "What is  2+2?")})
	b := PromptHash([]openai.ChatCompletionMessage{m("system", " Be\tbrief. "), m("user", "What is 2+2?\n")})
	c := PromptHash([]openai.ChatCompletionMessage{m("system", "Be brief."), m("user", "What is 2+3?")})
	if a != b {
		t.Errorf("whitespace changed the hash: %s vs %s", a, b)
	}
	if a == c {
		t.Errorf("different prompts hash the same")
	}
}

// TestJournalCutsUnfinishedLine checks that a record half-written by a
// crash is dropped on open and the next append starts on a clean line.
func TestJournalCutsUnfinishedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(path, []byte(`{"n":1}`+"\n"+`{"n":2`), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []string
	j, err := openJournal(path, func(l []byte) error { got = append(got, string(l)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("read %q, want only the complete line", got)
	}
	if err := j.append(map[string]int{"n": 3}); err != nil {
		t.Fatal(err)
	}
	_ = j.close()
	data, _ := os.ReadFile(path)
	if string(data) != `{"n":1}`+"\n"+`{"n":3}`+"\n" {
		t.Fatalf("file %q", data)
	}
}

// TestArenaOneSideFails checks that a competitor failing does not take the
// other's answer down: its slot ends with an error naming no competitor,
// the other slot completes, and the stream ends with [DONE].
func TestArenaOneSideFails(t *testing.T) {
	good := arenaUpstream(t, "fine ", "answer")
	bad := newUpstream(t, nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"broken-team refuses","type":"invalid_request_error"}}`))
	})
	gw := startGateway(t, Options{Competitors: []string{"good-team=" + good.URL, "broken-team=" + bad.URL},
		DataDir: t.TempDir()})
	resp := postJSON(t, gw.URL, "/v1/chat/completions/arena", chatBody("m", true, ""), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	evs, content, done := readArena(t, resp)
	if !done {
		t.Fatal("no [DONE]")
	}
	var failed, ok string
	for _, ev := range evs {
		if ev.Object == arenaDone {
			if ev.Error != nil {
				failed = ev.Slot
				if strings.Contains(ev.Error.Message, "broken-team") || ev.Error.Code != "upstream_error" {
					t.Errorf("error event %+v", ev.Error)
				}
			} else {
				ok = ev.Slot
			}
		}
	}
	if failed == "" || ok == "" || failed == ok || content[ok] != "fine answer" {
		t.Fatalf("failed slot %q, ok slot %q, content %q", failed, ok, content)
	}
}

// FuzzJournal checks that no file content makes opening a journal panic,
// and that whatever it accepted survives an append and a reopen, followed
// by the new record.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"n":1}` + "\n" + `{"n":2`))
	f.Add([]byte("\n\n  \n"))
	f.Add([]byte(strings.Repeat("x", 70000) + "\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		var first []string
		j, err := openJournal(path, func(l []byte) error { first = append(first, string(l)); return nil })
		if err != nil {
			return // too long a line: refused, not a panic
		}
		if err := j.append(map[string]int{"n": 9}); err != nil {
			t.Fatal(err)
		}
		_ = j.close()
		var second []string
		j, err = openJournal(path, func(l []byte) error { second = append(second, string(l)); return nil })
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		_ = j.close()
		if len(second) != len(first)+1 || second[len(second)-1] != `{"n":9}` {
			t.Fatalf("first %q, then %q", first, second)
		}
		for i := range first {
			if first[i] != second[i] {
				t.Fatalf("line %d changed: %q → %q", i, first[i], second[i])
			}
		}
	})
}
