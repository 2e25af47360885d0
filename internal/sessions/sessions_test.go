package sessions_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/sessions"
	"github.com/janus-bench/janus/internal/sqlstore"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
)

const cookieValue = "s3cr3t-c00kie-VALUE-4242"

var state = `{"cookies":[{"name":"sid","value":"` + cookieValue + `","domain":".example.com","path":"/","expires":-1,"httpOnly":true,"secure":true,"sameSite":"Lax"}],` +
	`"origins":[{"origin":"https://app.example.com","localStorage":[{"name":"token","value":"ls-secret-777"}]}]}`

// idp is a JWKS served over HTTP and the key that signs its tokens.
type idp struct {
	url string
	key *rsa.PrivateKey
}

func newIDP(t *testing.T) *idp {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","alg":"RS256","use":"sig","n":%q,"e":%q}]}`,
		b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, jwks)
	}))
	t.Cleanup(srv.Close)
	return &idp{url: srv.URL, key: key}
}

func (p *idp) token(t *testing.T, key *rsa.PrivateKey, sub, iss, aud string, exp time.Time) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{Subject: sub, Issuer: iss,
		Audience: jwt.ClaimStrings{aud}, ExpiresAt: jwt.NewNumericDate(exp)})
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// logBuf collects the service's logs (at debug) for the never-logged check.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type env struct {
	base string
	dsn  string
	idp  *idp
	keys *sessions.Keyring
	logs *logBuf
}

func start(t *testing.T, dsn string, secret string) *env {
	t.Helper()
	kr, err := sessions.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := apikeys.Parse("keys", "alice k-alice\nbob k-bob\nk-service\n")
	if err != nil {
		t.Fatal(err)
	}
	p := newIDP(t)
	logs := &logBuf{}
	s, err := sessions.New(context.Background(), sessions.Config{DSN: dsn, Keys: kr, APIKeys: ks, JWKSURL: p.url,
		JWTIssuer: "https://idp.test", JWTAudience: "janus-sessions", MaxStateBytes: 64 << 10,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	return &env{base: srv.URL, dsn: dsn, idp: p, keys: kr, logs: logs}
}

func do(t *testing.T, method, u, auth string, body any, out any, hdr ...string) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, u, rd)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
	}
	return resp.StatusCode, string(data)
}

func create(name string) string {
	return `{"name":"` + name + `","description":"work account","domains":["example.com"],"storage_state":` + state + `}`
}

func rawDB(t *testing.T, dsn string) *sqlstore.DB {
	db, err := sqlstore.Open(context.Background(), dsn, "sessions_raw", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSessions: the whole API over real HTTP on each backend, two users,
// encryption at rest, tampering and the never-logged rule.
func TestSessions(t *testing.T) {
	for _, be := range sqltest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			e := start(t, be.DSN(t), sessions.NewSecret())
			var s sessions.Summary
			if st, body := do(t, "POST", e.base+"/sessions", "k-alice", create("work"), &s); st != 201 {
				t.Fatalf("create: %d %s", st, body)
			}
			if st, _ := do(t, "POST", e.base+"/sessions", "k-alice", create("work"), nil); st != 409 {
				t.Errorf("duplicate name: %d, want 409", st)
			}
			var got sessions.StateResponse
			if st, body := do(t, "GET", e.base+"/sessions/"+s.ID+"/state", "k-alice", nil, &got); st != 200 {
				t.Fatalf("state: %d %s", st, body)
			}
			if got.StorageState.Cookies[0].Value != cookieValue || got.StorageState.Origins[0].LocalStorage[0].Value != "ls-secret-777" {
				t.Fatalf("state round trip: %+v", got)
			}
			checkOtherUser(t, e, s.ID)
			checkAtRest(t, e, s.ID)
			var list sessions.ListResponse
			do(t, "GET", e.base+"/sessions", "k-alice", nil, &list)
			var byName sessions.Summary
			do(t, "GET", e.base+"/sessions/by-name/work", "k-alice", nil, &byName)
			if len(list.Sessions) != 1 || byName.ID != s.ID || byName.Domains[0] != "example.com" {
				t.Fatalf("list %+v, by-name %+v", list, byName)
			}
			newState := strings.Replace(state, cookieValue, "rotated-cookie", 1)
			if st, body := do(t, "PUT", e.base+"/sessions/"+s.ID, "k-alice", `{"name":"work2","storage_state":`+newState+`}`, nil); st != 200 {
				t.Fatalf("put: %d %s", st, body)
			}
			do(t, "GET", e.base+"/sessions/"+s.ID+"/state", "k-alice", nil, &got)
			if got.StorageState.Cookies[0].Value != "rotated-cookie" {
				t.Fatalf("state after put: %+v", got)
			}
			if st, _ := do(t, "DELETE", e.base+"/sessions/"+s.ID, "k-alice", nil, nil); st != 200 {
				t.Fatalf("delete: %d", st)
			}
			if st, _ := do(t, "GET", e.base+"/sessions/"+s.ID, "k-alice", nil, nil); st != 404 {
				t.Fatalf("get after delete: %d", st)
			}
			if strings.Contains(e.logs.String(), cookieValue) || strings.Contains(e.logs.String(), "ls-secret") {
				t.Fatalf("a storage state reached the logs:\n%s", e.logs.String())
			}
		})
	}
}

