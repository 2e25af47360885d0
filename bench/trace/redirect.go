package trace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
)

// MaxRedirects bounds the same-origin redirects one request follows.
const MaxRedirects = 10

// errRedirectRefused marks a redirect the client would not follow.
var errRedirectRefused = errors.New("redirect not followed")

// RedirectError is a redirect the client did not follow: to another
// origin, or to its own when that was not asked for.
type RedirectError struct {
	Status   int
	Location string
	Reason   string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("HTTP %d redirect to %s not followed: %s", e.Status, e.Location, e.Reason)
}

// Is makes errors.Is(err, errRedirectRefused) hold.
func (e *RedirectError) Is(target error) bool { return target == errRedirectRefused }

// NoRedirects is an http.Client CheckRedirect that follows nothing: the
// redirect response itself is returned.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// RedirectPolicy is an http.Client CheckRedirect for janus's own requests
// to a target (GET /models, conform's probes): with sameOrigin false it
// follows nothing; with it, only redirects that stay on the first
// request's origin and keep its method, at most MaxRedirects. A redirect
// not followed is returned as the response it is, so no request ever
// reaches another host.
func RedirectPolicy(sameOrigin bool) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !sameOrigin || len(via) == 0 || len(via) > MaxRedirects ||
			!SameOrigin(via[0].URL, req.URL) || req.Method != via[0].Method {
			return http.ErrUseLastResponse
		}
		return nil
	}
}

// SameOrigin reports whether a and b have the same scheme, host and port
// (a missing port is the scheme's default).
func SameOrigin(a, b *url.URL) bool {
	return a != nil && b != nil && strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) && effectivePort(a) == effectivePort(b)
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// isRedirect reports the statuses clients follow.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// roundTrip sends one request and never follows a redirect: a direct
// transport is called as is, any other goes through a copy of hc whose
// redirect policy is NoRedirects.
func (c *Client) roundTrip(hc *http.Client, req *http.Request) (*http.Response, error) {
	if dt, ok := hc.Transport.(DirectTransport); ok && hc.Jar == nil && hc.Timeout == 0 && req.URL.User == nil {
		return dt.RoundTrip(req)
	}
	if p := c.noFollow.Load(); p != nil && p[0] == hc {
		return p[1].Do(req)
	}
	nf := *hc
	nf.CheckRedirect = NoRedirects
	c.noFollow.Store(&[2]*http.Client{hc, &nf})
	return nf.Do(req)
}

// send sends req (whose body is body) and follows the redirects the
// client may follow. A redirect it will not follow ends the request with
// a *RedirectError, its status and Location kept in t.
func (c *Client) send(hc *http.Client, req *http.Request, body []byte, t *Trace) (*http.Response, error) {
	for hops := 0; ; hops++ {
		resp, err := c.roundTrip(hc, req)
		if err != nil || !isRedirect(resp.StatusCode) || resp.Header.Get("Location") == "" {
			return resp, err
		}
		loc := resp.Header.Get("Location")
		next, reason := c.redirectTarget(req.URL, resp.StatusCode, loc, hops)
		// Drain a little so the connection can be reused, never a lot.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		if reason != "" {
			t.Status = resp.StatusCode
			t.Redirect = clip.Bytes(loc, 300, clip.Ellipsis)
			return nil, &RedirectError{Status: resp.StatusCode, Location: t.Redirect, Reason: reason}
		}
		nreq := req.Clone(req.Context())
		nreq.URL, nreq.Host = next, ""
		nreq.Body = io.NopCloser(bytes.NewReader(body))
		nreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		nreq.ContentLength = int64(len(body))
		req = nreq
	}
}

// redirectTarget resolves a redirect's Location against the request URL
// and says why it may not be followed ("" when it may).
func (c *Client) redirectTarget(from *url.URL, status int, loc string, hops int) (*url.URL, string) {
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, "the Location is not a URL"
	}
	next := from.ResolveReference(ref)
	switch {
	case !SameOrigin(from, next):
		return nil, "another origin (janus never follows a redirect off the target)"
	case !c.SameOriginRedirects:
		return nil, "same-origin redirects are followed only when asked (--follow-redirects)"
	case status != http.StatusTemporaryRedirect && status != http.StatusPermanentRedirect:
		return nil, fmt.Sprintf("a %d turns the POST into a GET; only 307 and 308 are followed", status)
	case hops >= MaxRedirects:
		return nil, fmt.Sprintf("more than %d redirects", MaxRedirects)
	}
	return next, ""
}
