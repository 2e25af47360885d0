package apikeys

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

func TestParseAndAllows(t *testing.T) {
	sum := sha256.Sum256([]byte("hashed"))
	ks, err := Parse("keys", "# comment\nclear\n\nsha256:"+hex.EncodeToString(sum[:])+"\n")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"clear": true, "hashed": true, "": false, "other": false, "sha256:" + hex.EncodeToString(sum[:]): false} {
		if got := ks.Allows(key); got != want {
			t.Errorf("Allows(%q) = %v, want %v", key, got, want)
		}
	}
	for _, bad := range []string{"", "# only a comment\n", "sha256:abc\n"} {
		if _, err := Parse("keys", bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if _, err := Parse("keys", "ok\nsha256:zz\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad hash error %v, want the line", err)
	}
}

func TestClientKey(t *testing.T) {
	for _, c := range []struct{ header, value, want string }{
		{"Authorization", "Bearer k1", "k1"}, {"Authorization", "bearer  k1 ", "k1"}, {"Authorization", "Basic x", ""},
		{"X-Api-Key", "k2", "k2"}, {"Api-Key", "k3", "k3"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		r.Header.Set(c.header, c.value)
		if got := ClientKey(r); got != c.want {
			t.Errorf("%s: %q → %q, want %q", c.header, c.value, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("k1\n# c\nsha256:" + strings.Repeat("ab", 32))
	f.Add("sha256:zz")
	f.Fuzz(func(t *testing.T, text string) {
		ks, err := Parse("fuzz", text)
		if err == nil && len(ks) == 0 {
			t.Fatal("no error and no keys")
		}
	})
}
