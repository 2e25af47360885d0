// Package search is a small local document search: a corpus of plain-text
// documents ranked with BM25 and fetched by id or URL. It stands in for web
// search in the reference baseline's agent tools and in the gateway's
// /api/search endpoints, so that both work offline and deterministically: the
// same query over the same corpus always returns the same hits in the same
// order.
package search

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Doc is one searchable document. ID is unique within a corpus; URL is
// how a fetch tool or a citation names it.
type Doc struct {
	ID, Title, URL, Text string
}

// Hit is one ranked search result: the document, its BM25 score (higher is
// better) and a short excerpt around the first matching term.
type Hit struct {
	Doc
	Score   float64
	Snippet string
}

// BM25 parameters: the textbook values, which suit short documents.
const (
	k1 = 1.2
	b  = 0.75
	// snippetLen bounds the excerpt a hit carries, in runes.
	snippetLen = 240
)

// Corpus is an immutable, indexed set of documents, safe for concurrent use.
type Corpus struct {
	docs   []Doc
	tf     []map[string]int // per document term frequencies
	length []int            // per document length in terms
	df     map[string]int   // document frequency per term
	avgLen float64
	byKey  map[string]int // id and URL → index
}

// NewCorpus indexes docs. Documents without an ID get "doc-N"; later
// documents with a duplicate ID or URL do not shadow earlier ones for Fetch.
func NewCorpus(docs []Doc) *Corpus {
	c := &Corpus{df: map[string]int{}, byKey: map[string]int{}}
	total := 0
	for i, d := range docs {
		if d.ID == "" {
			d.ID = fmt.Sprintf("doc-%d", i+1)
		}
		terms := Terms(d.Title + " " + d.Text)
		tf := map[string]int{}
		for _, t := range terms {
			tf[t]++
		}
		for t := range tf {
			c.df[t]++
		}
		c.docs = append(c.docs, d)
		c.tf = append(c.tf, tf)
		c.length = append(c.length, len(terms))
		total += len(terms)
		for _, k := range []string{d.ID, d.URL} {
			if _, seen := c.byKey[k]; k != "" && !seen {
				c.byKey[k] = i
			}
		}
	}
	if len(docs) > 0 {
		c.avgLen = float64(total) / float64(len(docs))
	}
	return c
}

// Len is the number of documents.
func (c *Corpus) Len() int { return len(c.docs) }

// Docs returns a copy of the documents in corpus order.
func (c *Corpus) Docs() []Doc { return append([]Doc(nil), c.docs...) }

// Search returns up to k documents matching q, best first; ties keep corpus
// order so results are deterministic. Documents sharing no term with q are
// not returned. k <= 0 means no limit.
func (c *Corpus) Search(q string, k int) []Hit {
	qterms := unique(Terms(q))
	if len(qterms) == 0 || len(c.docs) == 0 {
		return nil
	}
	n := float64(len(c.docs))
	var hits []Hit
	for i := range c.docs {
		score := 0.0
		for _, t := range qterms {
			f := float64(c.tf[i][t])
			if f == 0 {
				continue
			}
			df := float64(c.df[t])
			// The "+1" form of IDF never goes negative, so a term present in
			// most documents still counts a little instead of penalising.
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			norm := 1 - b + b*float64(c.length[i])/c.avgLen
			score += idf * f * (k1 + 1) / (f + k1*norm)
		}
		if score > 0 {
			hits = append(hits, Hit{Doc: c.docs[i], Score: score, Snippet: snippet(c.docs[i].Text, qterms)})
		}
	}
	sort.SliceStable(hits, func(a, z int) bool { return hits[a].Score > hits[z].Score })
	if k > 0 && len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

// Fetch returns the document whose ID or URL is idOrURL. A URL matches
// also without its scheme or with a trailing slash, as models write them.
func (c *Corpus) Fetch(idOrURL string) (Doc, bool) {
	key := strings.TrimSpace(idOrURL)
	if i, ok := c.byKey[key]; ok {
		return c.docs[i], true
	}
	norm := normURL(key)
	for i, d := range c.docs {
		if d.URL != "" && normURL(d.URL) == norm {
			return c.docs[i], true
		}
	}
	return Doc{}, false
}

func normURL(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	for _, p := range []string{"https://", "http://"} {
		u = strings.TrimPrefix(u, p)
	}
	return strings.TrimRight(u, "/")
}

//go:embed corpus/*.md
var embedded embed.FS

var (
	defaultOnce   sync.Once
	defaultCorpus *Corpus
)

// Default returns the small embedded corpus (a dozen encyclopedia-style
// pages on protocols, languages and general knowledge), built once.
func Default() *Corpus {
	defaultOnce.Do(func() {
		docs, err := readFS(embedded, "corpus", "https://docs.janus.local/")
		if err != nil {
			// The corpus is compiled in: failing to read it is a broken build.
			panic(fmt.Sprintf("search: embedded corpus: %v", err))
		}
		defaultCorpus = NewCorpus(docs)
	})
	return defaultCorpus
}

// LoadDir reads every .md and .txt file under dir (recursively) into a
// corpus. A file's ID is its path relative to dir without the extension;
// its title is its first "# " heading (else the file name); a "URL: …" line
// among the first lines sets its URL (else file://<absolute path>).
func LoadDir(dir string) (*Corpus, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", dir, err)
	}
	docs, err := readFS(os.DirFS(abs), ".", "file://"+filepath.ToSlash(abs)+"/")
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", dir, err)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("load corpus %s: no .md or .txt files", dir)
	}
	return NewCorpus(docs), nil
}

