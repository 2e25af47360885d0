package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// TestLeaderboardMatchesAPIAndSorts: the board shows a row for every run
// the API lists (one competitor each), and clicking a column header sorts
// by it.
func TestLeaderboardMatchesAPIAndSorts(t *testing.T) {
	s := newSite(t, true)
	s.save(t, run{id: "run-a", competitor: "alpha", composite: 80, quality: 60, speed: 90, cost: 50},
		run{id: "run-b", competitor: "bravo", composite: 70, quality: 95, speed: 40, cost: 50},
		run{id: "run-c", competitor: "charlie", composite: 60, quality: 75, speed: 70, cost: 50})
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	getJSON(t, s.url+"/api/v1/runs", &page)
	var want []string
	for _, r := range page.Data {
		want = append(want, r.ID)
	}
	slices.Sort(want)
	tb := newTab(t)
	tb.do(t, chromedp.Navigate(s.url+"/"))
	got := eval[[]string](t, tb, `Array.from(document.querySelectorAll("table.board tbody tr")).map(r => r.dataset.run).sort()`)
	if !slices.Equal(got, want) {
		t.Fatalf("board rows %v, the API lists %v", got, want)
	}
	names := `Array.from(document.querySelectorAll("table.board tbody td.name a")).map(a => a.textContent)`
	if got := eval[[]string](t, tb, names); !slices.Equal(got, []string{"alpha", "bravo", "charlie"}) {
		t.Fatalf("by rank: %v", got)
	}
	tb.do(t, chromedp.Click(`th[data-key="quality"] a`), chromedp.WaitVisible(`th[data-key="quality"][aria-sort="descending"]`))
	if got := eval[[]string](t, tb, names); !slices.Equal(got, []string{"bravo", "charlie", "alpha"}) {
		t.Fatalf("after clicking Quality: %v, want by quality descending", got)
	}
	tb.do(t, chromedp.Click(`th[data-key="quality"] a`), chromedp.WaitVisible(`th[data-key="quality"][aria-sort="ascending"]`))
	if got := eval[[]string](t, tb, names); !slices.Equal(got, []string{"alpha", "charlie", "bravo"}) {
		t.Fatalf("after clicking Quality again: %v, want ascending", got)
	}
	tb.noErrors(t)
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestLiveRunPage: a running run's page shows each task as the store gets
// it, through the progress stream, without reloading.
func TestLiveRunPage(t *testing.T) {
	s := newSite(t, true)
	ctx := context.Background()
	rr := run{id: "live-1", competitor: "live"}.report(0).Run
	rr.Status, rr.TasksPlanned = "running", 3
	if _, err := s.st.BeginRun(ctx, rr, leaderboard.Competitor{Name: "live"}); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.do(t, chromedp.Navigate(s.url+"/runs/live-1"))
	if got := eval[string](t, tb, `document.getElementById("done").textContent`); got != "0" {
		t.Fatalf("done before any task: %q", got)
	}
	eval[bool](t, tb, `window.__noReload = true`)
	for i, id := range []string{"t-one", "t-two"} {
		if err := s.st.AddTask(ctx, "live-1", task(id, 1, 50, []float64{5})); err != nil {
			t.Fatal(err)
		}
		n := []string{"1", "2"}[i]
		tb.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[chromedp.Void](`document.getElementById("done").textContent === "`+n+`"`)(ctx, tg)
			return err
		}))
	}
	rows := eval[[]string](t, tb, `Array.from(document.querySelectorAll("#tasks tbody tr td:first-child")).map(td => td.textContent)`)
	if !slices.Equal(rows, []string{"t-one", "t-two"}) {
		t.Fatalf("task rows %v", rows)
	}
	if !eval[bool](t, tb, `window.__noReload === true`) {
		t.Fatal("the page reloaded")
	}
	tb.noErrors(t)
}

