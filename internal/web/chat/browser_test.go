package chat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/leaderboard"
)

// browser is the one headless Chromium of this test binary; nil when none
// is installed (the browser tests then skip, or fail under CI=true).
var browser context.Context

// chromiumPath finds the browser the tests drive.
func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "web/chat: CI=true but no chromium is installed; the browser tests cannot run")
			os.Exit(1)
		}
		os.Exit(m.Run())
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "web/chat: start chromium %s: %v\n", path, err)
		cancel()
		cancelAlloc()
		os.Exit(1)
	}
	browser = ctx
	code := m.Run()
	cancel()
	cancelAlloc()
	os.Exit(code)
}

// tab opens a fresh browser context (own cookies) signed in as user.
func tab(t *testing.T, s *stack, user string) context.Context {
	t.Helper()
	if browser == nil {
		t.Skip("no chromium installed (set CI=true to make this a failure)")
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	setCookie := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: "test_user", Value: user, URL: s.chat.URL})
		return chromedp.Void{}, err
	})
	if err := chromedp.Do(ctx, setCookie); err != nil {
		t.Fatalf("set cookie: %v", err)
	}
	return ctx
}

// open navigates to path and waits for the models to be listed.
func open(t *testing.T, ctx context.Context, s *stack, path string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.chat.URL+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	poll[bool](t, ctx, `document.querySelectorAll('#model option').length >= 2`)
}

// poll waits until expr is truthy in the page and returns its value.
func poll[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		page, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", expr, err, page)
	}
	return v
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// pick selects the competitor's entry in the model list.
func pick(t *testing.T, ctx context.Context, competitor string) {
	t.Helper()
	ok := eval[bool](t, ctx, `(() => { const s = document.getElementById('model');
		for (const o of s.options) if (o.textContent.startsWith(`+jsString(competitor+" · ")+`)) { s.value = o.value; return true; }
		return false; })()`)
	if !ok {
		t.Fatalf("no model of competitor %s in the list", competitor)
	}
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// ask types a prompt and presses Enter.
func ask(t *testing.T, ctx context.Context, prompt string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("input"), prompt), enterKey(0)); err != nil {
		t.Fatalf("ask: %v", err)
	}
}

// enterKey presses Enter as a keyboard does: one keyDown carrying the
// text, whose insertion the page may cancel, then keyUp. (chromedp's
// KeyEvent sends the text as a separate char event, which inserts a line
// even when the page cancelled the keydown.) modifiers: 8 is Shift.
func enterKey(modifiers int64) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter", Modifiers: modifiers,
				WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
			if typ == input.DispatchKeyEventTypeKeyDown {
				p.Text, p.UnmodifiedText = "\r", "\r"
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, p); err != nil {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, nil
	}
}

// recordStates keeps every distinct text of the answer being streamed,
// seen by a MutationObserver (so every DOM update is counted once).
const recordStates = `(() => { window.__states = []; let last = '';
	new MutationObserver(() => {
		const m = document.querySelector('#thread .msg.assistant');
		if (!m) return;
		const t = m.querySelector('.content').textContent;
		if (t !== last) { last = t; window.__states.push({text: t, streaming: m.classList.contains('streaming')}); }
	}).observe(document.getElementById('thread'), {subtree: true, childList: true, characterData: true, attributes: true});
	return true; })()`

const answerDone = `(() => { const m = document.querySelector('#thread .msg.assistant');
	return !!m && !m.classList.contains('streaming') && m.querySelector('.usage').textContent.length > 0; })()`

