package sessions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
)

// Limits of a storage state.
const (
	// DefaultMaxStateBytes bounds a storage state's JSON.
	DefaultMaxStateBytes = 1 << 20
	maxCookies           = 1000
	maxOrigins           = 200
	maxLocalStorage      = 2000
	maxCookieBytes       = 8192
)

var (
	// domainRe is a host name (letters, digits, hyphens, dots), or an IP.
	domainRe = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// cookieNameRe is an RFC 6265 token.
	cookieNameRe = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
)

// StateError is a storage state that is not Playwright's format; Path is
// the JSON path of the problem (e.g. storage_state.cookies[2].domain).
type StateError struct {
	Path, Reason string
}

// Error implements error.
func (e *StateError) Error() string { return e.Path + ": " + e.Reason }

// ParseState checks raw as a Playwright storage state and returns it.
// Unknown fields, missing required fields (a cookie's name, value, domain
// and path; an origin's origin and localStorage), bad domains, paths,
// origins, sameSite values and expiries are errors naming the JSON path
// under prefix.
func ParseState(raw []byte, prefix string) (StorageState, error) {
	var st StorageState
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return st, &StateError{prefix, "required: an object with cookies and origins"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			path := prefix
			if te.Field != "" {
				path += "." + te.Field
			}
			return st, &StateError{path, fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
		}
		return st, &StateError{prefix, fmt.Sprintf("not a Playwright storage state: %v", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return st, &StateError{prefix, "trailing data after the object"}
	}
	if st.Cookies == nil || st.Origins == nil {
		return st, &StateError{prefix, "both cookies and origins are required (arrays, possibly empty)"}
	}
	if len(st.Cookies) > maxCookies || len(st.Origins) > maxOrigins {
		return st, &StateError{prefix, fmt.Sprintf("%d cookies and %d origins; the limits are %d and %d", len(st.Cookies), len(st.Origins), maxCookies, maxOrigins)}
	}
	for i, c := range st.Cookies {
		if err := checkCookie(c); err != nil {
			return st, &StateError{fmt.Sprintf("%s.cookies[%d].%s", prefix, i, err.Path), err.Reason}
		}
	}
	for i, o := range st.Origins {
		if err := checkOrigin(o); err != nil {
			return st, &StateError{fmt.Sprintf("%s.origins[%d]%s", prefix, i, err.Path), err.Reason}
		}
	}
	return st, nil
}

func checkCookie(c Cookie) *StateError {
	switch {
	case c.Name == "" || !cookieNameRe.MatchString(c.Name):
		return &StateError{"name", "required: a cookie name token (RFC 6265)"}
	case len(c.Name)+len(c.Value) > maxCookieBytes:
		return &StateError{"value", fmt.Sprintf("name and value are %d bytes; the limit is %d", len(c.Name)+len(c.Value), maxCookieBytes)}
	case strings.ContainsAny(c.Value, ";\r\n\x00"):
		return &StateError{"value", "must not contain ; or control characters"}
	case c.Domain == "" || !domainRe.MatchString(strings.TrimPrefix(c.Domain, ".")):
		return &StateError{"domain", fmt.Sprintf("%q: want a host name, optionally with a leading dot", clip.Bytes(c.Domain, 60, clip.Ellipsis))}
	case !strings.HasPrefix(c.Path, "/"):
		return &StateError{"path", fmt.Sprintf("%q: want a path starting with /", clip.Bytes(c.Path, 60, clip.Ellipsis))}
	case c.Expires != nil && (math.IsNaN(*c.Expires) || math.IsInf(*c.Expires, 0) || (*c.Expires < 0 && *c.Expires != -1)):
		return &StateError{"expires", "want seconds since the epoch, or -1 for a session cookie"}
	}
	switch c.SameSite {
	case "", "Strict", "Lax", "None":
	default:
		return &StateError{"sameSite", fmt.Sprintf("%q: want Strict, Lax or None", clip.Bytes(c.SameSite, 20, clip.Ellipsis))}
	}
	return nil
}

func checkOrigin(o Origin) *StateError {
	u, err := url.Parse(o.Origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || !domainRe.MatchString(u.Hostname()) {
		return &StateError{".origin", fmt.Sprintf("%q: want scheme://host[:port]", clip.Bytes(o.Origin, 60, clip.Ellipsis))}
	}
	if o.LocalStorage == nil {
		return &StateError{".localStorage", "required (an array, possibly empty)"}
	}
	if len(o.LocalStorage) > maxLocalStorage {
		return &StateError{".localStorage", fmt.Sprintf("%d entries; the limit is %d", len(o.LocalStorage), maxLocalStorage)}
	}
	for j, kv := range o.LocalStorage {
		if kv.Name == "" {
			return &StateError{fmt.Sprintf(".localStorage[%d].name", j), "required"}
		}
	}
	if len(o.IndexedDB) > 0 && o.IndexedDB[0] != '[' {
		return &StateError{".indexedDB", "want an array"}
	}
	return nil
}

// CheckName checks a session name: 1–50 of letters, digits, - and _,
// starting with a letter or digit.
func CheckName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("%q: want 1-50 letters, digits, - or _, starting with a letter or digit", clip.Bytes(name, 60, clip.Ellipsis))
	}
	return nil
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$`)

// CheckDomains checks a session's domains: 1–10 host names.
func CheckDomains(ds []string) (string, error) {
	if len(ds) == 0 || len(ds) > 10 {
		return "domains", fmt.Errorf("want 1 to 10 domains, got %d", len(ds))
	}
	for i, d := range ds {
		if len(d) > 253 || !domainRe.MatchString(d) {
			return fmt.Sprintf("domains[%d]", i), fmt.Errorf("%q is not a host name", clip.Bytes(d, 60, clip.Ellipsis))
		}
	}
	return "", nil
}
