package web

import (
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

func TestLocalNext(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "/submit"}, {"/runs/x", "/runs/x"}, {"//evil.example/", "/submit"}, {"https://evil.example/", "/submit"},
		{"/\\evil.example", "/submit"}, {"/a\r\nSet-Cookie: x", "/submit"}, {"/?tab=arena", "/?tab=arena"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := localNext(c.in); got != c.want {
				t.Fatalf("localNext(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// FuzzLocalNext: whatever ?next= holds, the redirect stays on this site.
func FuzzLocalNext(f *testing.F) {
	for _, s := range []string{"", "/", "//x", "/\\x", "http://x", "/runs/a?b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := localNext(s)
		u, err := url.Parse(got)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || err != nil || u.Host != "" || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("localNext(%q) = %q leaves the site", s, got)
		}
	})
}

// FuzzSortParams: any query gives a known column and a direction.
func FuzzSortParams(f *testing.F) {
	f.Add("sort=quality&dir=asc")
	f.Add("sort=%00&dir=sideways")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		key, _ := sortParams(q)
		if _, ok := sortKeys()[key]; !ok {
			t.Fatalf("sortParams(%q) = %q, not a column", raw, key)
		}
	})
}

func TestFrontIdx(t *testing.T) {
	pts := []point{{Label: "cheap-good", X: 1, Y: 90}, {Label: "dear-better", X: 5, Y: 95}, {Label: "dear-worse", X: 5, Y: 80},
		{Label: "cheap-bad", X: 0.5, Y: 20}, {Label: "tie-of-cheap-good", X: 1, Y: 90}}
	got := frontIdx(pts, true)
	want := []bool{true, true, false, true, true}
	for i := range pts {
		if got[i] != want[i] {
			t.Errorf("%s on front = %v, want %v", pts[i].Label, got[i], want[i])
		}
	}
}

func TestTimelineEventsFromGaps(t *testing.T) {
	tr := task("x", 1, 100, []float64{10, 300, 20})
	tl := buildTimeline(tr)
	if tl.Events != 4 || tl.MaxGap != 300 || tl.MaxGapAt != 110 {
		t.Fatalf("timeline %d events, largest gap %v at %v; want 4, 300 at 110", tl.Events, tl.MaxGap, tl.MaxGapAt)
	}
	tr.Metrics.TTFTMs = nil
	if tl := buildTimeline(tr); tl.Events != 0 {
		t.Fatalf("no TTFT: %d events", tl.Events)
	}
}

// TestCookiesSecureOnTLS: over TLS the session and CSRF cookies are
// Secure; all are HttpOnly and SameSite=Strict.
func TestCookiesSecureOnTLS(t *testing.T) {
	s := newSite(t, true)
	_, tok, err := s.st.CreateKey(t.Context(), "carol", leaderboard.RoleSubmitter, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := s.web.Handler()
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			csrfCookie := strings.Repeat("a", 48)
			form := url.Values{"key": {tok}, "csrf": {s.web.sess.mac(csrfCookie)}}
			req := httptest.NewRequest("POST", scheme+"://janus.example/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: csrfCookie})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d %s", rec.Code, rec.Body.String())
			}
			var sess *http.Cookie
			for _, c := range rec.Result().Cookies() {
				if c.Name == SessionCookie {
					sess = c
				}
			}
			if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure != (scheme == "https") {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Secure only on TLS", sess)
			}
		})
	}
}

func TestLineDiff(t *testing.T) {
	for _, c := range []struct {
		name, ref, ans, want string
		cut                  bool
	}{
		{"same", "a\nb", "a\nb\n", "=a =b", false},
		{"changed middle", "a\nb\nc", "a\nx\nc", "=a -b +x =c", false},
		{"added", "a", "a\nb", "=a +b", false},
		{"empty answer", "a\nb", "", "-a -b", false},
		{"reordered", "a\nb\nc", "c\na\nb", "+c =a =b -c", false},
		{"bounded", strings.Repeat("x\n", maxDiffLines+50), "y", strings.TrimSpace(strings.Repeat("-x ", maxDiffLines)) + " +y", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines, cut := lineDiff(c.ref, c.ans)
			var got []string
			for _, l := range lines {
				got = append(got, l.Op+l.Text)
			}
			if g := strings.Join(got, " "); g != c.want || cut != c.cut {
				t.Fatalf("lineDiff = %q, cut %v; want %q, %v", g, cut, c.want, c.cut)
			}
		})
	}
}

// FuzzLineDiff: the diff's "=" and "-" lines are the reference, its "="
// and "+" lines the answer, and no more lines than the bound come out.
func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, ref, ans string) {
		lines, _ := lineDiff(ref, ans)
		if len(lines) > 2*maxDiffLines {
			t.Fatalf("%d lines", len(lines))
		}
		a, _ := splitLines(ref)
		b, _ := splitLines(ans)
		var gotA, gotB []string
		for _, l := range lines {
			if l.Op != "+" {
				gotA = append(gotA, l.Text)
			}
			if l.Op != "-" {
				gotB = append(gotB, l.Text)
			}
		}
		if strings.Join(gotA, "\n") != strings.Join(a, "\n") || len(gotA) != len(a) || strings.Join(gotB, "\n") != strings.Join(b, "\n") || len(gotB) != len(b) {
			t.Fatalf("diff of %q and %q does not rebuild them: %+v", ref, ans, lines)
		}
	})
}

func TestTimelineFromStoredEvents(t *testing.T) {
	tr := withDetail(task("x", 1, 100, []float64{10, 300, 20}))
	tl := buildTimeline(tr)
	want := []kindCount{{"content", 4}, {"keepalive", 1}, {"usage", 1}, {"done", 1}}
	if !tl.Exact || tl.Events != 7 || tl.Dropped != 4 || tl.Keepalives != 1 || !slices.Equal(tl.Kinds, want) || tl.MaxGap != 300 || tl.MaxGapAt != 110 {
		t.Fatalf("timeline: exact %v, %d events, %d dropped, kinds %v, gap %v at %v", tl.Exact, tl.Events, tl.Dropped, tl.Kinds, tl.MaxGap, tl.MaxGapAt)
	}
	if n := strings.Count(string(tl.SVG), `<circle class="ev`); n != 7 {
		t.Fatalf("%d marks drawn, want 7", n)
	}
	// A stored list past the cap (a hand-made store row) is drawn to the
	// cap, and hostile offsets are drawable.
	tr.Detail.Events = make([]record.StreamEvent, scorer.MaxDetailEvents+10)
	tr.Detail.Events[0] = record.StreamEvent{Kind: "<script>", AtMs: math.NaN()}
	tr.Detail.Events[1] = record.StreamEvent{Kind: trace.KindContent, AtMs: -5}
	tl = buildTimeline(tr)
	if tl.Events != scorer.MaxDetailEvents || !tl.Truncated || strings.Contains(string(tl.SVG), "<script>") || strings.Contains(string(tl.SVG), "NaN") {
		t.Fatalf("hostile list: %d events, truncated %v", tl.Events, tl.Truncated)
	}
}