// checkOtherUser: bob (an API key, then a JWT) sees none of alice's session.
func checkOtherUser(t *testing.T, e *env, id string) {
	bobJWT := e.idp.token(t, e.idp.key, "bob", "https://idp.test", "janus-sessions", time.Now().Add(time.Hour))
	for _, auth := range []string{"k-bob", bobJWT} {
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/sessions/" + id, ""}, {"GET", "/sessions/" + id + "/state", ""}, {"GET", "/sessions/by-name/work", ""},
			{"PUT", "/sessions/" + id, `{"description":"mine now"}`}, {"DELETE", "/sessions/" + id, ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			if st, resp := do(t, c.method, e.base+c.path, auth, body, nil); st != 404 {
				t.Errorf("bob %s %s: %d %s; want 404", c.method, c.path, st, resp)
			}
		}
		var list sessions.ListResponse
		do(t, "GET", e.base+"/sessions", auth, nil, &list)
		if len(list.Sessions) != 0 {
			t.Errorf("bob lists alice's sessions: %+v", list)
		}
	}
	aliceJWT := e.idp.token(t, e.idp.key, "alice", "https://idp.test", "janus-sessions", time.Now().Add(time.Hour))
	if st, body := do(t, "GET", e.base+"/sessions/"+id, aliceJWT, nil, nil); st != 200 {
		t.Errorf("alice by JWT: %d %s", st, body)
	}
	if st, _ := do(t, "GET", e.base+"/sessions/"+id, "k-service", nil, nil, sessions.HeaderUser, "alice"); st != 200 {
		t.Errorf("service key acting for alice: %d", st)
	}
}

// checkAtRest: the row holds no cookie or localStorage value; a flipped
// byte, or a state moved to another row, is an error, never garbage.
func checkAtRest(t *testing.T, e *env, id string) {
	db := rawDB(t, e.dsn)
	rows, err := db.Gorm.Raw("SELECT * FROM browser_sessions").Rows()
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	var dump string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			dump += fmt.Sprintf("%s|", v)
		}
	}
	rows.Close()
	if !strings.Contains(dump, "work account") {
		t.Fatalf("raw dump misses the clear columns: %s", dump)
	}
	for _, secret := range []string{cookieValue, "ls-secret-777", "sid", "app.example.com"} {
		if strings.Contains(dump, secret) {
			t.Fatalf("raw row holds %q: %s", secret, dump)
		}
	}
	var sealed []byte
	db.Gorm.Raw("SELECT state FROM browser_sessions WHERE id = ?", id).Row().Scan(&sealed)
	bad := append([]byte(nil), sealed...)
	bad[len(bad)/2] ^= 0x01
	db.Gorm.Exec("UPDATE browser_sessions SET state = ? WHERE id = ?", bad, id)
	st, body := do(t, "GET", e.base+"/sessions/"+id+"/state", "k-alice", nil, nil)
	if st != 500 || !strings.Contains(body, "failed authentication") || strings.Contains(body, cookieValue) {
		t.Fatalf("tampered row: %d %s", st, body)
	}
	var other sessions.Summary
	do(t, "POST", e.base+"/sessions", "k-alice", create("other"), &other)
	db.Gorm.Exec("UPDATE browser_sessions SET state = ? WHERE id = ?", sealed, other.ID)
	if st, body := do(t, "GET", e.base+"/sessions/"+other.ID+"/state", "k-alice", nil, nil); st != 500 || !strings.Contains(body, "failed authentication") {
		t.Fatalf("state moved to another row: %d %s", st, body)
	}
	db.Gorm.Exec("UPDATE browser_sessions SET state = ? WHERE id = ?", sealed, id)
	do(t, "DELETE", e.base+"/sessions/"+other.ID, "k-alice", nil, nil)
}

