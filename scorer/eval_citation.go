package scorer

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/suites"
)

// citeURLRe finds URLs in an answer, bare or inside Markdown links.
var citeURLRe = lazyRegexp(`https?://[^\s<>()\[\]{}"'` + "`" + `]+`)

// citeGroupRe finds bracketed citation groups: "[1]", "[1, 3]", "[^2]",
// "(doc-a)", "(Source: doc-a; doc-b)", "【3】".
var citeGroupRe = lazyRegexp(`\[([^\[\]\n]{1,80})\]|\(([^()\n]{1,80})\)|【([^【】\n]{1,80})】`)

// citeRangeRe is a numeric range inside a group: "1-3", "1–3".
var citeRangeRe = lazyRegexp(`^([0-9]{1,4})\s*[-–]\s*([0-9]{1,4})$`)

// citeLabelRe is a label in front of a cited id: "source 2", "ref: 2", "#2", "^2".
var citeLabelRe = lazyRegexp(`(?i)^(?:\^|#|(?:sources?|refs?|references?|citations?|docs?|documents?)(?:\s*[:#]\s*|\s+))`)

// citationCheck passes when the answer cites at least Min of the sources
// in Values (every one of them when Min is 0), and cites nothing that looks
// like a source but is not one of them.
//
// A source is a URL or an id. A URL is cited when it appears in the answer
// (bare or as a Markdown link target), compared without its scheme's and
// host's case, a trailing "/" or trailing punctuation. An id is cited when
// it is an item of a bracketed group: "[2]", "[1, 3]", "[1-3]", "[^2]",
// "(doc-a)", "(Source: doc-a; doc-b)", "【2】"; items are split on "," and
// ";", a leading "source", "ref", "#" or "^" is dropped, and ids compare
// case-insensitively.
//
// Fabricated citations fail the check: when the sources include numeric
// ids, a number in square brackets that is not one of them ("[7]" with
// three sources; "(2020)" is left alone, it is likely a year); when they
// include URLs, any other URL in the answer.
//
// The prompt of a research task usually lists its sources with their ids,
// so an answer that echoes the prompt cites everything: pair citation with
// a check on what the answer says.
type citationCheck struct {
	urls, ids []string // normalised
	raw       map[string]string
	min       int
	numericID bool
}

func newCitationCheck(c suites.Check) (evaluator, error) {
	if len(c.Values) == 0 {
		return nil, errors.New("no values (the sources that must be cited)")
	}
	cc := citationCheck{raw: map[string]string{}}
	seen := map[string]bool{}
	for _, v := range c.Values {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, errors.New("values has an empty source")
		}
		var key string
		if isURL(v) {
			key = normURL(v)
			cc.urls = append(cc.urls, key)
		} else {
			key = strings.ToLower(v)
			if strings.ContainsAny(key, "[]()【】,;") {
				return nil, fmt.Errorf("source id %s holds a bracket, comma or semicolon, which citations use as separators", show(v))
			}
			cc.ids = append(cc.ids, key)
			if _, err := strconv.Atoi(key); err == nil {
				cc.numericID = true
			}
		}
		if seen[key] {
			return nil, fmt.Errorf("source %s is listed twice", show(v))
		}
		seen[key] = true
		cc.raw[key] = v
	}
	n := len(cc.urls) + len(cc.ids)
	switch {
	case c.Min < 0 || c.Min > n:
		return nil, fmt.Errorf("min %d must be between 1 and the %d sources (0: all)", c.Min, n)
	case c.Min == 0:
		cc.min = n
	default:
		cc.min = c.Min
	}
	return cc, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), "http://") || strings.HasPrefix(strings.ToLower(s), "https://")
}

// normURL is the form URLs compare in: scheme and host lower-cased, no
// trailing punctuation or "/", no empty fragment.
func normURL(s string) string {
	s = strings.TrimRight(s, ".,;:!?'\"")
	u, err := url.Parse(s)
	if err != nil {
		return strings.TrimRight(strings.ToLower(s), "/")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	out := strings.TrimSuffix(u.String(), "#")
	return strings.TrimRight(out, "/")
}

// citedID is one item of a bracketed group; square is false for a
// parenthesised group, where a number is as likely a year as a citation.
type citedID struct {
	id     string
	square bool
}

// citedIDs lists the items of the answer's bracketed groups, lower-cased,
// with numeric ranges expanded.
func citedIDs(content string) []citedID {
	var out []citedID
	for _, m := range citeGroupRe().FindAllStringSubmatch(content, -1) {
		group, square := m[1]+m[2]+m[3], m[2] == ""
		for _, id := range groupIDs(group) {
			out = append(out, citedID{id: id, square: square})
		}
	}
	return out
}

func (c citationCheck) evaluate(content string, _ []trace.ToolCall) Verdict {
	cited := map[string]bool{}
	var fabricated []string
	known := map[string]bool{}
	for _, k := range c.urls {
		known[k] = true
	}
	for _, k := range c.ids {
		known[k] = true
	}
	for _, u := range citeURLRe().FindAllString(content, -1) {
		k := normURL(u)
		switch {
		case known[k]:
			cited[k] = true
		case len(c.urls) > 0:
			fabricated = append(fabricated, strings.TrimRight(u, ".,;:!?"))
		}
	}
	for _, ci := range citedIDs(content) {
		_, numErr := strconv.Atoi(ci.id)
		switch {
		case known[ci.id]:
			cited[ci.id] = true
		case c.numericID && ci.square && numErr == nil:
			fabricated = append(fabricated, "["+ci.id+"]")
		}
	}
	if len(fabricated) > 0 {
		return fail("answer cites %s, not among the given sources", strings.Join(dedupe(fabricated), ", "))
	}
	var got, missing []string
	for _, k := range append(append([]string(nil), c.ids...), c.urls...) {
		if cited[k] {
			got = append(got, c.raw[k])
		} else {
			missing = append(missing, c.raw[k])
		}
	}
	total := len(c.ids) + len(c.urls)
	if len(got) >= c.min {
		return pass("answer cites %d of %d sources (want ≥ %d)", len(got), total, c.min)
	}
	return fail("answer cites %d of %d sources (want ≥ %d); not cited: %s", len(got), total, c.min, strings.Join(missing, ", "))
}

// dedupe keeps the first of each string, in order.
func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
