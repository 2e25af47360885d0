package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/coderun"
	"github.com/janus-bench/janus/internal/sandbox"
	"github.com/janus-bench/janus/internal/search"
	"github.com/janus-bench/janus/internal/svc"
)

// Tools are the backends of the gateway's helper APIs (/api/search/web,
// /api/research, /api/sandbox/create). Each is a one-method interface so
// that a real provider (a web search API, a hosted research agent, a
// remote sandbox service) plugs in by implementing it; a nil field gets the
// local offline implementation.
type Tools struct {
	Search   SearchBackend
	Research ResearchBackend
	Sandbox  SandboxBackend
	// Transcription serves POST /v1/audio/transcriptions; nil answers 501.
	Transcription *Transcription
}

// SearchBackend answers web searches.
type SearchBackend interface {
	// Search returns at most k results for query, best first.
	Search(ctx context.Context, query string, k int) ([]SearchResult, error)
}

// ResearchBackend answers a question with the sources it read.
type ResearchBackend interface {
	// Research searches for question and reads the best k sources.
	Research(ctx context.Context, question string, k int) (ResearchReport, error)
}

// SandboxBackend runs code in an isolated sandbox.
type SandboxBackend interface {
	// Run creates a sandbox, runs req in it, and returns the outcome once
	// it is gone.
	Run(ctx context.Context, req SandboxRequest) (SandboxResult, error)
}

// SearchResult is one hit of /api/search/web.
type SearchResult struct {
	ID      string  `json:"id,omitempty"`
	Title   string  `json:"title"`
	URL     string  `json:"url"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

// ResearchSource is one document a research read.
type ResearchSource struct {
	SearchResult
	Text string `json:"text"`
}

// ResearchReport is the answer of /api/research: the sources read, in
// rank order, and a short digest citing them as [n].
type ResearchReport struct {
	Question string           `json:"question"`
	Summary  string           `json:"summary"`
	Sources  []ResearchSource `json:"sources"`
}

// SandboxRequest is the body of /api/sandbox/create: a program and,
// optionally, tests it must pass (the conventions of internal/coderun).
type SandboxRequest struct {
	Language string `json:"language"`
	Code     string `json:"code"`
	Tests    string `json:"tests,omitempty"`
	// TimeoutSeconds lowers the wall-clock limit (never raises it).
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty"`
}

// SandboxResult is the outcome of one sandbox run.
type SandboxResult struct {
	ID        string  `json:"id"`
	Status    string  `json:"status"`
	Reason    string  `json:"reason,omitempty"`
	Stdout    string  `json:"stdout"`
	Stderr    string  `json:"stderr"`
	ElapsedMs float64 `json:"elapsed_ms"`
	// Limits are the limits the run ran under and how it was isolated.
	Limits *sandbox.Report `json:"limits,omitempty"`
}

// LocalSearch is the offline SearchBackend: BM25 over a local document
// corpus (internal/search; nil Corpus means the embedded one).
type LocalSearch struct{ Corpus *search.Corpus }

func (l LocalSearch) corpus() *search.Corpus {
	if l.Corpus == nil {
		return search.Default()
	}
	return l.Corpus
}

// Search implements SearchBackend.
func (l LocalSearch) Search(_ context.Context, query string, k int) ([]SearchResult, error) {
	hits := l.corpus().Search(query, k)
	out := make([]SearchResult, 0, len(hits))
	for _, h := range hits {
		out = append(out, SearchResult{ID: h.ID, Title: h.Title, URL: h.URL, Snippet: h.Snippet, Score: h.Score})
	}
	return out, nil
}

// LocalResearch is the offline ResearchBackend: a LocalSearch, then a fetch
// of each hit's whole document from the same corpus.
type LocalResearch struct{ Corpus *search.Corpus }

// maxSourceText bounds the text returned per source.
const maxSourceText = 16 << 10