// TestTaskTimeline: the task page draws one mark per stored stream event
// (or, for a run from before events were stored, per token event), with
// TTFT and the largest gap labelled; with the stored detail it shows the
// request, the answer and their diff against the reference.
func TestTaskTimeline(t *testing.T) {
	s := newSite(t, true)
	itls := []float64{10, 20, 500, 5, 7}
	exact := withDetail(task("smoke-chat-capital", 1, 100, itls))
	s.save(t, run{id: "run-t", competitor: "tl", composite: 50, quality: 50, speed: 50, cost: 50,
		tasks: []record.TaskResult{exact, task("smoke-json-record", 1, 100, itls)}})
	tb := newTab(t)
	for _, c := range []struct {
		name, task string
		events     int
		gap        string
	}{
		{"stored events", "smoke-chat-capital", len(exact.Detail.Events), "largest gap 500.0 ms"},
		{"old run: from the gaps", "smoke-json-record", len(itls) + 1, "largest gap 500.0 ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb.do(t, chromedp.Navigate(s.url+"/runs/run-t/tasks/"+c.task))
			if n := eval[int](t, tb, `document.querySelectorAll("svg.timeline circle.ev").length`); n != c.events {
				t.Fatalf("timeline draws %d events, want %d", n, c.events)
			}
			if n := eval[string](t, tb, `document.getElementById("tl-events").textContent`); n != strconv.Itoa(c.events) {
				t.Errorf("caption counts %s events, want %d", n, c.events)
			}
			text := eval[string](t, tb, `document.querySelector("svg.timeline").textContent`)
			for _, want := range []string{"TTFT 100.0 ms", c.gap} {
				if !strings.Contains(text, want) {
					t.Errorf("timeline lacks %q: %s", want, text)
				}
			}
			// The built-in smoke suite's hash differs from the run's
			// (made up), so an old run's request comes from it with a
			// note, and a new run's from its own record.
			if !eval[bool](t, tb, `document.querySelectorAll(".msgbox").length > 0`) {
				t.Error("the task's request is not shown")
			}
			tb.noErrors(t)
		})
	}
	tb.do(t, chromedp.Navigate(s.url+"/runs/run-t/tasks/smoke-chat-capital"))
	for id, want := range map[string]string{"request": exact.Detail.Request, "answer": exact.Detail.Answer, "reference": exact.Detail.Reference,
		"diff": "  The capital\n− is Paris.\n+ is Lyon.\n  That is all."} {
		got := eval[string](t, tb, `document.getElementById("`+id+`").textContent`)
		if id == "diff" {
			got = eval[string](t, tb, `Array.from(document.querySelectorAll("#diff span")).map(s => s.textContent).join("\n")`)
		}
		if got != want {
			t.Errorf("#%s shows %q, want %q", id, got, want)
		}
	}
	if n := eval[int](t, tb, `document.querySelectorAll("#diff .d-del").length`); n != 1 {
		t.Errorf("%d removed lines marked, want 1", n)
	}
}

// TestSubmitCSRF: sign-in and submit refuse a form without its CSRF token
// (403) and accept it with one.
func TestSubmitCSRF(t *testing.T) {
	s := newSite(t, true)
	_, tok, err := s.st.CreateKey(context.Background(), "alice", leaderboard.RoleSubmitter, 0)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := csrfOf(t, cl, s.url+"/signin")
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		resp, err := cl.PostForm(s.url+path, form)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, c := range []struct {
		name, path string
		form       url.Values
		want       int
	}{
		{"sign-in without token", "/signin", url.Values{"key": {tok}}, http.StatusForbidden},
		{"sign-in with a wrong token", "/signin", url.Values{"key": {tok}, "csrf": {strings.Repeat("0", 64)}}, http.StatusForbidden},
		{"sign-in", "/signin", url.Values{"key": {tok}, "csrf": {csrf}}, http.StatusSeeOther},
		{"submit without token", "/submit", url.Values{"suite": {"smoke"}, "limit": {"1"}}, http.StatusForbidden},
		{"submit", "/submit", url.Values{"suite": {"smoke"}, "limit": {"1"}, "csrf": {csrf}}, http.StatusSeeOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			if resp := post(c.path, c.form); resp.StatusCode != c.want {
				t.Fatalf("POST %s: %d, want %d", c.path, resp.StatusCode, c.want)
			}
		})
	}
	runs, err := s.st.ListRuns(context.Background(), leaderboard.RunFilter{})
	if err != nil || len(runs) != 1 || runs[0].Suite != "smoke" {
		t.Fatalf("runs after one accepted submission: %v %v", runs, err)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func csrfOf(t *testing.T, cl *http.Client, u string) string {
	t.Helper()
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfRe.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF token on %s", u)
	}
	for _, c := range resp.Cookies() {
		if c.Name == CSRFCookie && (!c.HttpOnly || c.SameSite != http.SameSiteStrictMode) {
			t.Errorf("CSRF cookie is not HttpOnly and SameSite=Strict: %+v", c)
		}
	}
	return string(m[1])
}

