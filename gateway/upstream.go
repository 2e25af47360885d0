package gateway

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/buildinfo"
)

// retryableStatus reports the statuses a cold or overloaded upstream
// answers before doing any work, so that sending the request again is safe.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isDialError reports a failure to connect: the request never left, so it
// may be retried.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// call is one request to forward upstream.
type call struct {
	comp    *competitor
	cm      *compMetrics
	body    []byte
	rid     string
	corr    string
	user    string // forwarded as X-Janus-User-Id (Options.ForwardUserID)
	stream  bool
	host    string // the client's Host, for artifact URLs
	tls     bool
	onRetry func(n int, wait time.Duration, why string)
}

// The header values every upstream request shares. The transport only
// reads a request's header, so one slice serves them all and a request
// allocates no value for them.
var (
	hdrJSON      = []string{"application/json"}
	hdrEventStrm = []string{"text/event-stream"}
)

// userAgent is the gateway's User-Agent, computed once: the version does
// not change while the process runs.
var userAgent = sync.OnceValue(func() []string { return []string{"janus-gateway/" + buildinfo.Get()} })

// newRequest builds the upstream request. Only what a competitor needs is
// sent: the body, the content negotiation, the request and correlation
// ids, and the competitor's own key. Client headers (credentials, cookies,
// X-Janus-Competitor) are never copied, because competitors are untrusted
// code.
func (c *call) newRequest(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.comp.chatURL, bytes.NewReader(c.body))
	if err != nil {
		return nil, fmt.Errorf("build upstream request: %w", err)
	}
	// Keyed in canonical form: Set would canonicalise every key again.
	h := req.Header
	h["Content-Type"] = hdrJSON
	if c.stream {
		h["Accept"] = hdrEventStrm
	} else {
		h["Accept"] = hdrJSON
	}
	h["User-Agent"] = userAgent()
	h["X-Request-Id"] = []string{c.rid}
	if c.corr != "" {
		h["X-Correlation-Id"] = []string{c.corr}
	}
	if c.user != "" {
		h.Set(HeaderUserID, c.user)
	}
	if c.comp.apiKey != "" {
		h["Authorization"] = []string{"Bearer " + c.comp.apiKey}
	}
	return req, nil
}

