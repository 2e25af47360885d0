package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

// TestParseCompetitor is the --competitor flag grammar.
func TestParseCompetitor(t *testing.T) {
	cases := []struct {
		spec    string
		want    CompetitorConfig
		wantErr string
	}{
		// The plain form.
		{"a=http://127.0.0.1:8081", CompetitorConfig{ID: "a", URL: "http://127.0.0.1:8081"}, ""},
		// The default marker.
		{"b=http://h:1/v1,default", CompetitorConfig{ID: "b", URL: "http://h:1/v1", Default: true}, ""},
		// No id.
		{"=http://h:1", CompetitorConfig{}, "want id="},
		// No URL.
		{"a", CompetitorConfig{}, "want id="},
		// Not http.
		{"a=ftp://h", CompetitorConfig{}, "http(s)"},
		// Unknown option.
		{"a=http://h:1,fast", CompetitorConfig{}, "unknown option"},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseCompetitor(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.ID != tc.want.ID || got.URL != tc.want.URL || got.Default != tc.want.Default {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

// TestConfigFile checks the YAML format and its refusals.
func TestConfigFile(t *testing.T) {
	cases := []struct {
		name, yaml, wantErr string
	}{
		// Every field.
		{"full", "competitors:\n  - id: a\n    url: http://h:1\n    models: [x, y]\n    api_key: k\n    health_path: /hz\n" +
			"    default: true\n    connect_timeout: 2s\n    header_timeout: 1m\n    timeout: 30s\n", ""},
		// A typo is an error, not an ignored setting.
		{"unknown key", "competitors:\n  - id: a\n    url: http://h:1\n    modles: [x]\n", "modles"},
		// An entry without id.
		{"no id", "competitors:\n  - url: http://h:1\n", "id is required"},
		// A bad health path.
		{"health path", "competitors:\n  - id: a\n    url: http://h:1\n    health_path: hz\n", "health_path"},
		// A duration that is not one.
		{"bad duration", "competitors:\n  - id: a\n    url: http://h:1\n    timeout: soon\n", "decode YAML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFile([]byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := cfg.Competitors[0]
			if c.Timeout != 30*time.Second || c.HeaderTimeout != time.Minute || len(c.Models) != 2 || !c.Default {
				t.Errorf("decoded %+v", c)
			}
		})
	}
	// Flags override file entries with the same id; two defaults conflict.
	merged, err := merge([]CompetitorConfig{{ID: "a", URL: "http://f:1"}, {ID: "b", URL: "http://f:2"}},
		[]CompetitorConfig{{ID: "a", URL: "http://flag:1"}, {ID: "c", URL: "http://flag:3"}})
	if err != nil || len(merged) != 3 || merged[0].URL != "http://flag:1" || merged[2].ID != "c" {
		t.Errorf("merge: %+v %v", merged, err)
	}
	if _, err := merge([]CompetitorConfig{{ID: "a", Default: true}}, []CompetitorConfig{{ID: "b", Default: true}}); err == nil {
		t.Error("two defaults accepted")
	}
	if _, err := New(Options{}); err == nil {
		t.Error("a gateway without competitors started")
	}
}

// TestHotReload checks that editing the config file re-routes traffic,
// that a broken edit keeps the running configuration, and that SIGHUP
// reloads too. It waits on the gateways' reload log lines, not on time:
// each step asserts what the reload it waited for did.
func TestHotReload(t *testing.T) {
	a := echoUpstream(t, "a", nil)
	b := echoUpstream(t, "b", nil)
	path := writeFile(t, "gateway.yaml", "competitors:\n  - id: a\n    url: "+a.URL+"\n    default: true\n")
	polled := reloadEvents()
	gw := startGateway(t, Options{ConfigFile: path, ReloadInterval: 20 * time.Millisecond, WatchSignals: true, Logger: polled.logger()})
	routedTo := func() string {
		resp := post(t, context.Background(), gw.URL, chatBody("m", false, ""), nil)
		readAll(t, resp)
		return resp.Header.Get("X-Janus-Competitor")
	}
	if got := routedTo(); got != "a" {
		t.Fatalf("routed to %q", got)
	}
	// Each edit is written aside and renamed over the file, so no poll
	// can read it half-written (TestConfigPoll covers edits in place).
	rewrite := func(s string) { t.Helper(); replaceFile(t, path, s) }
	rewrite("competitors:\n  - id: a\n    url: " + a.URL + "\n  - id: bee\n    url: " + b.URL + "\n    default: true\n")
	polled.wait(t, reloadOK, "config file changed")
	if got := routedTo(); got != "bee" {
		t.Fatalf("after the edit routed to %q", got)
	}

	// A broken file is refused and the gateway keeps routing.
	rewrite("competitors: [ {id: \n")
	polled.wait(t, reloadFailed, "config file changed")
	if got := routedTo(); got != "bee" {
		t.Fatalf("after a broken edit routed to %q", got)
	}

	// A gateway that does not poll picks the edit up on SIGHUP.
	rewrite("competitors:\n  - id: bee\n    url: " + b.URL + "\n    default: true\n")
	polled.wait(t, reloadOK, "config file changed")
	signalled := reloadEvents()
	gw = startGateway(t, Options{ConfigFile: path, ReloadInterval: -1, WatchSignals: true, Logger: signalled.logger()})
	if got := routedTo(); got != "bee" {
		t.Fatalf("second gateway routed to %q", got)
	}
	rewrite("competitors:\n  - id: a\n    url: " + a.URL + "\n    default: true\n")
	// The polling gateway has seen this edit; the other must not have.
	polled.wait(t, reloadOK, "config file changed")
	if got := routedTo(); got != "bee" {
		t.Fatalf("a gateway without polling reloaded on its own: %q", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	signalled.wait(t, reloadOK, "SIGHUP")
	if got := routedTo(); got != "a" {
		t.Fatalf("after SIGHUP routed to %q", got)
	}
}

const (
	reloadOK     = "gateway reloaded"
	reloadFailed = "gateway reload failed; keeping the running configuration"
)

// reloadLog is a slog handler that passes a gateway's reload log lines
// (message and trigger) to a test, which waits on them as events.
// An event is the message, the trigger and the error, if any.
type reloadLog struct{ ch chan [3]string }

func reloadEvents() reloadLog { return reloadLog{make(chan [3]string, 64)} }

func (h reloadLog) logger() *slog.Logger { return slog.New(h) }

func (h reloadLog) Enabled(context.Context, slog.Level) bool { return true }

func (h reloadLog) Handle(_ context.Context, r slog.Record) error {
	if !strings.HasPrefix(r.Message, "gateway reload") {
		return nil
	}
	var trigger, errText string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "trigger":
			trigger = a.Value.String()
		case "error":
			errText = a.Value.String()
		}
		return true
	})
	select {
	case h.ch <- [3]string{r.Message, trigger, errText}:
	default: // a full buffer fails the wait that finds the wrong line
	}
	return nil
}

func (h reloadLog) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h reloadLog) WithGroup(string) slog.Handler { return h }

// wait returns at the next reload line with msg and trigger, failing on
// a different one first or on none within a bound far above a poll.
func (h reloadLog) wait(t *testing.T, msg, trigger string) {
	t.Helper()
	select {
	case got := <-h.ch:
		if got[0] != msg || got[1] != trigger {
			t.Fatalf("reload log %q (trigger %s, error %q), want %q (trigger %s)", got[0], got[1], got[2], msg, trigger)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %q (trigger %s) within 10 s", msg, trigger)
	}
}

// none fails if a reload line is waiting: the step before it was to
// reload nothing.
func (h reloadLog) none(t *testing.T) {
	t.Helper()
	select {
	case got := <-h.ch:
		t.Fatalf("unexpected reload log %q (trigger %s, error %q)", got[0], got[1], got[2])
	default:
	}
}

// replaceFile writes content beside path and renames it over path, the
// way to replace a watched file without a reader ever seeing it torn.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestConfigPoll drives the config poller one tick at a time (no clock):
// an edit is loaded on the second tick that sees it, a file caught
// half-written in place is not loaded until it has stopped changing, and
// a broken file is reported once, not at every tick.
func TestConfigPoll(t *testing.T) {
	a := echoUpstream(t, "a", nil)
	b := echoUpstream(t, "b", nil)
	confA := "competitors:\n  - id: a\n    url: " + a.URL + "\n    default: true\n"
	confB := "competitors:\n  - id: a\n    url: " + a.URL + "\n  - id: b\n    url: " + b.URL + "\n    default: true\n"
	path := writeFile(t, "gateway.yaml", confA)
	log := reloadEvents()
	s, err := New(Options{ConfigFile: path, Logger: log.logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	// Every write gets its own modification time, a second apart, so the
	// poller tells the versions apart whatever the file system's clock
	// granularity and however fast the steps run.
	stamp := time.Now().Add(-time.Hour)
	restamp := func() {
		t.Helper()
		stamp = stamp.Add(time.Second)
		if err := os.Chtimes(path, stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	inPlace := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		restamp()
	}
	// confB cut before its second entry: a file that loads, and would
	// drop b if a reload acted on it.
	torn := confB[:strings.Index(confB, "  - id: b")]
	// A tick reloads (the log line it must write) or does nothing ("").
	type tick struct{ msg string }
	steps := []struct {
		name  string
		write func()
		ticks []tick
	}{
		// The loaded file, unchanged: the first tick only learns its stamp.
		{"unchanged", func() {}, []tick{{""}, {""}}},
		// confB written in place, caught after its first entry, then
		// finished: no tick reloads before the file has stopped changing,
		// then exactly one does.
		{"torn write", func() { inPlace(torn) }, []tick{{""}}},
		{"write finished", func() { inPlace(confB) }, []tick{{""}, {reloadOK}, {""}, {""}}},
		// A broken file: one failure, then silence until it changes.
		{"broken", func() { inPlace("competitors: [ {id: \n") }, []tick{{""}, {reloadFailed}, {""}, {""}}},
		// Replaced by rename: loaded on the second tick.
		{"renamed", func() { replaceFile(t, path, confA); restamp() }, []tick{{""}, {reloadOK}, {""}}},
	}
	var seen fileStamp
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.write()
			for i, tk := range st.ticks {
				s.pollConfig(context.Background(), &seen)
				if tk.msg == "" {
					log.none(t)
					continue
				}
				select {
				case got := <-log.ch:
					if got[0] != tk.msg || got[1] != "config file changed" {
						t.Fatalf("tick %d: reload log %q (trigger %s, error %q), want %q", i, got[0], got[1], got[2], tk.msg)
					}
				default:
					t.Fatalf("tick %d: no reload, want %q", i, tk.msg)
				}
			}
		})
	}
	// The configuration running at the end is the last good one, confA.
	if list := s.reg.load().list; len(list) != 1 || list[0].id != "a" {
		t.Errorf("running configuration has %d competitors, want only a", len(list))
	}
}

// TestFramer splits streams into frames whatever the read boundaries and
// line endings, and extracts their data as a client would.
func TestFramer(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		frames []string
		data   []string // "-" for a frame without data
	}{
		// LF endings, a comment, fields.
		{"lf", ": c\n\nevent: e\nid: 1\ndata: x\n\ndata: [DONE]\n\n",
			[]string{": c\n\n", "event: e\nid: 1\ndata: x\n\n", "data: [DONE]\n\n"}, []string{"-", "x", "[DONE]"}},
		// CRLF endings.
		{"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"data: a\r\n\r\n", "data: b\r\n\r\n"}, []string{"a", "b"}},
		// Bare CR endings.
		{"cr", "data: a\r\rdata:b\r\r", []string{"data: a\r\r", "data:b\r\r"}, []string{"a", "b"}},
		// Multi-line data joins with newlines; a field without a colon.
		{"multi", "data: {\"a\":\ndata\ndata: 1}\n\n", []string{"data: {\"a\":\ndata\ndata: 1}\n\n"}, []string{"{\"a\":\n\n1}"}},
		// A stray blank line is a frame of its own.
		{"blank", "\ndata: a\n\n", []string{"\n", "data: a\n\n"}, []string{"-", "a"}},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	}
	for _, tc := range cases {
		for rname, mk := range readers {
			t.Run(tc.name+"/"+rname, func(t *testing.T) {
				f := newFramer(mk(tc.in), 4, 1<<10)
				var scratch []byte
				var got, data []string
				for {
					fr, err := f.next()
					if err != nil {
						if !errors.Is(err, io.EOF) || f.pending() != 0 {
							t.Fatalf("error %v, pending %d", err, f.pending())
						}
						break
					}
					if n := len(got); string(fr) == "\n" && n > 0 && strings.HasSuffix(got[n-1], "\r") {
						// The LF of a CRLF split across reads comes on its own.
						got[n-1] += "\n"
						continue
					}
					got = append(got, string(fr))
					d, ok := frameData(fr, &scratch)
					if !ok {
						data = append(data, "-")
					} else {
						data = append(data, string(d))
					}
				}
				if strings.Join(got, "|") != strings.Join(tc.frames, "|") {
					t.Errorf("frames %q, want %q", got, tc.frames)
				}
				if strings.Join(data, "|") != strings.Join(tc.data, "|") {
					t.Errorf("data %q, want %q", data, tc.data)
				}
			})
		}
	}
	// A CRLF split right after the blank line's CR: the LF opens the next
	// frame and nothing is lost.
	f := newFramer(iotest.OneByteReader(strings.NewReader("data: a\r\n\r\ndata: b\n\n")), 4, 1<<10)
	var all string
	for {
		fr, err := f.next()
		if err != nil {
			break
		}
		all += string(fr)
	}
	if all != "data: a\r\n\r\ndata: b\n\n" {
		t.Errorf("bytes lost: %q", all)
	}
	// An event over the cap is an error, not unbounded memory.
	f = newFramer(strings.NewReader("data: "+strings.Repeat("x", 100)+"\n\n"), 4, 64)
	var tooLarge *frameTooLargeError
	if _, err := f.next(); !errors.As(err, &tooLarge) {
		t.Errorf("oversized frame: %v", err)
	}
}

// blockingReader returns its chunks one per Read, then blocks until
// released, like an upstream that has sent everything it has for now.
type blockingReader struct {
	chunks  []string
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.chunks) == 0 {
		<-b.release
		return 0, io.EOF
	}
	n := copy(p, b.chunks[0])
	b.chunks[0] = b.chunks[0][n:]
	if b.chunks[0] == "" {
		b.chunks = b.chunks[1:]
	}
	return n, nil
}

// TestFramerReady checks the flush decision: ready is true only while the
// next frame has already been read, never waits for the source, and the
// frame returned before stays intact.
func TestFramerReady(t *testing.T) {
	br := &blockingReader{chunks: []string{"data: 1\n\ndata: 2\n\ndata: 3"}, release: make(chan struct{})}
	defer close(br.release)
	f := newFramer(br, 64, 1<<10)
	steps := []struct {
		frame string
		ready bool
	}{
		// Two whole frames arrived in one read: the first is not the last.
		{"data: 1\n\n", true},
		// The second is the last whole one; "data: 3" is unfinished.
		{"data: 2\n\n", false},
	}
	for i, st := range steps {
		t.Run(st.frame, func(t *testing.T) {
			fr, err := f.next()
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got := string(fr)
			if r := f.ready(); r != st.ready {
				t.Errorf("step %d: ready %v, want %v", i, r, st.ready)
			}
			if got != st.frame || string(fr) != st.frame {
				t.Errorf("step %d: frame %q (after ready %q), want %q", i, got, fr, st.frame)
			}
		})
	}
}
