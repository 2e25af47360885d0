package search

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDefaultSearch(t *testing.T) {
	c := Default()
	if c.Len() < 10 {
		t.Fatalf("embedded corpus has %d docs, want >= 10", c.Len())
	}
	cases := []struct {
		q, wantTop string
	}{
		// A protocol question lands on the SSE page.
		{"what is the data: [DONE] sentinel in server-sent events", "server-sent-events"},
		// Named parameters of a formula find the BM25 page.
		{"bm25 k1 parameter", "bm25"},
		// General knowledge: largest planet.
		{"largest planet Jupiter", "solar-system"},
		// Capital and monument.
		{"Eiffel Tower height Paris", "eiffel-tower"},
		// Mixed case and punctuation are normalised.
		{"GO, GOROUTINES & Channels!", "go-language"},
		// Sandbox limits.
		{"RLIMIT_CPU sandbox memory limit", "sandboxing"},
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			hits := c.Search(tc.q, 3)
			if len(hits) == 0 {
				t.Errorf("%q: no hits", tc.q)
				return
			}
			if hits[0].ID != tc.wantTop {
				t.Errorf("%q: top hit %s (%.2f), want %s", tc.q, hits[0].ID, hits[0].Score, tc.wantTop)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Score > hits[i-1].Score {
					t.Errorf("%q: hits not sorted by score", tc.q)
				}
			}
			if hits[0].Snippet == "" || utf8.RuneCountInString(hits[0].Snippet) > snippetLen+2 {
				t.Errorf("%q: bad snippet %q", tc.q, hits[0].Snippet)
			}
		})
	}
}

func TestSearchEdges(t *testing.T) {
	c := Default()
	// Only stop words: nothing to rank on.
	if h := c.Search("what is the", 5); len(h) != 0 {
		t.Errorf("stop-word query returned %d hits", len(h))
	}
	// A term in no document.
	if h := c.Search("zyzzyvaqq", 5); len(h) != 0 {
		t.Errorf("unknown term returned %d hits", len(h))
	}
	// k limits; k<=0 means all matches.
	all := c.Search("language", 0)
	if len(all) < 2 {
		t.Fatalf("'language' matched %d docs", len(all))
	}
	if h := c.Search("language", 1); len(h) != 1 {
		t.Errorf("k=1 gave %d hits", len(h))
	}
	// Deterministic: same query, same order.
	a, b := c.Search("light speed sun", 5), c.Search("light speed sun", 5)
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Fatal("search order not deterministic")
		}
	}
	// Empty corpus.
	if h := NewCorpus(nil).Search("x", 3); h != nil {
		t.Error("empty corpus returned hits")
	}
}

func TestFetch(t *testing.T) {
	c := Default()
	cases := []struct {
		key, want string
	}{
		// By id.
		{"bm25", "bm25"},
		// By exact URL.
		{"https://docs.janus.local/bm25", "bm25"},
		// Without scheme and with trailing slash, as models write URLs.
		{"docs.janus.local/solar-system/", "solar-system"},
		// Other scheme and case.
		{"HTTP://docs.janus.local/Go-Language", "go-language"},
		// Unknown.
		{"https://example.com/nope", ""},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			d, ok := c.Fetch(tc.key)
			if ok != (tc.want != "") || (ok && d.ID != tc.want) {
				t.Errorf("Fetch(%q) = %q,%v want %q", tc.key, d.ID, ok, tc.want)
			}
			if ok && (d.Title == "" || d.Text == "" || strings.HasPrefix(d.Text, "URL:")) {
				t.Errorf("Fetch(%q): title/text not parsed: %+v", tc.key, d)
			}
		})
	}
}

func TestNewCorpusIDs(t *testing.T) {
	c := NewCorpus([]Doc{{Text: "alpha"}, {ID: "x", Text: "beta"}, {ID: "x", Text: "gamma"}})
	if d, ok := c.Fetch("doc-1"); !ok || d.Text != "alpha" {
		t.Errorf("missing ID not defaulted: %+v", d)
	}
	// The first document with a duplicate id wins.
	if d, _ := c.Fetch("x"); d.Text != "beta" {
		t.Errorf("duplicate id shadowed: %+v", d)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	must := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must("a.md", "# Apples\nURL: https://fruit.example/apples\n\nApples are red or green fruit.\n")
	must("sub/b.txt", "Bananas are yellow.")
	must("ignored.json", `{"x":1}`)
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Fatalf("loaded %d docs, want 2", c.Len())
	}
	a, ok := c.Fetch("https://fruit.example/apples")
	if !ok || a.ID != "a" || a.Title != "Apples" || a.Text != "Apples are red or green fruit." {
		t.Errorf("a.md parsed as %+v", a)
	}
	bd, ok := c.Fetch("sub/b")
	if !ok || bd.Title != "b" || !strings.HasPrefix(bd.URL, "file://") {
		t.Errorf("sub/b.txt parsed as %+v", bd)
	}
	if h := c.Search("yellow", 1); len(h) != 1 || h[0].ID != "sub/b" {
		t.Errorf("search yellow: %+v", h)
	}
	// Errors name the directory.
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing dir: %v", err)
	}
	empty := t.TempDir()
	if _, err := LoadDir(empty); err == nil {
		t.Error("empty dir accepted")
	}
}

func TestSnippetLong(t *testing.T) {
	text := strings.Repeat("filler word ", 100) + "needle here " + strings.Repeat("more filler ", 100)
	s := snippet(text, []string{"needle"})
	if !strings.Contains(s, "needle") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") {
		t.Errorf("snippet %q", s)
	}
}

func FuzzParseAndSearch(f *testing.F) {
	f.Add("# T\nURL: u\n\nbody text", "body")
	f.Add("", "")
	f.Add("\r\n# \r\nurl:\n", "é ñ 中文")
	f.Fuzz(func(t *testing.T, text, q string) {
		d := parseDoc("id", "file:///x", text)
		c := NewCorpus([]Doc{d, {ID: "other", Text: text + " " + q}})
		for _, h := range c.Search(q, 5) {
			if h.Score <= 0 {
				t.Fatalf("non-positive score %v", h.Score)
			}
			if !utf8.ValidString(text) || !utf8.ValidString(q) {
				continue
			}
			if !utf8.ValidString(h.Snippet) {
				t.Fatalf("invalid snippet %q", h.Snippet)
			}
		}
		_ = snippet(text, Terms(q))
	})
}
