package service

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// route is one API endpoint; the table drives both the router and the
// OpenAPI check.
type route struct {
	method, path string
	need         access
	h            func(http.ResponseWriter, *http.Request) *apiError
}

// apiPrefix versions the API.
const apiPrefix = "/api/v1"

func (s *Server) table() []route {
	return []route{
		{"GET", "/health", accessPublic, s.health},
		{"GET", "/openapi.json", accessPublic, s.openapi},
		{"GET", "/runs", accessRead, s.listRuns},
		{"POST", "/runs", accessSubmit, s.submitRun},
		{"GET", "/runs/{id}", accessRead, s.getRun},
		{"DELETE", "/runs/{id}", accessSubmit, s.cancelRun},
		{"GET", "/runs/{id}/stream", accessRead, s.streamRun},
		{"GET", "/runs/{id}/results", accessRead, s.runResults},
		{"GET", "/runs/{id}/summary", accessRead, s.runSummary},
		{"GET", "/runs/{id}/report", accessRead, s.runReport},
		{"GET", "/runs/{id}/tasks/{task}", accessRead, s.runTask},
		{"GET", "/competitors", accessRead, s.listCompetitors},
		{"POST", "/competitors", accessSubmit, s.registerCompetitor},
		{"GET", "/leaderboard", accessRead, s.leaderboard},
		{"GET", "/compare", accessRead, s.compare},
		{"POST", "/arena/vote", accessSubmit, s.vote},
		{"GET", "/arena/leaderboard", accessRead, s.arenaBoard},
	}
}

// routes registers the table under /api/v1, plus /health and /metrics at
// the root. CORS is off: no Access-Control headers are ever sent, so a
// browser on another origin cannot read answers.
func (s *Server) routes() {
	for _, rt := range s.table() {
		s.mux.Handle(rt.method+" "+apiPrefix+rt.path, s.wrap(rt))
	}
	for _, rt := range s.table() {
		if rt.path == "/health" {
			s.mux.Handle("GET /health", s.wrap(rt))
		}
	}
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.Handle(apiPrefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("route "+r.Method+" "+r.URL.Path))
	}))
}

// wrap authenticates, bounds the body, times and counts the request, and
// writes a handler's error.
func (s *Server) wrap(rt route) http.Handler {
	name := rt.method + " " + rt.path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		r.Body = http.MaxBytesReader(rec, r.Body, s.cfg.MaxBody)
		c, aerr := s.authenticate(r, rt.need)
		if aerr == nil {
			aerr = rt.h(rec, r.WithContext(withCaller(r.Context(), c)))
		}
		if aerr != nil {
			if aerr.Status >= 500 {
				s.log.Error("request failed", "route", name, "err", aerr.Message)
			}
			writeError(rec, aerr)
		}
		s.m.requests.WithLabelValues(name, strconv.Itoa(rec.code)).Inc()
		s.m.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

// Flush lets a progress stream through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// writeJSON answers v; a GET gets a strong ETag of the body and a 304 when
// If-None-Match has it.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) *apiError {
	b, err := json.Marshal(v)
	if err != nil {
		return internalError()
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(b)
		tag := `"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", tag)
		h.Set("Cache-Control", "no-cache")
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, tag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

func etagMatch(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

// paging reads limit (1..1000, default 100) and offset (≥ 0).
func paging(r *http.Request) (limit, offset int, e *apiError) {
	limit, offset = 100, 0
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, badRequest("limit", "limit %q: want an integer from 1 to 1000", v)
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, badRequest("offset", "offset %q: want a non-negative integer", v)
		}
		offset = n
	}
	return limit, offset, nil
}

// timeParam reads an RFC 3339 query parameter.
func timeParam(r *http.Request, name string) (time.Time, *apiError) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRequest(name, "%s %q: want an RFC 3339 time", name, v)
	}
	return t, nil
}

// knownParams refuses query parameters a route does not take.
func knownParams(r *http.Request, names ...string) *apiError {
	for k := range r.URL.Query() {
		ok := false
		for _, n := range names {
			if k == n {
				ok = true
				break
			}
		}
		if !ok {
			return badRequest(k, "unknown query parameter %q (this endpoint takes: %s)", k, strings.Join(names, ", "))
		}
	}
	return nil
}

func compactJSON(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}