func readFS(fsys fs.FS, root, urlPrefix string) ([]Doc, error) {
	var docs []Doc
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if d.IsDir() || (ext != ".md" && ext != ".txt") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		id := strings.TrimSuffix(rel, filepath.Ext(rel))
		docs = append(docs, parseDoc(id, urlPrefix+rel, string(data)))
		return nil
	})
	return docs, err
}

// parseDoc splits a file into title, optional URL line and body.
func parseDoc(id, defURL, text string) Doc {
	d := Doc{ID: id, Title: filepath.Base(id), URL: defURL}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	body := 0
	for i := 0; i < len(lines) && i < 5; i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(l, "# ") && d.Title == filepath.Base(id):
			d.Title = strings.TrimSpace(l[2:])
			body = i + 1
		case strings.HasPrefix(strings.ToLower(l), "url:"):
			d.URL = strings.TrimSpace(l[4:])
			body = i + 1
		case l == "":
			if body == i {
				body = i + 1
			}
		}
	}
	d.Text = strings.TrimSpace(strings.Join(lines[body:], "\n"))
	return d
}

// stop words carry no ranking signal and would make every document match.
var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be by for from has have in is it its
		of on or that the this to was were what when where which who why how with do does did
		can you your i me my we our tell about please`) {
		stop[w] = true
	}
}

// Terms lowercases s and splits it into alphanumeric terms, dropping stop
// words. Exported so callers can explain a ranking.
func Terms(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := f[:0]
	for _, t := range f {
		if !stop[t] {
			out = append(out, t)
		}
	}
	return out
}

func unique(ts []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// snippet returns up to snippetLen runes of text centred near the first
// occurrence of a query term, cut at word boundaries.
func snippet(text string, qterms []string) string {
	r := []rune(text)
	if len(r) <= snippetLen {
		return text
	}
	// Lower-cased rune by rune, so that an index into lower is an index
	// into r (strings.ToLower can change the rune count: "İ" → "i̇").
	lower := make([]rune, len(r))
	for i, c := range r {
		lower[i] = unicode.ToLower(c)
	}
	at := -1
	for _, t := range qterms {
		if i := indexWord(lower, []rune(t)); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	start := 0
	if at > snippetLen/3 {
		start = at - snippetLen/3
	}
	end := start + snippetLen
	if end > len(r) {
		end, start = len(r), max(0, len(r)-snippetLen)
	}
	from, to := start, end
	for start > 0 && start < end && !unicode.IsSpace(r[start-1]) {
		start++
	}
	for end < len(r) && end > start && !unicode.IsSpace(r[end]) {
		end--
	}
	if start >= end {
		// No word boundary inside the window: cut mid-word rather than
		// return nothing.
		start, end = from, to
	}
	s := strings.TrimSpace(string(r[start:end]))
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
}

// indexWord finds t in s as a whole word (letters/digits on neither side).
func indexWord(s, t []rune) int {
	isW := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; i+len(t) <= len(s); i++ {
		match := true
		for j := range t {
			if s[i+j] != t[j] {
				match = false
				break
			}
		}
		if match && (i == 0 || !isW(s[i-1])) && (i+len(t) == len(s) || !isW(s[i+len(t)])) {
			return i
		}
	}
	return -1
}
