// Package apikeys reads a file of accepted API keys (one per line, in
// clear or as "sha256:<hex>") and checks the key a client presents. Only
// hashes are kept in memory.
package apikeys

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Set is the accepted keys, by SHA-256.
type Set map[[sha256.Size]byte]bool

// Load reads the keys file at path. Blank lines and lines starting with
// # are skipped; an empty file is an error (it would lock every client
// out, which is never what was meant).
func Load(path string) (Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read API keys: %w", err)
	}
	return Parse(path, string(data))
}

// Parse reads keys from text; name is used in errors.
func Parse(name, text string) (Set, error) {
	ks := Set{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if h, ok := strings.CutPrefix(line, "sha256:"); ok {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("API keys %s line %d: sha256: needs 64 hex digits", name, i+1)
			}
			ks[[sha256.Size]byte(b)] = true
			continue
		}
		ks[sha256.Sum256([]byte(line))] = true
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("API keys %s: no key in the file", name)
	}
	return ks, nil
}

// Allows reports whether key is one of the set. Comparing fixed-size
// hashes leaks nothing about the key through timing.
func (s Set) Allows(key string) bool {
	if key == "" {
		return false
	}
	sum := sha256.Sum256([]byte(key))
	for k := range s {
		if subtle.ConstantTimeCompare(k[:], sum[:]) == 1 {
			return true
		}
	}
	return false
}

// ClientKey returns the API key a client presented: a Bearer token, or the
// X-Api-Key / api-key header some SDKs send.
func ClientKey(r *http.Request) string {
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