// send forwards the call, retrying a refused connection or a 429, 502, 503
// or 504 with capped exponential backoff until the retry budget is spent.
// It returns the first response that is not retried (of any status, body
// unread) or the last failure.
func (s *Server) send(ctx context.Context, c *call) (*http.Response, error) {
	p := s.opts.Retry
	giveUp := time.Now().Add(p.Budget)
	for n := 1; ; n++ {
		req, err := c.newRequest(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.comp.do(req)
		var why string
		switch {
		case err == nil && !retryableStatus(resp.StatusCode):
			return resp, nil
		case err == nil:
			why = "status_" + strconv.Itoa(resp.StatusCode)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("upstream %s: %w", c.comp.id, err)
		case isDialError(err):
			why = "connect"
		default:
			c.cm.upstreamError("transport")
			return nil, fmt.Errorf("upstream %s: %w", c.comp.id, err)
		}
		c.cm.upstreamError(why)
		wait := backoff(p, n, resp)
		if time.Now().Add(wait).After(giveUp) {
			if err != nil {
				return nil, fmt.Errorf("upstream %s: gave up after %d attempts: %w", c.comp.id, n, err)
			}
			return resp, nil
		}
		if resp != nil {
			drain(resp)
		}
		c.cm.retries.Add(1)
		if c.onRetry != nil {
			c.onRetry(n, wait, why)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("upstream %s: waiting to retry: %w", c.comp.id, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// backoff is the wait before attempt n+1: Base·2^(n-1) with ±20% jitter,
// or the upstream's Retry-After if longer, never more than Max.
func backoff(p RetryPolicy, n int, resp *http.Response) time.Duration {
	d := p.Base << min(n-1, 20)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	if resp != nil {
		if ra, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && ra > 0 {
			d = max(d, time.Duration(ra)*time.Second)
		}
	}
	return min(d, p.Max)
}

// headerID returns v when it is a plausible id (1 to 128 visible ASCII
// characters), else "".
func headerID(v string) string {
	if v == "" || len(v) > 128 || strings.IndexFunc(v, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
		return ""
	}
	return v
}

// requestID reuses the client's X-Request-Id when plausible, so that client,
// gateway and competitor logs join up; otherwise it makes a fresh one.
func requestID(client string) string {
	if id := headerID(client); id != "" {
		return id
	}
	return lowerCryptoText()
}

// cryptoText is 26 random base32 characters.
func cryptoText() string { return cryptorand.Text() }

// lowerBase32 is crypto/rand.Text's alphabet in lower case.
const lowerBase32 = "abcdefghijklmnopqrstuvwxyz234567"

// lowerCryptoText is strings.ToLower(cryptoText()) in one allocation, for
// the id of every request: 26 characters of 5 random bits each.
func lowerCryptoText() string {
	var b [26]byte
	_, _ = cryptorand.Read(b[:]) // never fails (crypto/rand documents it)
	for i := range b {
		b[i] = lowerBase32[b[i]%32]
	}
	return string(b[:])
}

// stripMember removes every top-level member named key (matched the way
// encoding/json matches field names, ignoring case) from a JSON object
// that has already been validated. The other members, their order and
// every byte of their values are left as they were, so fields the gateway
// does not know (metadata.routing_decision, vendor extensions) pass
// through untouched.
func stripMember(body []byte, key string) []byte {
	var members []memberSpan
	var drop []int
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return body
	}
	i++
	for {
		i = skipWS(body, i)
		if i >= len(body) || body[i] == '}' {
			break
		}
		if body[i] == ',' {
			i++
			continue
		}
		ks := i
		ke := skipString(body, i)
		if ke < 0 {
			return body
		}
		name := body[ks+1 : ke-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			var s string
			if json.Unmarshal(body[ks:ke], &s) == nil {
				name = []byte(s)
			}
		}
		i = skipWS(body, ke)
		if i >= len(body) || body[i] != ':' {
			return body
		}
		ve := skipValue(body, skipWS(body, i+1))
		if ve < 0 {
			return body
		}
		if utf8.Valid(name) && strings.EqualFold(string(name), key) {
			drop = append(drop, len(members))
		}
		members = append(members, memberSpan{ks, ve})
		i = ve
	}
	if len(drop) == 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	if len(drop) == len(members) {
		out = append(out, body[:members[0].keyStart]...)
		return append(out, body[members[len(members)-1].valEnd:]...)
	}
	dropped := map[int]bool{}
	for _, d := range drop {
		dropped[d] = true
	}
	// Keep the bytes between kept members; a dropped member takes the
	// separator that follows it, or, when it is last, the one before it.
	pos := 0
	for j, m := range members {
		if !dropped[j] {
			continue
		}
		from, to := m.keyStart, m.valEnd
		if next := nextKept(j, members, dropped); next >= 0 {
			to = members[next].keyStart
		} else if prev := prevKept(j, members, dropped); prev >= 0 {
			from = members[prev].valEnd
		}
		if from < pos {
			from = pos
		}
		out = append(out, body[pos:from]...)
		pos = max(pos, to)
	}
	return append(out, body[pos:]...)
}

// memberSpan is where one object member lies: from its key's opening quote
// to the end of its value.
type memberSpan struct{ keyStart, valEnd int }

func nextKept(j int, m []memberSpan, dropped map[int]bool) int {
	for k := j + 1; k < len(m); k++ {
		if !dropped[k] {
			return k
		}
	}
	return -1
}

func prevKept(j int, m []memberSpan, dropped map[int]bool) int {
	for k := j - 1; k >= 0; k-- {
		if !dropped[k] {
			return k
		}
	}
	return -1
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i], or -1.
func skipString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	// The closing quote is the first one not escaped: find the next quote,
	// and if a backslash comes before it, step over the escape and look
	// again. Both searches are bytes.IndexByte's vector loop; IndexAny's
	// per-byte set test was a fifth of the CPU per relayed event.
	for i++; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return -1
		}
		e := bytes.IndexByte(b[i:i+q], '\\')
		if e < 0 {
			return i + q + 1
		}
		i += e + 2 // a backslash and the byte it escapes
	}
	return -1
}

// skipValue returns the index after the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				e := skipString(b, i)
				if e < 0 {
					return -1
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	default:
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return i
	}
}
