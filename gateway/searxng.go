package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/clip"
)

// SearXNG is a SearchBackend over a SearXNG-compatible JSON search API:
// GET {URL}/search?q=…&format=json answers {"results":[{"title","url",
// "content","score"}…]}. The URL is the operator's (--search-url); the
// answer is bounded in size and time like any upstream's.
type SearXNG struct {
	// URL is the instance's base URL (http://127.0.0.1:8888); a URL whose
	// path already ends in /search is used as it is.
	URL string
	// Client makes the requests; nil means one with a 15 s timeout.
	Client *http.Client
}

// maxSearchBody bounds a search provider's answer.
const maxSearchBody = 4 << 20

// searxngResult is one result of SearXNG's JSON format.
type searxngResult struct {
	Title   string  `json:"title"`
	URL     string  `json:"url"`
	Content string  `json:"content"`
	Score   float64 `json:"score"`
}

// Search implements SearchBackend.
func (s SearXNG) Search(ctx context.Context, query string, k int) ([]SearchResult, error) {
	u, err := url.Parse(strings.TrimRight(s.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("search provider URL: %w", err)
	}
	if !strings.HasSuffix(u.Path, "/search") {
		u.Path += "/search"
	}
	q := u.Query()
	q.Set("q", query)
	q.Set("format", "json")
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build search request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	hc := s.Client
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("search provider: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSearchBody+1))
	if err != nil {
		return nil, fmt.Errorf("search provider: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("search provider answered HTTP %d: %s", resp.StatusCode, truncateBody(body[:min(len(body), 200)]))
	}
	if len(body) > maxSearchBody {
		return nil, fmt.Errorf("search provider answer exceeds %d bytes", maxSearchBody)
	}
	return parseSearXNG(body, k)
}

// parseSearXNG reads SearXNG's JSON answer and keeps the first k results
// that have a URL; the error names the JSON path at fault.
func parseSearXNG(body []byte, k int) ([]SearchResult, error) {
	var ans struct {
		Results []searxngResult `json:"results"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("search provider answer: $.results: %w", err)
	}
	out := []SearchResult{}
	for i, r := range ans.Results {
		if len(out) >= k {
			break
		}
		if strings.TrimSpace(r.URL) == "" {
			continue
		}
		out = append(out, SearchResult{ID: fmt.Sprintf("web-%d", i+1), Title: clip.Bytes(r.Title, 300, ""),
			URL: clip.Bytes(r.URL, 2000, ""), Snippet: clip.Bytes(r.Content, 1000, ""), Score: r.Score})
	}
	return out, nil
}

// SearchResearch is the ResearchBackend over any SearchBackend without a
// corpus to read from: the sources are the hits, their snippets the text.
// Pages are not fetched, because a gateway that fetched whatever URL a
// search engine returned could be steered at internal addresses.
type SearchResearch struct{ Search SearchBackend }

// Research implements ResearchBackend.
func (s SearchResearch) Research(ctx context.Context, question string, k int) (ResearchReport, error) {
	hits, err := s.Search.Search(ctx, question, k)
	if err != nil {
		return ResearchReport{}, err
	}
	rep := ResearchReport{Question: question, Sources: []ResearchSource{}}
	var sb strings.Builder
	for i, h := range hits {
		rep.Sources = append(rep.Sources, ResearchSource{SearchResult: h, Text: h.Snippet})
		fmt.Fprintf(&sb, "[%d] %s: %s\n", i+1, h.Title, h.Snippet)
	}
	rep.Summary = strings.TrimSpace(sb.String())
	if len(rep.Sources) == 0 {
		rep.Summary = "The search provider found nothing for the question."
	}
	return rep, nil
}