// Research implements ResearchBackend.
func (l LocalResearch) Research(ctx context.Context, question string, k int) (ResearchReport, error) {
	ls := LocalSearch(l)
	hits, err := ls.Search(ctx, question, k)
	if err != nil {
		return ResearchReport{}, err
	}
	rep := ResearchReport{Question: question, Sources: []ResearchSource{}}
	var sb strings.Builder
	for i, h := range hits {
		d, ok := ls.corpus().Fetch(h.ID)
		if !ok {
			continue
		}
		text := d.Text
		if len(text) > maxSourceText {
			text = strings.ToValidUTF8(text[:maxSourceText], "") + "…"
		}
		rep.Sources = append(rep.Sources, ResearchSource{SearchResult: h, Text: text})
		fmt.Fprintf(&sb, "[%d] %s: %s\n", i+1, h.Title, h.Snippet)
	}
	if len(rep.Sources) == 0 {
		rep.Summary = "No local document matches the question."
	} else {
		rep.Summary = strings.TrimSpace(sb.String())
	}
	return rep, nil
}

// LocalSandbox is the offline SandboxBackend: internal/coderun, the sandbox
// the reference baseline's run_code tool and the code evaluator use, with
// the same limits (CPU, memory, wall time, no network, a fresh temp dir).
type LocalSandbox struct{ Limits coderun.Limits }

// Run implements SandboxBackend.
func (l LocalSandbox) Run(ctx context.Context, req SandboxRequest) (SandboxResult, error) {
	lim := l.Limits
	if lim == (coderun.Limits{}) {
		lim = coderun.DefaultLimits()
	}
	if req.TimeoutSeconds > 0 {
		lim.Wall = min(lim.Wall, time.Duration(req.TimeoutSeconds*float64(time.Second)))
	}
	p := coderun.Program{Language: req.Language, Code: req.Code, Tests: req.Tests}
	if p.Language == coderun.Go && strings.TrimSpace(p.Tests) == "" {
		// coderun runs the tests' main and renames the program's own; with
		// no tests, call it, as the baseline's run_code does.
		p.Tests = "func main() {}"
		if strings.Contains(p.Code, "func main()") {
			p.Tests = "func main() { " + agenttools.GoMainAlias + "() }"
		}
	}
	r := coderun.Run(ctx, p, lim)
	rep := lim.Report(r.Isolation)
	return SandboxResult{ID: "sbx-" + strings.ToLower(cryptoText()), Status: string(r.Status), Reason: r.Reason,
		Stdout: r.Stdout, Stderr: r.Stderr, ElapsedMs: float64(r.Elapsed.Microseconds()) / 1000, Limits: &rep}, nil
}

// tools returns the configured backends with the local ones filling gaps.
func (s *Server) tools() Tools {
	t := s.opts.Tools
	if t.Search == nil {
		t.Search = LocalSearch{}
	}
	if t.Research == nil {
		t.Research = LocalResearch{}
	}
	if t.Sandbox == nil {
		t.Sandbox = LocalSandbox{}
	}
	return t
}

// maxToolBody caps the body of the helper APIs: a query or a program, not
// a conversation.
const maxToolBody = 1 << 20

// decodeToolBody reads a helper API body into v, refusing unknown fields
// so that a misspelt parameter is an error, not a silent default.
func (s *Server) decodeToolBody(w http.ResponseWriter, r *http.Request, v any) bool {
	ri := info(r.Context())
	body, verr := s.readBody(w, r)
	if verr != nil {
		s.reject(w, ri, verr)
		return false
	}
	if len(body) > maxToolBody {
		s.reject(w, ri, chatreq.TooLarge(maxToolBody))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.reject(w, ri, chatreq.BadRequest("", "request body: %v", err))
		return false
	}
	return true
}

// clampK is the number of results asked for: default 5, at most 20.
func clampK(k int) int {
	switch {
	case k <= 0:
		return 5
	case k > 20:
		return 20
	}
	return k
}