func TestChatStreamsReasoningAndArtifacts(t *testing.T) {
	s := startStack(t, baseline.Pace{TTFT: 20 * time.Millisecond, PerToken: 15 * time.Millisecond})
	ctx := tab(t, s, "ann")
	open(t, ctx, s, "/chat")
	pick(t, ctx, "alpha")
	eval[bool](t, ctx, recordStates)
	// Shift+Enter is a new line, not a send.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("input"), "draft"),
		enterKey(8)); err != nil {
		t.Fatal(err)
	}
	if v := eval[string](t, ctx, `document.getElementById('input').value`); v != "draft\n" {
		t.Fatalf("after Shift+Enter the input holds %q, want %q", v, "draft\n")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#thread .msg').length`); n != 0 {
		t.Fatalf("Shift+Enter sent a message (%d in the thread)", n)
	}
	eval[bool](t, ctx, `(document.getElementById('input').value = '', true)`)
	ask(t, ctx, promptRich)
	poll[bool](t, ctx, answerDone)
	if v := eval[string](t, ctx, `document.getElementById('input').value`); v != "" {
		t.Fatalf("after Enter sent the message the input holds %q", v)
	}

	var states []struct {
		Text      string `json:"text"`
		Streaming bool   `json:"streaming"`
	}
	raw := eval[string](t, ctx, `JSON.stringify(window.__states)`)
	if err := json.Unmarshal([]byte(raw), &states); err != nil {
		t.Fatal(err)
	}
	intermediate := 0
	for _, st := range states {
		if st.Streaming && st.Text != "" && !strings.Contains(st.Text, "thank you for asking") {
			intermediate++
		}
	}
	if intermediate < 3 {
		t.Fatalf("saw %d intermediate states of the answer, want at least 3: %+v", intermediate, states)
	}
	checks := []struct{ name, expr, want string }{
		{"final text", `document.querySelector('#thread .msg.assistant .content').textContent.includes('thank you for asking') ? 'ok' : 'missing'`, "ok"},
		{"bold rendered", `document.querySelector('#thread .content strong').textContent`, "bold"},
		{"code block", `document.querySelector('#thread .code pre code').textContent`, `fmt.Println("hi")`},
		{"copy button", `document.querySelector('#thread .code .copy').textContent`, "Copy"},
		{"reasoning shown", `document.querySelector('#thread .trace').hidden ? 'hidden' : document.querySelector('#thread .trace-body').textContent`,
			"First I consider what the user wants, then I plan the answer step by step."},
		{"usage and cost", `/tokens.*\$/.test(document.querySelector('#thread .usage').textContent) ? 'ok' : document.querySelector('#thread .usage').textContent`, "ok"},
		{"artifact through the proxy", `document.querySelector('#thread .artifact img').getAttribute('src').startsWith('/chat/api/artifacts/') ? 'ok' : 'no'`, "ok"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if got := eval[string](t, ctx, c.expr); got != c.want {
				t.Fatalf("%s: got %q, want %q", c.expr, got, c.want)
			}
		})
	}
	if w := poll[int](t, ctx, `(() => { const i = document.querySelector('#thread .artifact img'); return i.complete && i.naturalWidth; })()`); w != 40 {
		t.Fatalf("artifact image is %d px wide, want 40", w)
	}
	// The conversation was saved for ann, with the thread id sent upstream.
	poll[bool](t, ctx, `document.querySelectorAll('#convs li').length === 1`)
	ann := &client{base: s.chat.URL, user: "ann"}
	_, b := ann.do(t, "GET", "/chat/api/conversations", "", false)
	var list struct{ Data []Conversation }
	if err := json.Unmarshal(b, &list); err != nil || len(list.Data) != 1 {
		t.Fatalf("conversations: %s", b)
	}
	if ids := s.chatIDs(); len(ids) != 1 || ids[0] != list.Data[0].ID {
		t.Fatalf("x-openwebui-chat-id sent upstream: %v, want [%s]", ids, list.Data[0].ID)
	}
	_, b = ann.do(t, "GET", "/chat/api/conversations/"+list.Data[0].ID, "", false)
	if !bytes.Contains(b, []byte("thank you for asking")) || !bytes.Contains(b, []byte(promptRich)) {
		t.Fatalf("stored conversation lacks the turn: %.300s", b)
	}

	// Continue it after a reload: open it from the list, ask again.
	open(t, ctx, s, "/chat")
	poll[bool](t, ctx, `document.querySelectorAll('#convs li .open').length === 1`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#convs li .open"))); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ctx, `document.querySelectorAll('#thread .msg').length === 2`)
	ask(t, ctx, promptXSS)
	poll[bool](t, ctx, `document.querySelectorAll('#thread .msg').length === 4 && !document.querySelector('#thread .msg.assistant.streaming')`)
	if ids := s.chatIDs(); len(ids) != 2 || ids[1] != list.Data[0].ID {
		t.Fatalf("x-openwebui-chat-id of the second turn: %v, want the same thread %s", ids, list.Data[0].ID)
	}
	poll[bool](t, ctx, `document.body.dataset.saved === '4'`)
	var conv struct{ Messages []map[string]any }
	_, b = ann.do(t, "GET", "/chat/api/conversations/"+list.Data[0].ID, "", false)
	if err := json.Unmarshal(b, &conv); err != nil || len(conv.Messages) != 4 {
		t.Fatalf("after continuing, the stored conversation has %d messages, want 4: %.300s", len(conv.Messages), b)
	}
}

