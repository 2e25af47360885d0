package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"

	"github.com/janus-bench/janus/suites"
)

// Bounds of a suite fetched from a URL: the server is outside janus, so
// its size, its time and its redirects are capped like any hostile input.
const (
	maxSuiteBytes     = 64 << 20
	suiteFetchTimeout = 30 * time.Second
)

// isSuiteURL says whether a --suite entry is a URL to fetch.
func isSuiteURL(name string) bool {
	return strings.HasPrefix(name, "https://") || strings.HasPrefix(name, "http://")
}

// loadPrivate loads a suite file kept outside the binary: fetched from a
// URL, or an encrypted file on disk, opened with o.SuiteKey when sealed.
func (o *RunOptions) loadPrivate(ctx context.Context, name string) (*suites.Suite, error) {
	var b []byte
	var err error
	file := name
	if isSuiteURL(name) {
		u, perr := url.Parse(name)
		if perr != nil {
			return nil, fmt.Errorf("suite URL %q: %w", name, perr)
		}
		file = path.Base(u.Path)
		b, err = fetchSuite(ctx, u)
	} else {
		b, err = readCapped(name)
	}
	if err != nil {
		return nil, err
	}
	return suites.LoadBytes(b, file, redactURL(name), o.SuiteKey)
}

func readCapped(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read suite: %w", err)
	}
	defer f.Close()
	return readAtMost(f, name)
}

func readAtMost(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSuiteBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read suite %s: %w", what, err)
	}
	if len(b) > maxSuiteBytes {
		return nil, fmt.Errorf("read suite %s: larger than %d MiB", what, maxSuiteBytes>>20)
	}
	return b, nil
}

// errSuiteRedirect refuses every redirect: a suite server that sends one
// could point janus at an internal address.
var errSuiteRedirect = errors.New("suite URL redirected; give the final URL")

// fetchSuite GETs a suite file within the size cap and the timeout,
// following no redirect.
func fetchSuite(ctx context.Context, u *url.URL) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, suiteFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch suite: %w", err)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errSuiteRedirect }}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch suite %s: %w", redactURL(u.String()), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch suite %s: status %s", redactURL(u.String()), resp.Status)
	}
	return readAtMost(resp.Body, redactURL(u.String()))
}

// redactURL drops credentials and the query (a signed URL's token) from
// a suite URL before it goes into a report or an error.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return s
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