// TestSignInInBrowser: signing in through the form leads to the submit
// form; the session cookie is HttpOnly (script cannot read it).
func TestSignInInBrowser(t *testing.T) {
	s := newSite(t, true)
	_, tok, err := s.st.CreateKey(context.Background(), "bob", leaderboard.RoleSubmitter, 0)
	if err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.do(t, chromedp.Navigate(s.url+"/submit"), chromedp.WaitVisible(`#key`),
		chromedp.SetValue(`#key`, tok), chromedp.Click(`form.stack button`), chromedp.WaitVisible(`#competitor`))
	if c := eval[string](t, tb, `document.cookie`); strings.Contains(c, SessionCookie) || strings.Contains(c, CSRFCookie) {
		t.Fatalf("script can read the cookies: %q", c)
	}
	if who := eval[string](t, tb, `document.querySelector(".who span").textContent`); who != "Signed in as bob" {
		t.Fatalf("header says %q", who)
	}
	tb.noErrors(t)
}

// hostile is text a competitor controls that would run script if it were
// markup.
const hostile = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`

// TestEscaping: a competitor name, a verdict reason (which quotes the
// answer), an error message and a task id holding markup show as text on
// every page, and no script runs.
func TestEscaping(t *testing.T) {
	s := newSite(t, true)
	tr := task("evil-"+hostile, 0, 80, []float64{3})
	tr.Reason = "answer was " + hostile
	tr.Status = record.StatusError
	tr.Error = &trace.Error{Class: trace.ErrHTTPStatus, Message: hostile}
	tr.Violations = []trace.Violation{{Code: "bad_json", Detail: hostile}}
	tr = withDetail(tr)
	tr.Detail.Request, tr.Detail.Answer, tr.Detail.Reference = hostile, "said:\n"+hostile, hostile
	s.save(t, run{id: "run-x", competitor: hostile, composite: 50, quality: 50, speed: 50, cost: 50, tasks: []record.TaskResult{tr}})
	tb := newTab(t)
	for _, p := range []string{"/", "/runs/run-x", "/runs/run-x/tasks/" + url.PathEscape(tr.ID),
		"/competitors/" + url.PathEscape(hostile), "/compare?base=run-x&next=run-x"} {
		t.Run(p, func(t *testing.T) {
			tb.do(t, chromedp.Navigate(s.url+p))
			if eval[bool](t, tb, `window.__xss !== undefined`) {
				t.Fatal("injected script ran")
			}
			if n := eval[int](t, tb, `document.querySelectorAll("main script, main img").length`); n != 0 {
				t.Fatalf("%d injected elements in the page", n)
			}
			if !eval[bool](t, tb, `document.body.textContent.includes("<script>window.__xss=1</script>")`) {
				t.Fatalf("the hostile text is not shown as text: %.600s", eval[string](t, tb, `document.body.textContent`))
			}
		})
	}
	// The model's answer, the request and the reference (and the diff of
	// the two) show the markup as text.
	tb.do(t, chromedp.Navigate(s.url+"/runs/run-x/tasks/"+url.PathEscape(tr.ID)))
	for id, want := range map[string]string{"answer": tr.Detail.Answer, "request": hostile, "reference": hostile,
		"diff": "+ said:\n  " + hostile} {
		expr := `document.getElementById("` + id + `").textContent`
		if id == "diff" {
			expr = `Array.from(document.querySelectorAll("#diff span")).map(s => s.textContent).join("\n")`
		}
		if got := eval[string](t, tb, expr); got != want {
			t.Errorf("#%s shows %q, want %q", id, got, want)
		}
	}
}

// TestNoConsoleErrors visits every page (with data) and fails on any
// console error, warning or exception, CSP violations included.
func TestNoConsoleErrors(t *testing.T) {
	s := newSite(t, true)
	s.save(t, run{id: "run-1", competitor: "one", composite: 80, quality: 70, speed: 60, cost: 50},
		run{id: "run-2", competitor: "two", composite: 70, quality: 80, speed: 50, cost: 40})
	if _, err := s.st.AddVotes(context.Background(), demoVotes(map[string]float64{"one": 80, "two": 70})); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	for _, p := range []string{"/", "/?tab=arena", "/?suite=smoke&sort=cost&dir=asc", "/runs/run-1", "/runs/run-1/tasks/t1", "/runs/run-1/tasks/t2",
		"/compare", "/compare?base=run-1&next=run-2", "/competitors/one", "/signin", "/runs/nope"} {
		t.Run(p, func(t *testing.T) {
			tb.do(t, chromedp.Navigate(s.url+p))
			if p == "/runs/nope" {
				tb.clear() // the 404 status of a missing run is logged by the browser, rightly
			}
			tb.noErrors(t)
		})
	}
}

// TestDownloads: a run's report downloads as JSON (valid janus.report/v1),
// Markdown and JUnit.
func TestDownloads(t *testing.T) {
	s := newSite(t, true)
	s.save(t, run{id: "run-d", competitor: "dl", composite: 50, quality: 50, speed: 50, cost: 50})
	for _, c := range []struct{ fmt, ctype, has string }{
		{"json", "application/json", `"schema_version"`}, {"md", "text/markdown", "# "}, {"junit", "application/xml", "<testsuite"},
	} {
		t.Run(c.fmt, func(t *testing.T) {
			resp, err := http.Get(s.url + "/runs/run-d/download/" + c.fmt)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(string(b), c.has) {
				t.Fatalf("%s: %s %s %.200s", c.fmt, resp.Status, resp.Header.Get("Content-Type"), b)
			}
			if c.fmt == "json" {
				if err := record.Validate(b); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestPrivateRead: with public read off, pages send visitors to sign in.
func TestPrivateRead(t *testing.T) {
	s := newSite(t, false)
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/", "/runs/x", "/runs/x/live", "/competitors/x", "/compare"} {
		resp, err := cl.Get(s.url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("GET %s without a session: %s to %q", p, resp.Status, resp.Header.Get("Location"))
		}
	}
}

// TestLayoutAndKeyboard: at 375 px and 1920 px no page is wider than the
// screen (wide tables scroll inside their box), and the keyboard reaches
// the skip link first and a column's sort link by Tab, and Enter sorts.
func TestLayoutAndKeyboard(t *testing.T) {
	s := newSite(t, true)
	s.save(t, run{id: "run-1", competitor: strings.Repeat("very-long-competitor-name-", 4), composite: 80, quality: 70, speed: 60, cost: 50},
		run{id: "run-2", competitor: "two", composite: 70, quality: 80, speed: 50, cost: 40})
	tb := newTab(t)
	for _, width := range []int64{375, 1920} {
		for _, p := range []string{"/", "/runs/run-1", "/runs/run-1/tasks/t1", "/compare?base=run-1&next=run-2", "/competitors/two", "/signin"} {
			t.Run(fmt.Sprintf("%d%s", width, p), func(t *testing.T) {
				tb.do(t, chromedp.EmulateViewport(width, 800), chromedp.Navigate(s.url+p))
				if w := eval[int64](t, tb, `document.documentElement.scrollWidth`); w > width {
					t.Fatalf("page is %d px wide on a %d px screen", w, width)
				}
			})
		}
	}
	tb.do(t, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(s.url+"/"), chromedp.KeyEvent(kb.Tab))
	if got := eval[string](t, tb, `document.activeElement.textContent`); got != "Skip to content" {
		t.Fatalf("first Tab focuses %q, want the skip link", got)
	}
	// Tab on to the Quality header's link, then Enter.
	for range 40 {
		if eval[bool](t, tb, `document.activeElement.closest('th[data-key="quality"]') !== null`) {
			break
		}
		tb.do(t, chromedp.KeyEvent(kb.Tab))
	}
	tb.do(t, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`th[data-key="quality"][aria-sort="descending"]`))
	tb.noErrors(t)
}
