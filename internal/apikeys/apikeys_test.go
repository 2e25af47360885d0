package apikeys

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	digest := sha256.Sum256([]byte("hashed-key"))
	text := "# comment\n\nservice-key\nalice alice-key\nbob sha256:" + hex.EncodeToString(digest[:]) + "\n"
	s, err := Parse("keys", text)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, user string
		ok        bool
	}{{"service-key", "", true}, {"alice-key", "alice", true}, {"hashed-key", "bob", true}, {"nope", "", false}, {"", "", false}} {
		t.Run(c.key, func(t *testing.T) {
			if u, ok := s.Lookup(c.key); u != c.user || ok != c.ok {
				t.Fatalf("Lookup(%q) = %q, %v; want %q, %v", c.key, u, ok, c.user, c.ok)
			}
		})
	}
	for _, c := range []struct{ name, text, want string }{
		{"empty", "# nothing\n", "no key"},
		{"three fields", "a b c\n", "keys:1"},
		{"bad user", "k\n../x key\n", "keys:2"},
		{"bad digest", "sha256:zz\n", "64 hex"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse("keys", c.text); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v; want an error naming %q", err, c.want)
			}
		})
	}
}

// FuzzParse: any text parses or fails with an error; a parsed set never
// accepts the empty key.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"k\n", "alice k\n", "sha256:" + strings.Repeat("ab", 32), "a b c", "#x\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse("f", text)
		if err != nil {
			return
		}
		if _, ok := s.Lookup(""); ok {
			t.Fatal("empty key accepted")
		}
	})
}

func TestAllows(t *testing.T) {
	sum := sha256.Sum256([]byte("hashed"))
	ks, err := Parse("keys", "# comment\nclear\n\nsha256:"+hex.EncodeToString(sum[:])+"\n")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"clear": true, "hashed": true, "": false, "other": false, "sha256:" + hex.EncodeToString(sum[:]): false} {
		t.Run(key, func(t *testing.T) {
			if got := ks.Allows(key); got != want {
				t.Errorf("Allows(%q) = %v, want %v", key, got, want)
			}
		})
	}
}

func TestPresented(t *testing.T) {
	for _, c := range []struct{ header, value, want string }{
		{"Authorization", "Bearer k1", "k1"}, {"Authorization", "bearer  k1 ", "k1"}, {"Authorization", "Basic x", ""},
		{"X-Api-Key", "k2", "k2"}, {"Api-Key", "k3", "k3"},
	} {
		t.Run(c.header+"/"+c.value, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
			r.Header.Set(c.header, c.value)
			if got := Presented(r); got != c.want {
				t.Errorf("%s: %q → %q, want %q", c.header, c.value, got, c.want)
			}
		})
	}
}