func TestChatStopCancelsUpstream(t *testing.T) {
	s := startStack(t, baseline.Pace{TTFT: 10 * time.Millisecond, PerToken: 20 * time.Millisecond})
	ctx := tab(t, s, "bob")
	open(t, ctx, s, "/chat")
	pick(t, ctx, "beta")
	ask(t, ctx, promptLong)
	poll[bool](t, ctx, `(() => { const c = document.querySelector('#thread .msg.assistant .content'); return !!c && c.textContent.length > 40; })()`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	// The event: the proxy's request to the gateway has its context ended.
	s.waitCancel(t, "/v1/chat/completions", 10*time.Second)
	poll[bool](t, ctx, `document.querySelector('#thread .usage').textContent.includes('Stopped')`)
	n := eval[int](t, ctx, `document.querySelector('#thread .msg.assistant .content').textContent.length`)
	if full := len(testSuite(t).Tasks[2].Reference.Content); n >= full {
		t.Fatalf("the answer is whole (%d chars) although stopped", n)
	}
	if hidden := eval[bool](t, ctx, `document.getElementById('stop').hidden && !document.getElementById('send').hidden`); !hidden {
		t.Fatal("after stopping, the stop button is still shown")
	}
}

func TestChatHostileAnswerRunsNothing(t *testing.T) {
	s := startStack(t, baseline.Unpaced())
	ctx := tab(t, s, "eve")
	open(t, ctx, s, "/chat")
	pick(t, ctx, "alpha")
	ask(t, ctx, promptXSS)
	poll[bool](t, ctx, answerDone)
	checks := []struct{ name, expr, want string }{
		{"no script ran", `String(window.pwned)`, "undefined"},
		{"markup shown as text", `document.querySelector('#thread .content').textContent.includes('<img src=x onerror=') ? 'ok' : 'no'`, "ok"},
		{"no element from the answer", `String(document.querySelectorAll('#thread .content img, #thread .content script, #thread .content [onerror]').length)`, "0"},
		{"no javascript link", `String([...document.querySelectorAll('#thread .content a')].filter(a => !/^https?:/.test(a.href)).length)`, "0"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if got := eval[string](t, ctx, c.expr); got != c.want {
				t.Fatalf("%s: got %q, want %q", c.expr, got, c.want)
			}
		})
	}
	// Even through the renderer alone (no CSP involved): feed it directly.
	got := eval[string](t, ctx, `(() => { const d = document.createElement('div');
		window.janusChat.renderMarkdown('<img src=x onerror="window.pwned2=1"> [a](javascript:alert(1))', d);
		document.body.appendChild(d); return d.querySelectorAll('img,a').length + ':' + String(window.pwned2); })()`)
	if got != "0:undefined" {
		t.Fatalf("renderer built %q (elements:pwned2), want 0:undefined", got)
	}
}

func TestArenaVoteCountsInRatings(t *testing.T) {
	s := startStack(t, baseline.Unpaced())
	ctx := tab(t, s, "ann")
	open(t, ctx, s, "/chat/arena")
	ask(t, ctx, promptRich)
	poll[bool](t, ctx, `!document.getElementById('votes').hidden`)
	if a := eval[string](t, ctx, `document.querySelector('#pane-A h2').textContent`); a != "Answer A" {
		t.Fatalf("before the vote pane A is titled %q; the names must stay hidden", a)
	}
	// The gateway's clock says the prompt is fresh: the 5 s rule answers.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#votes button[data-winner="A"]`))); err != nil {
		t.Fatal(err)
	}
	msg := poll[string](t, ctx, `document.querySelector('#reveal.error') && document.querySelector('#reveal').textContent`)
	if !strings.Contains(msg, "votes open 5 seconds") {
		t.Fatalf("too-early vote message %q", msg)
	}
	s.clock.Store(int64(time.Minute))
	poll[bool](t, ctx, `!document.querySelector('#votes button[data-winner="A"]').disabled`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#votes button[data-winner="A"]`))); err != nil {
		t.Fatal(err)
	}
	reveal := poll[string](t, ctx, `document.querySelector('#reveal.ok') && document.querySelector('#reveal').textContent`)
	if !strings.Contains(reveal, "alpha") || !strings.Contains(reveal, "beta") {
		t.Fatalf("reveal %q does not name both competitors", reveal)
	}
	votes := filepath.Join(s.dataDir, "arena", "votes.jsonl")
	dsn := filepath.Join(t.TempDir(), "lb.db")
	if err := leaderboard.ImportVotes(context.Background(), dsn, []string{votes}, io.Discard); err != nil {
		t.Fatalf("import votes: %v", err)
	}
	var out bytes.Buffer
	if err := leaderboard.PrintRatings(context.Background(), dsn, leaderboard.RatingsOptions{Method: "elo", JSON: true}, &out); err != nil {
		t.Fatalf("ratings: %v", err)
	}
	var rep leaderboard.RatingsReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("ratings JSON %s: %v", out.Bytes(), err)
	}
	if rep.Votes != 1 || len(rep.Ratings) != 2 || rep.Ratings[0].Matches != 1 || rep.Ratings[0].Wins+rep.Ratings[1].Wins != 1 {
		t.Fatalf("ratings %s: want one vote, one match each, one win", out.Bytes())
	}
}