// TestJWT: issuer, audience, expiry and signature are all checked.
func TestJWT(t *testing.T) {
	e := start(t, sqltest.Backends(t)[0].DSN(t), sessions.NewSecret())
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	hour := time.Now().Add(time.Hour)
	for _, c := range []struct {
		name string
		tok  string
		want int
	}{
		{"valid", e.idp.token(t, e.idp.key, "carol", "https://idp.test", "janus-sessions", hour), 200},
		{"wrong audience", e.idp.token(t, e.idp.key, "carol", "https://idp.test", "someone-else", hour), 401},
		{"wrong issuer", e.idp.token(t, e.idp.key, "carol", "https://evil.test", "janus-sessions", hour), 401},
		{"expired", e.idp.token(t, e.idp.key, "carol", "https://idp.test", "janus-sessions", time.Now().Add(-time.Hour)), 401},
		{"other key", e.idp.token(t, other, "carol", "https://idp.test", "janus-sessions", hour), 401},
		{"garbage", "a.b.c", 401},
		{"unknown key", "nope", 401},
		{"none", "", 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			if st, body := do(t, "GET", e.base+"/sessions", c.tok, nil, nil); st != c.want {
				t.Fatalf("got %d %s; want %d", st, body, c.want)
			}
		})
	}
}

// TestBadInput: invalid requests are 4xx naming the field; nothing stored.
func TestBadInput(t *testing.T) {
	e := start(t, sqltest.Backends(t)[0].DSN(t), sessions.NewSecret())
	withState := func(st string) string {
		return `{"name":"n","domains":["example.com"],"storage_state":` + st + `}`
	}
	var many []string
	for i := 0; i < 10; i++ {
		many = append(many, `{"name":"a`+fmt.Sprint(i)+`","value":"`+strings.Repeat("x", 7000)+`","domain":"a.com","path":"/"}`)
	}
	huge := `{"cookies":[` + strings.Join(many, ",") + `],"origins":[]}`
	for _, c := range []struct {
		name, body string
		status     int
		param      string
	}{
		{"invalid json", `{"name":`, 400, "body"},
		{"unknown field", `{"name":"n","domains":["example.com"],"storage_state":{"cookies":[],"origins":[]},"x":1}`, 400, "body"},
		{"no name", `{"domains":["example.com"],"storage_state":{"cookies":[],"origins":[]}}`, 400, "name"},
		{"bad name", `{"name":"../x","domains":["example.com"],"storage_state":{"cookies":[],"origins":[]}}`, 400, "name"},
		{"no domains", `{"name":"n","domains":[],"storage_state":{"cookies":[],"origins":[]}}`, 400, "domains"},
		{"bad domain", `{"name":"n","domains":["ok.com","bad domain"],"storage_state":{"cookies":[],"origins":[]}}`, 400, "domains[1]"},
		{"no state", `{"name":"n","domains":["example.com"]}`, 400, "storage_state"},
		{"state not object", withState(`[1]`), 400, "storage_state"},
		{"no origins", withState(`{"cookies":[]}`), 400, "storage_state"},
		{"state unknown field", withState(`{"cookies":[],"origins":[],"extra":1}`), 400, "storage_state"},
		{"cookie no domain", withState(`{"cookies":[{"name":"a","value":"b","path":"/"}],"origins":[]}`), 400, "storage_state.cookies[0].domain"},
		{"cookie bad path", withState(`{"cookies":[{"name":"a","value":"b","domain":"a.com","path":"x"}],"origins":[]}`), 400, "storage_state.cookies[0].path"},
		{"cookie bad samesite", withState(`{"cookies":[{"name":"a","value":"b","domain":"a.com","path":"/","sameSite":"lax"}],"origins":[]}`), 400, "storage_state.cookies[0].sameSite"},
		{"cookie bad expires", withState(`{"cookies":[{"name":"a","value":"b","domain":"a.com","path":"/","expires":-5}],"origins":[]}`), 400, "storage_state.cookies[0].expires"},
		{"cookie value type", withState(`{"cookies":[{"name":"a","value":1,"domain":"a.com","path":"/"}],"origins":[]}`), 400, "storage_state.cookies.value"},
		{"bad origin", withState(`{"cookies":[],"origins":[{"origin":"javascript:alert(1)","localStorage":[]}]}`), 400, "storage_state.origins[0].origin"},
		{"origin no storage", withState(`{"cookies":[],"origins":[{"origin":"https://a.com"}]}`), 400, "storage_state.origins[0].localStorage"},
		{"oversized state", withState(huge), 413, "storage_state"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, body := do(t, "POST", e.base+"/sessions", "k-alice", c.body, nil)
			var env struct {
				Error struct {
					Param *string `json:"param"`
				} `json:"error"`
			}
			json.Unmarshal([]byte(body), &env)
			if st != c.status || env.Error.Param == nil || *env.Error.Param != c.param {
				t.Fatalf("got %d %s; want %d naming %q", st, body, c.status, c.param)
			}
		})
	}
	var list sessions.ListResponse
	do(t, "GET", e.base+"/sessions", "k-alice", nil, &list)
	if len(list.Sessions) != 0 {
		t.Fatalf("bad requests stored %d sessions", len(list.Sessions))
	}
}