// handleSearch serves POST /api/search/web {query, k}.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query string `json:"query"`
		K     int    `json:"k"`
	}
	if !s.decodeToolBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Query) == "" {
		s.reject(w, info(r.Context()), chatreq.BadRequest("query", "query is required"))
		return
	}
	res, err := s.tools().Search.Search(r.Context(), req.Query, clampK(req.K))
	if err != nil {
		s.toolFailed(w, r, "search", err)
		return
	}
	if res == nil {
		res = []SearchResult{}
	}
	svc.WriteJSON(w, http.StatusOK, struct {
		Object  string         `json:"object"`
		Query   string         `json:"query"`
		Results []SearchResult `json:"results"`
	}{"search.results", req.Query, res})

}

// handleResearch serves POST /api/research {question, k}.
func (s *Server) handleResearch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Question string `json:"question"`
		K        int    `json:"k"`
	}
	if !s.decodeToolBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Question) == "" {
		s.reject(w, info(r.Context()), chatreq.BadRequest("question", "question is required"))
		return
	}
	rep, err := s.tools().Research.Research(r.Context(), req.Question, clampK(req.K))
	if err != nil {
		s.toolFailed(w, r, "research", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, struct {
		Object string `json:"object"`
		ResearchReport
	}{"research.report", rep})

}

// handleSandbox serves POST /api/sandbox/create {language, code, tests,
// timeout_seconds}: one program run in a fresh sandbox.
func (s *Server) handleSandbox(w http.ResponseWriter, r *http.Request) {
	if !s.sandboxAdmit(w, r) {
		return
	}
	defer func() { <-s.sbSlots }()
	var req SandboxRequest
	if !s.decodeToolBody(w, r, &req) {
		return
	}
	ri := info(r.Context())
	if !coderun.Known(req.Language) {
		s.reject(w, ri, chatreq.BadRequest("language", "language must be one of %s", strings.Join(coderun.Languages, ", ")))
		return
	}
	if strings.TrimSpace(req.Code) == "" {
		s.reject(w, ri, chatreq.BadRequest("code", "code is required"))
		return
	}
	if req.TimeoutSeconds < 0 {
		s.reject(w, ri, chatreq.BadRequest("timeout_seconds", "timeout_seconds must not be negative"))
		return
	}
	res, err := s.tools().Sandbox.Run(r.Context(), req)
	if err != nil {
		s.toolFailed(w, r, "sandbox", err)
		return
	}
	svc.WriteJSON(w, http.StatusOK, struct {
		Object string `json:"object"`
		SandboxResult
	}{"sandbox.run", res})

}

// sandboxAdmit applies the sandbox endpoint's own guards: off unless
// enabled, then the per-key rate limit, then a free slot of the
// concurrency cap (taken; the caller gives it back). It reports whether
// the request may run.
func (s *Server) sandboxAdmit(w http.ResponseWriter, r *http.Request) bool {
	if s.sbSlots == nil {
		writeError(w, http.StatusNotFound, "invalid_request_error", "sandbox_disabled", "",
			"the sandbox endpoint is disabled on this gateway (the operator enables it with --enable-sandbox)")
		return false
	}
	sum := sha256.Sum256([]byte(apikeys.Presented(r)))
	if ok, wait := s.sbLimit.Allow("sandbox:"+hex.EncodeToString(sum[:8]), time.Now()); !ok {
		s.metrics.reject("sandbox_rate_limited")
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "sandbox_rate_limit_exceeded", "",
			fmt.Sprintf("sandbox rate limit of %g runs per second exceeded; retry in %s", s.opts.Sandbox.RateLimit, wait.Round(time.Millisecond)))
		return false
	}
	select {
	case s.sbSlots <- struct{}{}:
		return true
	default:
		s.metrics.reject("sandbox_busy")
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "sandbox_busy", "",
			fmt.Sprintf("all %d sandbox slots are busy; retry shortly", cap(s.sbSlots)))
		return false
	}
}

// toolFailed answers a backend failure: 504 when the client's time ran out,
// else 502, because the backend is an upstream like a competitor is.
func (s *Server) toolFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	info(r.Context()).errMsg = what + ": " + err.Error()
	status := http.StatusBadGateway
	if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	writeError(w, status, "server_error", what+"_failed", "", what+" backend failed: "+err.Error())
}