func TestChatNarrowLayout(t *testing.T) {
	s := startStack(t, baseline.Unpaced())
	ctx := tab(t, s, "ann")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, s, "/chat")
	ask(t, ctx, promptRich)
	poll[bool](t, ctx, answerDone)
	checks := []struct{ name, expr, want string }{
		{"no sideways scrolling", `String(document.documentElement.scrollWidth <= 375)`, "true"},
		{"own message shown", `getComputedStyle(document.querySelector('#thread .msg.user')).display`, "block"},
		{"sidebar off screen", `String(document.getElementById('sidebar').getBoundingClientRect().right <= 0)`, "true"},
		{"menu opens it", `new Promise(r => { const sb = document.getElementById('sidebar');
			sb.addEventListener('transitionend', () => r(String(sb.getBoundingClientRect().left >= 0)), {once: true});
			document.getElementById('menu').click(); })`, "true"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](c.expr, chromedp.EvalAwaitPromise))
			if err != nil || got != c.want {
				t.Fatalf("%s: got %q (%v), want %q", c.expr, got, err, c.want)
			}
		})
	}
}

func TestChatImageInput(t *testing.T) {
	s := startStack(t, baseline.Unpaced())
	ctx := tab(t, s, "ann")
	open(t, ctx, s, "/chat")
	dir := t.TempDir()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(testPNG(t), "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	small, big := filepath.Join(dir, "red.png"), filepath.Join(dir, "huge.png")
	if err := os.WriteFile(small, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, DefaultMaxImageBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{big})); err != nil {
		t.Fatal(err)
	}
	if msg := poll[string](t, ctx, `!document.getElementById('notice').hidden && document.getElementById('notice').textContent`); !strings.Contains(msg, "the limit is 4 MB") {
		t.Fatalf("oversized image notice %q", msg)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{small})); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ctx, `document.querySelectorAll('#attachments img').length === 1`)
	ask(t, ctx, "What colour is this picture?")
	poll[bool](t, ctx, answerDone)
	if e := eval[string](t, ctx, `document.querySelector('#thread .usage').textContent`); strings.Contains(e, "Error") {
		t.Fatalf("the answer failed: %s", e)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#thread .msg.user img.attached').length`); n != 1 {
		t.Fatalf("%d attached images shown in the thread, want 1", n)
	}
	poll[bool](t, ctx, `document.querySelectorAll('#convs li').length === 1`)
	ann := &client{base: s.chat.URL, user: "ann"}
	_, b := ann.do(t, "GET", "/chat/api/conversations", "", false)
	var list struct{ Data []Conversation }
	if err := json.Unmarshal(b, &list); err != nil || len(list.Data) != 1 {
		t.Fatalf("conversations: %s", b)
	}
	_, b = ann.do(t, "GET", "/chat/api/conversations/"+list.Data[0].ID, "", false)
	if !bytes.Contains(b, []byte(`"type":"image_url"`)) || !bytes.Contains(b, []byte("data:image/png;base64,")) {
		t.Fatalf("the stored turn has no image part: %.300s", b)
	}
}

func TestChatStepsAndHostileArtifacts(t *testing.T) {
	s := startStack(t, baseline.Unpaced(), scripted(t))
	ctx := tab(t, s, "ann")
	open(t, ctx, s, "/chat")
	pick(t, ctx, "gamma")
	ask(t, ctx, "search and run something")
	poll[bool](t, ctx, answerDone)
	checks := []struct{ name, expr, want string }{
		{"steps in order", `[...document.querySelectorAll('#thread .steps li')].map(l => l.textContent).join('|')`,
			"Running tool: web_search|Tool finished: web_search|Sandbox started: python|Sandbox finished"},
		{"cost shown", `String(document.querySelector('#thread .usage').textContent.includes('$0.5000'))`, "true"},
		// The gateway rewrote the javascript: URL to its own artifact URL
		// (whose fetch fails); the page loads only through its proxy.
		{"artifacts only through the proxy", `String([...document.querySelectorAll('#thread img')].every(i => i.getAttribute('src').startsWith('/chat/api/artifacts/')))`, "true"},
		{"no javascript href", `String([...document.querySelectorAll('#thread a')].some(a => a.href.startsWith('javascript:')))`, "false"},
		{"file artifact through the proxy", `document.querySelectorAll('#thread .artifact a.download')[0].getAttribute('href').startsWith('/chat/api/artifacts/') ? 'ok' : 'no'`, "ok"},
		{"no script ran", `String(window.pwned)`, "undefined"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if got := eval[string](t, ctx, c.expr); got != c.want {
				t.Fatalf("%s: got %q, want %q", c.expr, got, c.want)
			}
		})
	}
}