// TestRotateSecret: every row is re-encrypted in one go; the old secret
// no longer reads, the new one does; a wrong old secret changes nothing.
func TestRotateSecret(t *testing.T) {
	for _, be := range sqltest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			dsn := be.DSN(t)
			oldS, newS := sessions.NewSecret(), sessions.NewSecret()
			e := start(t, dsn, oldS)
			var a, b sessions.Summary
			do(t, "POST", e.base+"/sessions", "k-alice", create("a"), &a)
			do(t, "POST", e.base+"/sessions", "k-bob", create("b"), &b)
			oldK, _ := sessions.ParseSecret(oldS)
			newK, _ := sessions.ParseSecret(newS)
			wrong, _ := sessions.ParseSecret(sessions.NewSecret())
			if _, err := sessions.RotateSecret(context.Background(), dsn, wrong, newK); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
				t.Fatalf("rotation from a wrong secret: %v", err)
			}
			if st, _ := do(t, "GET", e.base+"/sessions/"+a.ID+"/state", "k-alice", nil, nil); st != 200 {
				t.Fatalf("a failed rotation changed rows: %d", st)
			}
			n, err := sessions.RotateSecret(context.Background(), dsn, oldK, newK)
			if err != nil || n != 2 {
				t.Fatalf("rotate: %d %v", n, err)
			}
			if st, body := do(t, "GET", e.base+"/sessions/"+a.ID+"/state", "k-alice", nil, nil); st != 500 || !strings.Contains(body, "rotate") {
				t.Fatalf("old secret after rotation: %d %s", st, body)
			}
			e2 := start(t, dsn, newS)
			var got sessions.StateResponse
			if st, body := do(t, "GET", e2.base+"/sessions/"+b.ID+"/state", "k-bob", nil, &got); st != 200 || got.StorageState.Cookies[0].Value != cookieValue {
				t.Fatalf("new secret after rotation: %d %s", st, body)
			}
		})
	}
}

// TestNoSecretRefused: no secret, no service.
func TestNoSecretRefused(t *testing.T) {
	t.Setenv(sessions.EnvSecret, "")
	if _, err := sessions.LoadSecret(""); err != sessions.ErrNoSecret {
		t.Fatalf("LoadSecret without one: %v", err)
	}
	if _, err := sessions.New(context.Background(), sessions.Config{DSN: t.TempDir() + "/s.db", DevUserHeader: true}); err == nil {
		t.Fatal("New without a secret must fail")
	}
	for _, bad := range []string{"", "short", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		t.Run(bad, func(t *testing.T) {
			if _, err := sessions.ParseSecret(bad); err == nil {
				t.Errorf("secret %q accepted", bad)
			}
		})
	}
}

// TestExpiredAndDevMode: a state past expires_at is 410; without JWKS or
// keys the service refuses a non-loopback address.
func TestExpiredAndDevMode(t *testing.T) {
	e := start(t, sqltest.Backends(t)[0].DSN(t), sessions.NewSecret())
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	var s sessions.Summary
	body := `{"name":"old","domains":["example.com"],"expires_at":"` + past + `","storage_state":` + state + `}`
	if st, resp := do(t, "POST", e.base+"/sessions", "k-alice", body, &s); st != 201 {
		t.Fatalf("create: %d %s", st, resp)
	}
	if st, resp := do(t, "GET", e.base+"/sessions/"+s.ID+"/state", "k-alice", nil, nil); st != 410 || strings.Contains(resp, cookieValue) {
		t.Fatalf("expired state: %d %s", st, resp)
	}
	kr, _ := sessions.ParseSecret(sessions.NewSecret())
	err := sessions.Serve(context.Background(), "0.0.0.0:0", sessions.Config{DSN: t.TempDir() + "/s.db", Keys: kr}, nil)
	if err == nil || !strings.Contains(err.Error(), "no authentication") {
		t.Fatalf("dev mode on a public address: %v", err)
	}
}
