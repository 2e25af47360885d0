package chat

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// UserCSRF is a CSRF guard for when no session layer provides one: the
// token is an HMAC of the signed-in user under a key made at start, and a
// state-changing request must carry it in X-CSRF-Token. A cross-site page
// can neither read the token nor send the header without a CORS
// preflight this server never grants. The session of package web
// replaces it where mounted.
func UserCSRF(user func(*http.Request) (string, bool)) CSRF {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	token := func(r *http.Request) string {
		u, ok := user(r)
		if !ok {
			return ""
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(u))
		return hex.EncodeToString(m.Sum(nil))
	}
	return CSRF{Token: func(_ http.ResponseWriter, r *http.Request) string { return token(r) }, Check: func(r *http.Request) bool {
		want := token(r)
		return want != "" && hmac.Equal([]byte(r.Header.Get("X-CSRF-Token")), []byte(want))
	}}
}
