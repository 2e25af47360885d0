package scorer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/janus-bench/janus/bench/trace"
)

// Defaults of ArtifactFetch.
const (
	DefaultArtifactMaxBytes   = 64 << 20
	DefaultArtifactTimeout    = 15 * time.Second
	DefaultArtifactMaxFetches = 16
	maxArtifactRedirects      = 5
)

// ArtifactFetch is how the artifact check reads an artifact's content from
// a URL the endpoint named. The endpoint is untrusted, so the scorer must
// not be its SSRF tool: a URL is fetched only from the target's own origin
// (or an origin on Allow), a redirect off those is not followed, the body
// and the time are bounded, and an error never echoes what another
// service answered (its status, its body or the transport's address text).
//
// The zero value, or a nil *ArtifactFetch, fetches nothing: an http(s) or
// path URL then fails as not verified (a replay, where no target is
// there to ask): a descriptor is never taken on its word.
type ArtifactFetch struct {
	// Origin is the target's base URL; its scheme, host and port are the
	// origin artifacts are fetched from, and a path URL
	// ("/v1/artifacts/…") is resolved against it.
	Origin string
	// Allow lists further origins ("https://cdn.example.com") artifacts
	// may be fetched from (--artifact-allow). Header is never sent there.
	Allow []string
	// Header goes with every fetch from Origin (the target's API key).
	Header http.Header
	// MaxBytes caps one artifact (default 64 MiB); Timeout bounds one
	// fetch, body included (default 15 s); MaxFetches caps the fetches
	// per answer (default 16: the rest fail unread).
	MaxBytes   int64
	Timeout    time.Duration
	MaxFetches int
	// Transport is the round tripper (default: a clone of
	// http.DefaultTransport without proxy; tests may inject one).
	Transport http.RoundTripper

	once    sync.Once
	origin  *url.URL
	allowed []*url.URL
	hc      *http.Client
	initErr error
}

// errFetchRefused marks a URL or redirect off the allowed origins.
var errFetchRefused = errors.New("not on the target's origin")

func (f *ArtifactFetch) init() {
	f.once.Do(func() {
		if f.Origin != "" {
			u, err := url.Parse(f.Origin)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				f.initErr = fmt.Errorf("target origin %s is not an http(s) URL", show(f.Origin))
				return
			}
			f.origin = u
		}
		for _, a := range f.Allow {
			u, err := url.Parse(strings.TrimSpace(a))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				f.initErr = fmt.Errorf("artifact allow-list entry %s is not an http(s) origin", show(a))
				return
			}
			f.allowed = append(f.allowed, u)
		}
		rt := f.Transport
		if rt == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.Proxy = nil // a proxy would fetch from where janus cannot check
			t.MaxResponseHeaderBytes = 64 << 10
			rt = t
		}
		f.hc = &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxArtifactRedirects || !f.allows(req.URL) {
				return errFetchRefused
			}
			if !f.isOrigin(req.URL) {
				req.Header.Del("Authorization")
			}
			return nil
		}}
	})
}

// CloseIdleConnections closes the fetcher's kept connections (at the end
// of a run, so no connection to the target outlives it).
func (f *ArtifactFetch) CloseIdleConnections() {
	if f != nil && f.hc != nil {
		f.hc.CloseIdleConnections()
	}
}

func (f *ArtifactFetch) enabled() bool { return f != nil && (f.Origin != "" || len(f.Allow) > 0) }

func (f *ArtifactFetch) isOrigin(u *url.URL) bool {
	return f.origin != nil && trace.SameOrigin(f.origin, u)
}

// allows reports whether u may be fetched: http(s), no user info, on the
// target's origin or an allowed one.
func (f *ArtifactFetch) allows(u *url.URL) bool {
	if (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	if f.isOrigin(u) {
		return true
	}
	for _, a := range f.allowed {
		if trace.SameOrigin(a, u) {
			return true
		}
	}
	return false
}

func (f *ArtifactFetch) maxBytes() int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return DefaultArtifactMaxBytes
}

func (f *ArtifactFetch) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return DefaultArtifactTimeout
}

// budget is the number of fetches one answer may make.
func (f *ArtifactFetch) budget() int {
	if !f.enabled() {
		return 0
	}
	return f.maxFetches()
}

func (f *ArtifactFetch) maxFetches() int {
	if f.MaxFetches > 0 {
		return f.MaxFetches
	}
	return DefaultArtifactMaxFetches
}

// resolve turns an artifact URL into the URL to fetch, or says why it
// will not be fetched.
func (f *ArtifactFetch) resolve(u *url.URL) (*url.URL, error) {
	f.init()
	if f.initErr != nil {
		return nil, f.initErr
	}
	if !u.IsAbs() {
		if f.origin == nil {
			return nil, fmt.Errorf("path URL %s: no target origin to resolve it against", show(u.String()))
		}
		u = f.origin.ResolveReference(u)
	}
	if !f.allows(u) {
		return nil, fmt.Errorf("url %s is %w (artifacts are fetched only from the target and --artifact-allow origins)", show(u.String()), errFetchRefused)
	}
	return u, nil
}

// fetch GETs u (already resolved and allowed), keeping at most MaxBytes.
// Its errors name the URL the endpoint gave and what went wrong in
// janus's words only.
func (f *ArtifactFetch) fetch(u *url.URL) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: not a request URL", show(u.String()))
	}
	if f.isOrigin(u) {
		for k, vs := range f.Header {
			req.Header[k] = vs
		}
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, "", f.fetchError(ctx, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The status and body stay unsaid: they would let an endpoint
		// map what answers at a URL.
		return nil, "", fmt.Errorf("fetch %s: the artifact was not served (not HTTP 200)", show(u.String()))
	}
	limit := f.maxBytes()
	if resp.ContentLength > limit {
		return nil, "", fmt.Errorf("fetch %s: more than %d bytes", show(u.String()), limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", f.fetchError(ctx, u, err)
	}
	if int64(len(body)) > limit {
		return nil, "", fmt.Errorf("fetch %s: more than %d bytes", show(u.String()), limit)
	}
	return body, mediaType(resp.Header.Get("Content-Type")), nil
}

// fetchError words a transport error without its text (which holds
// resolved addresses and other services' replies).
func (f *ArtifactFetch) fetchError(ctx context.Context, u *url.URL, err error) error {
	switch {
	case errors.Is(err, errFetchRefused):
		return fmt.Errorf("fetch %s: redirected off the target's origin; not followed", show(u.String()))
	case ctx.Err() != nil:
		return fmt.Errorf("fetch %s: not complete within %s", show(u.String()), f.timeout())
	}
	return fmt.Errorf("fetch %s: connection failed", show(u.String()))
}
