package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/janus-bench/janus/leaderboard"
)

// Cookie names. The session cookie holds a random id, never the API key:
// the key stays in this process's memory.
const (
	SessionCookie = "janus_session"
	CSRFCookie    = "janus_csrf"
	// CSRFField is the form field (or X-CSRF-Token header) a POST carries.
	CSRFField = "csrf"
)

// Session is a signed-in visitor: the API key they signed in with.
type Session struct {
	ID      string
	KeyID   string
	Name    string
	Role    string
	Expires time.Time
	token   string
}

// BearerToken is the session's API key, for calling the API on the
// visitor's behalf; it never leaves the server.
func (s Session) BearerToken() string { return s.token }

// SessionLookup is what another UI (the chat page) needs from the sign-in:
// who, if anyone, made a request, and the CSRF check of its forms.
type SessionLookup interface {
	Lookup(r *http.Request) (Session, bool)
	CSRFToken(w http.ResponseWriter, r *http.Request) string
	CheckCSRF(r *http.Request) bool
}

var _ SessionLookup = (*Sessions)(nil)

// Sessions holds sign-ins in memory (a restart signs everyone out), at
// most max of them; each lookup re-checks the key against the store, so a
// revoked key ends its sessions at once.
type Sessions struct {
	st     *leaderboard.Store
	secret []byte
	ttl    time.Duration
	max    int
	now    func() time.Time
	mu     sync.Mutex
	m      map[string]Session
}

func newSessions(st *leaderboard.Store, secret []byte, ttl time.Duration, max int) *Sessions {
	return &Sessions{st: st, secret: secret, ttl: ttl, max: max, now: time.Now, m: map[string]Session{}}
}

func randomID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SignIn checks token against the store and, when it is a live key,
// starts a session and sets its cookie (HttpOnly, SameSite=Strict, Secure
// on TLS).
func (s *Sessions) SignIn(ctx context.Context, w http.ResponseWriter, r *http.Request, token string) (Session, error) {
	k, err := s.st.Authenticate(ctx, token)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{ID: randomID(), KeyID: k.ID, Name: k.Name, Role: k.Role, Expires: now.Add(s.ttl), token: token}
	s.mu.Lock()
	s.evict(now)
	s.m[sess.ID] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sess.ID, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, Expires: sess.Expires})
	return sess, nil
}

// evict drops expired sessions and, at the cap, the oldest; s.mu is held.
func (s *Sessions) evict(now time.Time) {
	var oldest string
	for id, x := range s.m {
		if now.After(x.Expires) {
			delete(s.m, id)
		} else if oldest == "" || x.Expires.Before(s.m[oldest].Expires) {
			oldest = id
		}
	}
	if len(s.m) >= s.max && oldest != "" {
		delete(s.m, oldest)
	}
}

// SignOut ends the request's session and clears its cookie.
func (s *Sessions) SignOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// Lookup returns the request's session, if it has a live one whose key is
// still valid.
func (s *Sessions) Lookup(r *http.Request) (Session, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || len(c.Value) != 48 {
		return Session{}, false
	}
	s.mu.Lock()
	sess, ok := s.m[c.Value]
	s.mu.Unlock()
	if !ok || s.now().After(sess.Expires) {
		return Session{}, false
	}
	if _, err := s.st.Authenticate(r.Context(), sess.token); err != nil {
		s.mu.Lock()
		delete(s.m, c.Value)
		s.mu.Unlock()
		return Session{}, false
	}
	return sess, true
}

// CSRFToken is the token the request's forms carry: an HMAC of a random
// per-browser cookie (set here when missing), so a page on another origin
// can neither read nor forge it.
func (s *Sessions) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) == 48 {
		v = c.Value
	} else {
		v = randomID()
		http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: v, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
			SameSite: http.SameSiteStrictMode})
		// A second call in the same request must see the cookie just set.
		r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: v})
	}
	return s.mac(v)
}

func (s *Sessions) mac(v string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("csrf\x00" + v))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckCSRF says whether a state-changing request carries the token of
// its browser's CSRF cookie, in the form field or the X-CSRF-Token header.
func (s *Sessions) CheckCSRF(r *http.Request) bool {
	c, err := r.Cookie(CSRFCookie)
	if err != nil || len(c.Value) != 48 {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	want := s.mac(c.Value)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
