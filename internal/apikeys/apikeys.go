// Package apikeys loads the API key files of janus's services and checks
// presented keys. The format is the gateway's (one key per line, in clear
// or as "sha256:<64 hex digits>", blank lines and # comments skipped),
// extended with an optional owner: "USER KEY" binds the key to a user id.
// Only digests are kept in memory.
package apikeys

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
)

// UserIDPattern is what a user id may look like in every service: 1–128
// characters, a letter or digit first, then letters, digits and . _ : @ -.
var UserIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)

// Set is a loaded key file: key digest → owner ("" for a service key that
// may act for any user).
type Set struct {
	owners map[[sha256.Size]byte]string
}

// Load reads a key file.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read API keys: %w", err)
	}
	return Parse(path, string(data))
}

// Parse reads key file text; name is used in errors (name:line).
func Parse(name, text string) (*Set, error) {
	s := &Set{owners: map[[sha256.Size]byte]string{}}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		user, key := "", f[0]
		switch len(f) {
		case 1:
		case 2:
			user, key = f[0], f[1]
			if !UserIDPattern.MatchString(user) {
				return nil, fmt.Errorf("API keys %s:%d: user id %q: want 1-128 of A-Z a-z 0-9 . _ : @ -", name, i+1, user)
			}
		default:
			return nil, fmt.Errorf("API keys %s:%d: want KEY or USER KEY", name, i+1)
		}
		var d [sha256.Size]byte
		if h, ok := strings.CutPrefix(key, "sha256:"); ok {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("API keys %s:%d: sha256: needs 64 hex digits", name, i+1)
			}
			d = [sha256.Size]byte(b)
		} else {
			d = sha256.Sum256([]byte(key))
		}
		s.owners[d] = user
	}
	if len(s.owners) == 0 {
		return nil, fmt.Errorf("API keys %s: no key in the file", name)
	}
	return s, nil
}

// Lookup reports whether key is accepted and the user it is bound to.
func (s *Set) Lookup(key string) (user string, ok bool) {
	if s == nil || key == "" {
		return "", false
	}
	user, ok = s.owners[sha256.Sum256([]byte(key))]
	return user, ok
}

// Allows reports whether key is accepted, whoever it is bound to. The
// lookup is by SHA-256 digest, so its timing tells nothing about the key.
func (s *Set) Allows(key string) bool {
	_, ok := s.Lookup(key)
	return ok
}

// Presented is the key a request carries: a Bearer token, else the
// X-Api-Key or Api-Key header some SDKs send.
func Presented(r *http.Request) string {
	if a := r.Header.Get("Authorization"); a != "" {
		if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			return strings.TrimSpace(a[7:])
		}
		return ""
	}
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	return r.Header.Get("Api-Key")
}
