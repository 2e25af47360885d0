package service

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/leaderboard"
)

func call(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb struct {
		Error struct{ Message string } `json:"error"`
		ID    string                   `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	if eb.ID != "" {
		return resp.StatusCode, eb.ID
	}
	return resp.StatusCode, eb.Error.Message
}

// Keys: hashed, revocable; roles: a submitter owns its competitors and
// runs, an admin acts for anyone; quotas cap queued runs; with keys in the
// store nobody is anonymous admin, and public read can be switched off.
func TestKeysRolesQuotas(t *testing.T) {
	// Its own store, sim and server: it overlaps the other slow tests of
	// the package (the drain test mostly waits on its workers).
	t.Parallel()
	dsn := t.TempDir() + "/j.db"
	target := startSim(t, baseline.Unpaced())
	s, cl := startServer(t, Config{Store: dsn, Workers: 0, AllowTargets: []string{"127.0.0.1"}, Open: true, PublicRead: false})
	ctx := context.Background()
	base := cl.Base + "/api/v1"
	sub := `{"target":"` + target.URL + `","competitor":"mine","limit":1}`
	// Open mode while no key exists: anonymous acts as admin.
	if code, msg := call(t, "POST", base+"/runs", "", sub); code != 201 {
		t.Fatalf("open mode submit: %d %s", code, msg)
	}
	_, admin, err := s.st.CreateKey(ctx, "root", leaderboard.RoleAdmin, 0)
	if err != nil {
		t.Fatal(err)
	}
	alice, aliceTok, _ := s.st.CreateKey(ctx, "alice", leaderboard.RoleSubmitter, 2)
	_, bobTok, _ := s.st.CreateKey(ctx, "bob", leaderboard.RoleSubmitter, 0)
	keys, _ := s.st.ListKeys(ctx)
	for _, k := range keys {
		if k.ID == alice.ID && (k.Quota != 2 || k.Role != leaderboard.RoleSubmitter) {
			t.Errorf("listed key %+v", k)
		}
	}
	var aliceRun string
	steps := []struct {
		name, method, path, key, body string
		want                          int
	}{
		{"anonymous no longer admin", "POST", "/runs", "", sub, 401},
		{"public read off", "GET", "/runs", "", "", 401},
		{"health stays public", "GET", "/health", "", "", 200},
		{"bad token", "GET", "/runs", "jk_0123456789abcdef_nope", "", 401},
		{"not a bearer", "GET", "/runs", "", "", 401},
		{"alice registers", "POST", "/competitors", aliceTok, `{"name":"alice-bot","target":"` + target.URL + `"}`, 201},
		{"bob cannot take alice's competitor", "POST", "/competitors", bobTok, `{"name":"alice-bot","target":"` + target.URL + `"}`, 403},
		{"bob cannot run as alice's competitor", "POST", "/runs", bobTok, `{"target":"` + target.URL + `","competitor":"alice-bot","limit":1}`, 403},
		{"submitter cannot set an owner", "POST", "/competitors", bobTok, `{"name":"x","target":"` + target.URL + `","owner":"alice"}`, 403},
		{"alice runs", "POST", "/runs", aliceTok, `{"target":"` + target.URL + `","competitor":"alice-bot","limit":1}`, 201},
		{"alice runs again", "POST", "/runs", aliceTok, `{"target":"` + target.URL + `","competitor":"alice-bot","limit":1}`, 201},
		{"alice over quota", "POST", "/runs", aliceTok, `{"target":"` + target.URL + `","competitor":"alice-bot","limit":1}`, 429},
		{"admin runs as alice's competitor", "POST", "/runs", admin, `{"target":"` + target.URL + `","competitor":"alice-bot","limit":1}`, 201},
		{"bob cannot cancel alice's run", "DELETE", "/runs/{alice}", bobTok, "", 403},
		{"alice cancels her run", "DELETE", "/runs/{alice}", aliceTok, "", 202},
		{"alice reads", "GET", "/runs", aliceTok, "", 200},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			path := st.path
			if path == "/runs/{alice}" {
				path = "/runs/" + aliceRun
			}
			key := st.key
			if st.name == "not a bearer" {
				req, _ := http.NewRequest("GET", base+path, nil)
				req.Header.Set("Authorization", "Basic eDp5")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != st.want {
					t.Errorf("%s: %d, want %d", st.name, resp.StatusCode, st.want)
				}
				return
			}
			code, msg := call(t, st.method, base+path, key, st.body)
			if code != st.want {
				t.Errorf("%s: %d (%s), want %d", st.name, code, msg, st.want)
			}
			if st.name == "alice runs" {
				aliceRun = msg
			}
		})
	}
	// Revoked keys stop working at once.
	if err := s.st.RevokeKey(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := call(t, "GET", base+"/runs", aliceTok, ""); code != 401 {
		t.Errorf("revoked key: %d, want 401", code)
	}
	// Only hashes are stored, and no answer carries a secret.
	db, _ := s.st.SQLDB()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM api_keys WHERE secret_sha256 LIKE '%' || ? || '%'", aliceTok[20:]).Scan(&n); err != nil || n != 0 {
		t.Errorf("a key's secret is stored in clear (%d, %v)", n, err)
	}
}

// Competitor API keys are stored for the worker but never answered.
func TestCompetitorKeyNeverShown(t *testing.T) {
	target := startSim(t, baseline.Unpaced())
	_, cl := startServer(t, Config{Store: t.TempDir() + "/j.db", AllowTargets: []string{"127.0.0.1"}, Open: true, PublicRead: true})
	const secret = "sk-competitor-secret-123"
	r, err := cl.Submit(context.Background(), SubmitRequest{Target: target.URL, APIKey: secret, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/runs", "/runs/" + r.ID, "/runs/" + r.ID + "/summary", "/competitors"} {
		t.Run(p, func(t *testing.T) {
			resp, err := http.Get(cl.Base + "/api/v1" + p)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if bytes.Contains(buf.Bytes(), []byte(secret)) {
				t.Errorf("GET %s shows the competitor's key", p)
			}
		})
	}
}

func TestGuard(t *testing.T) {
	g, err := newGuard([]string{"127.0.0.0/8", "10.9.9.9", "scorer.internal"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/v1", true},
		{"http://10.9.9.9/v1", true},
		{"http://scorer.internal/v1", true},
		{"http://10.9.9.8/v1", false},
		{"http://192.168.1.1/v1", false},
		{"http://172.16.0.1/v1", false},
		{"http://169.254.169.254/latest/meta-data", false},
		{"http://[fe80::1]/v1", false},
		{"http://[::1]/v1", false},
		{"http://[::ffff:10.0.0.1]/v1", false},
		{"http://0.0.0.0/v1", false},
		{"http://100.64.0.1/v1", false},
		{"http://[fd00::1]/v1", false},
		{"http://metadata.google.internal/v1", false},
		{"http://localhost/v1", true}, // resolves to loopback, allow-listed
		{"gopher://127.0.0.1/", false},
		{"http://user:pw@127.0.0.1/v1", false},
		{"http:///v1", false},
		{"http://8.8.8.8/v1", true},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			err := g.check(context.Background(), c.url)
			if (err == nil) != c.ok {
				t.Errorf("check(%s) = %v, want ok %v", c.url, err, c.ok)
			}
		})
	}
	none, _ := newGuard(nil)
	if err := none.check(context.Background(), "http://127.0.0.1/v1"); err == nil {
		t.Error("loopback allowed without an allow-list")
	}
	if _, err := newGuard([]string{"http://x/"}); err == nil {
		t.Error("a URL accepted as an allow-list entry")
	}
	if !internal(netip.MustParseAddr("::ffff:127.0.0.1")) {
		t.Error("v4-mapped loopback not internal")
	}
}

// FuzzDecodeJSON: the request decoder never panics, and every error it
// returns is a 4xx naming a JSON path.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"suite":"smoke"}`, `{"limit":"x"}`, `[`, `{"a":1}`, `{"categories":[1]}`, `null`, `{} {}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _ := http.NewRequest("POST", "/", bytes.NewReader(b))
		w := &nopWriter{h: http.Header{}}
		var req SubmitRequest
		if e := decodeJSON(w, r, 1<<16, &req); e != nil {
			if e.Status < 400 || e.Status >= 500 || e.Param == "" || e.Param[0] != '$' {
				t.Fatalf("decode %q: %+v", b, e)
			}
		}
	})
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}
