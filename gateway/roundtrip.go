package gateway

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// do sends req to the competitor on its pooled transport and returns the
// response as the competitor's http.Client did when it held a CheckRedirect
// that answered http.ErrUseLastResponse: a 3xx comes back as it is, with
// its body unread, and nothing is followed. The client cost every request
// a copy of its header (kept for redirects, which were never followed) and
// a closure; this calls the transport's RoundTrip directly and keeps the
// rest of what http.Client.Do does for a client without Timeout or Jar:
// basic auth from the URL's userinfo, the TLS-to-plain-HTTP hint, a
// non-nil body, errors as a *url.Error naming the method and the URL
// without its password, and the error for a redirect whose Location
// cannot be parsed. Timeouts and cancellation come from the request's
// context, which the transport watches, as before (the client had no
// Timeout of its own).
func (c *competitor) do(req *http.Request) (*http.Response, error) {
	if u := req.URL.User; u != nil && req.Header.Get("Authorization") == "" {
		pw, _ := u.Password()
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		if tlsErr, ok := err.(tls.RecordHeaderError); ok && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, urlError(req, err)
	}
	if resp.Body == nil {
		if resp.ContentLength > 0 && req.Method != http.MethodHead {
			return nil, urlError(req, fmt.Errorf("http: RoundTripper implementation (%T) returned a *Response with content length %d but a nil Body", c.rt, resp.ContentLength))
		}
		resp.Body = io.NopCloser(strings.NewReader(""))
	}
	if redirects(resp, req) {
		// http.Client parses the Location of a redirect it would follow
		// before asking CheckRedirect, and fails on one it cannot parse.
		if loc := resp.Header.Get("Location"); loc != "" {
			if _, perr := req.URL.Parse(loc); perr != nil {
				_ = resp.Body.Close()
				return nil, urlError(req, fmt.Errorf("failed to parse Location header %q: %v", loc, perr))
			}
		}
	}
	return resp, nil
}

// redirects reports whether http.Client would have gone on to follow resp
// (and so consulted CheckRedirect): 301, 302 and 303 always, 307 and 308
// when the body can be sent again.
func redirects(resp *http.Response, req *http.Request) bool {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		return true
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return req.GetBody != nil || req.Body == nil || req.Body == http.NoBody
	}
	return false
}

// urlError wraps err as http.Client.Do does: Op is the method as "Post",
// URL the request's without its password.
func urlError(req *http.Request, err error) error {
	op := "Get"
	if m := req.Method; m != "" {
		op = m[:1] + strings.ToLower(m[1:])
	}
	u := req.URL.String()
	if _, set := req.URL.User.Password(); set {
		u = strings.Replace(u, req.URL.User.String()+"@", req.URL.User.Username()+":***@", 1)
	}
	return &url.Error{Op: op, URL: u, Err: err}
}
