package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/janus-bench/janus/internal/apikeys"
	"github.com/janus-bench/janus/internal/httpguard"
)

// reqInfo is what one request's log line reports; handlers fill it in as
// they learn things, the logging middleware writes it once at the end.
type reqInfo struct {
	requestID  string
	competitor string
	stream     bool
	keepalives int
	retries    int
	errMsg     string
	body       string
}

type infoKey struct{}

// info returns the request's log record, or a throwaway one.
func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// recorder captures the status and size of a response for the log line and
// the metrics. Unwrap lets http.ResponseController reach the connection.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the status.
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write records the size.
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// FlushError flushes the underlying writer.
func (r *recorder) FlushError() error {
	switch f := r.ResponseWriter.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	return http.NewResponseController(r.ResponseWriter).Flush()
}

// Flush implements http.Flusher for code that only knows that interface.
func (r *recorder) Flush() { _ = r.FlushError() }

// Unwrap returns the wrapped writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack lets handlers (and tests of misbehaving clients) take over the
// connection.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// middleware wraps the routes with the guards, outermost first: the request
// log, CORS (preflights answer before authentication), API keys and the
// rate limit. Health, readiness and metrics stay open so that probes and
// scrapers need no key; /v1/ and /api/ (which runs code) do not.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		httpguard.Handling(r.Context())
		ri := &reqInfo{}
		rec := &recorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
		defer func() {
			if rec.status == 0 {
				rec.status = statusClientClosed
			}
			if r.URL.Path == "/v1/chat/completions" {
				s.metrics.request(ri.competitor, rec.status, ri.stream)
			}
			s.logRequest(r, rec, ri, start)
		}()

		if s.cors(rec, r) {
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v1/") && !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(rec, r)
			return
		}
		key := apikeys.Presented(r)
		if ks := s.keys.Load(); ks != nil {
			if !ks.Allows(key) {
				s.metrics.reject("unauthorized")
				writeError(rec, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "",
					"a valid API key is required (Authorization: Bearer <key>)")
				return
			}
		}
		if s.limit != nil {
			id := "ip:" + clientIP(r)
			if s.keys.Load() != nil {
				sum := sha256.Sum256([]byte(key))
				id = "key:" + hex.EncodeToString(sum[:8])
			}
			if ok, wait := s.limit.Allow(id, start); !ok {
				s.metrics.reject("rate_limited")
				rec.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				writeError(rec, http.StatusTooManyRequests, "rate_limit_error", "rate_limit_exceeded", "",
					fmt.Sprintf("rate limit of %g requests per second exceeded; retry in %s", s.opts.RateLimit,
						wait.Round(time.Millisecond)))
				return
			}
		}
		next.ServeHTTP(rec, r)
	})
}

// statusClientClosed is logged and counted for a request whose client left
// before any response was written (nginx's 499).
const statusClientClosed = 499

// clientIP is the peer address without its port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// corsAllowHeaders are the request headers a browser UI may send.
const corsAllowHeaders = "Authorization, Content-Type, Accept, X-Api-Key, X-Janus-Competitor, X-Request-Id, X-Correlation-ID"

// cors adds CORS headers for an allowed origin and answers preflights. It
// reports whether the request has been answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(s.opts.CORSOrigins) == 0 {
		return false
	}
	allowAll := slices.Contains(s.opts.CORSOrigins, "*")
	if !allowAll && !slices.Contains(s.opts.CORSOrigins, origin) {
		return false
	}
	h := w.Header()
	if allowAll {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	h.Set("Access-Control-Expose-Headers", "X-Request-Id, X-Janus-Competitor, X-Correlation-ID, Retry-After")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// logBodyMax is how much of a request body --log-bodies logs.
const logBodyMax = 4 << 10

// logRequest writes the one log line of a request. Headers are never
// logged, so no credential can reach the log; bodies only with LogBodies.
func (s *Server) logRequest(r *http.Request, rec *recorder, ri *reqInfo, start time.Time) {
	lvl := slog.LevelInfo
	if rec.status >= 500 {
		lvl = slog.LevelWarn
	}
	if !s.log.Enabled(r.Context(), lvl) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status),
		slog.Duration("elapsed", time.Since(start)), slog.Int64("bytes_out", rec.bytes),
		slog.String("remote", clientIP(r)),
	}
	if ri.requestID != "" {
		attrs = append(attrs, slog.String("request_id", ri.requestID))
	}
	if ri.competitor != "" {
		attrs = append(attrs, slog.String("competitor", ri.competitor), slog.Bool("stream", ri.stream))
	}
	if ri.keepalives > 0 {
		attrs = append(attrs, slog.Int("keepalives", ri.keepalives))
	}
	if ri.retries > 0 {
		attrs = append(attrs, slog.Int("retries", ri.retries))
	}
	if ri.errMsg != "" {
		attrs = append(attrs, slog.String("error", ri.errMsg))
	}
	if s.opts.LogBodies && ri.body != "" {
		attrs = append(attrs, slog.String("body", ri.body))
	}
	s.log.LogAttrs(context.WithoutCancel(r.Context()), lvl, "request", attrs...)
}

// truncateBody renders a body for the log.
func truncateBody(b []byte) string {
	if len(b) > logBodyMax {
		return string(bytes.ToValidUTF8(b[:logBodyMax], nil)) + "…"
	}
	return string(bytes.ToValidUTF8(b, nil))
}

// shortHash is the first 16 hex digits of the sha256 of s: enough to tell
// clients apart in a store without keeping who they are.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
