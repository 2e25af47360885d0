package report

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	junit "github.com/joshdk/go-junit"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

func fp(v float64) *float64 { return &v }

// richFixture is a run with every shape a writer must handle: each
// category, failed requests, wrong answers, violations, usage with and
// without cost, long and buffered streams, and ids and reasons full of
// Markdown and XML metacharacters.
func richFixture() *record.Report {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	b := trace.DefaultBudgets()
	gaps := func(n int, ms, spike float64) []float64 {
		g := make([]float64, n)
		for i := range g {
			g[i] = ms + float64(i%3)
		}
		if spike > 0 {
			g[n/2] = spike
		}
		return g
	}
	usage := func(p, c int, cost *float64) *wire.Usage {
		return &wire.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c, CostUSD: cost}
	}
	ok := func(id, cat string, score float64, ttft, e2e float64, itls []float64, u *wire.Usage, reason string, vs ...trace.Violation) record.TaskResult {
		m := trace.Metrics{TTFTMs: fp(ttft), E2EMs: fp(e2e), MaxGapMs: fp(ttft), OutputTokens: len(itls) + 1, Events: len(itls) + 2}
		if len(itls) > 0 {
			m.OutputTPS = fp(float64(len(itls)) / (e2e - ttft) * 1000)
			m.TPOTMs = fp((e2e - ttft) / float64(len(itls)))
			mx := 0.0
			for _, g := range itls {
				mx = max(mx, g)
			}
			m.MaxTokenGapMs = fp(mx)
			m.MaxGapMs = fp(max(ttft, mx))
		}
		if vs == nil {
			vs = []trace.Violation{}
		}
		return record.TaskResult{ID: id, Category: cat, Status: record.StatusOK, Score: score, Reason: reason, Stream: true,
			Metrics: m, ITLs: itls, Violations: vs, Usage: u, Budgets: b}
	}
	tasks := []record.TaskResult{
		ok("chat-capital", "quality/chat", 1, 180, 420, gaps(3, 60, 0), usage(16, 4, fp(0.00002)), `exact: answer is "paris"`),
		ok("chat-pipe|table", "quality/chat", 0, 220, 900, gaps(20, 30, 0), usage(30, 40, nil), "exact: want \"a | b\", got `a` <b>not</b>\nsecond line"),
		ok("chat-slow", "quality/chat", 1, 2600, 5200, gaps(60, 40, 0), usage(20, 60, nil), `exact: answer is "ok"`,
			trace.Violation{Code: trace.VTTFTOver, Detail: "first token after 2600 ms > 2000 ms budget"}),
		ok("code-even", "quality/code", 1, 300, 1500, gaps(40, 30, 0), usage(27, 40, fp(0.0001)), "regex: matched"),
		ok("code-wrong", "quality/code", 0.25, 310, 1700, gaps(40, 33, 0), usage(27, 40, fp(0.0001)), "weighted 0.250; failed check 2 (regex): no match"),
		ok("tool-weather", "tools", 1, 250, 600, gaps(5, 70, 0), usage(13, 8, fp(0.00002)), "tool_call: get_weather with city"),
		{ID: "tool-timeout", Category: "tools", Status: record.StatusTimeout, Reason: "request failed: timeout_first_token", Stream: true,
			Violations: []trace.Violation{{Code: trace.VTimeout, Detail: "no token within 30 s"}}, Budgets: b,
			Error: &trace.Error{Class: trace.ErrTimeoutFirstToken, Message: "no token before the first-token timeout"}},
		ok("stream-count", "streaming", 1, 150, 2400, gaps(100, 20, 2100), usage(17, 100, fp(0.00007)), "contains_all: 1 … 100",
			trace.Violation{Code: trace.VGapOver, Detail: "2100 ms without an event > 2000 ms budget"},
			trace.Violation{Code: trace.VMissingDone, Detail: "stream ended without [DONE]"}),
		ok("stream-buffered", "streaming", 1, 4000, 4002, gaps(49, 0.02, 0), usage(17, 50, fp(0.00007)), "contains_all: all there",
			trace.Violation{Code: trace.VTTFTOver, Detail: "first token after 4000 ms > 2000 ms budget"}),
		ok("vision-<color>&\"", "multimodal", 1, 400, 500, nil, usage(13, 1, nil), "one_of: red"),
		ok("cost-ack", "cost", 1, 100, 150, gaps(2, 20, 0), nil, "exact: ok",
			trace.Violation{Code: trace.VMissingUsage, Detail: "stream_options.include_usage was set but no usage chunk arrived"}),
		{ID: "cost-500", Category: "cost", Status: record.StatusError, Reason: "request failed: http_status", Stream: true,
			Metrics: trace.Metrics{E2EMs: fp(20)}, Budgets: b,
			Violations: []trace.Violation{{Code: trace.VHTTPError, Detail: "HTTP 500"}},
			Error:      &trace.Error{Class: trace.ErrHTTPStatus, Code: 500, Message: "HTTP 500: upstream exploded"}},
	}
	r := &record.Report{SchemaVersion: record.SchemaVersion, Weights: record.DefaultWeights(),
		Run: record.Run{ID: "run-rich", Status: record.RunCompleted, StartedAt: at, FinishedAt: at.Add(6 * time.Second),
			Target: "https://api.example.com/v1", Model: "model-x", Suite: record.SuiteRef{Name: "rich", Version: "2.0.0", SHA256: strings.Repeat("cd", 32), Source: "testdata"},
			Concurrency: 4, Stream: true, Budgets: b, TasksPlanned: len(tasks), HarnessVersion: "test",
			Host: record.Host{OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}},
		Tasks: tasks,
	}
	opts := scorer.Options{Weights: r.Weights, Model: r.Run.Model}
	r.Scores = scorer.ScoreWith(r.Tasks, opts)
	r.Scoring = NewScoring(opts)
	Aggregate(r)
	return r
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from %s (rerun with -update if intended):\n%s", path, got)
	}
}

func render(t *testing.T, w func(io.Writer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRichFixtureValidates(t *testing.T) {
	if err := record.Validate(render(t, record.JSON(richFixture()))); err != nil {
		t.Fatal(err)
	}
}

var svgBlock = regexp.MustCompile(`(?s)<svg .*?</svg>`)

func TestMarkdown(t *testing.T) {
	r := richFixture()
	md := render(t, Markdown(r))
	golden(t, "report.md.golden", md)
	checkTables(t, string(md))

	svgs := svgBlock.FindAll(md, -1)
	if len(svgs) != 2 {
		t.Fatalf("%d SVG charts, want 2 (TTFT histogram, gap timeline)", len(svgs))
	}
	for i, s := range svgs {
		checkXML(t, s)
		// An HTML block ends at a blank line: a chart must not contain one.
		if bytes.Contains(s, []byte("\n\n")) {
			t.Errorf("chart %d contains a blank line, which ends the HTML block", i)
		}
	}
	for _, want := range []string{"## Scores", "## Latency", "## Categories", "## Top violations", "## Slowest tasks", "Pass rate: **8 of 12**"} {
		t.Run(want, func(t *testing.T) {
			if !bytes.Contains(md, []byte(want)) {
				t.Errorf("markdown lacks %q", want)
			}
		})
	}
	summary := render(t, MarkdownSummary(r))
	checkTables(t, string(summary))
	if bytes.Contains(summary, []byte("<svg")) || !bytes.Contains(summary, []byte("## Scores")) {
		t.Error("the step summary must carry the tables and no SVG")
	}
}

// checkTables checks every pipe table in md: a header, a delimiter row of
// the same width, and rows of that width, counting only unescaped pipes
// (GFM splits cells on those, even inside code spans).
func checkTables(t *testing.T, md string) {
	t.Helper()
	cells := func(line string) int {
		n := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '|':
				n++
			}
		}
		return n - 1
	}
	lines := strings.Split(md, "\n")
	tables := 0
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "|") {
			continue
		}
		tables++
		width := cells(lines[i])
		if i+1 >= len(lines) || !regexp.MustCompile(`^\|(\s*:?-+:?\s*\|)+$`).MatchString(lines[i+1]) || cells(lines[i+1]) != width {
			t.Fatalf("table at line %d: bad delimiter row %q", i+1, lines[i+1])
		}
		if i > 0 && lines[i-1] != "" {
			t.Errorf("table at line %d does not follow a blank line", i+1)
		}
		for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
			if got := cells(lines[i]); got != width || !strings.HasSuffix(lines[i], "|") {
				t.Errorf("line %d has %d cells, want %d: %q", i+1, got, width, lines[i])
			}
		}
	}
	if tables == 0 {
		t.Fatal("no tables")
	}
}

// checkXML parses b strictly to the end.
func checkXML(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		if _, err := d.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
	}
}

func TestChartsWithoutData(t *testing.T) {
	r := fixture()
	r.Tasks[0].Metrics.TTFTMs = nil
	if TTFTHistogram(r) != "" || GapTimeline(r) != "" {
		t.Error("charts drawn without data")
	}
	if md := render(t, Markdown(r)); bytes.Contains(md, []byte("<svg")) {
		t.Error("markdown has an empty chart")
	}
}

func TestSVGThinsLongStreams(t *testing.T) {
	r := richFixture()
	long := make([]float64, 5000)
	for i := range long {
		long[i] = 10
	}
	long[4000] = 9000
	r.Tasks[0].ITLs = long
	svg := GapTimeline(r)
	checkXML(t, []byte(svg))
	pts := regexp.MustCompile(`points="([^"]*)"`).FindAllStringSubmatch(svg, -1)
	if len(pts) == 0 {
		t.Fatal("no polyline")
	}
	// Two points per kept gap: its start and its end.
	if n := len(strings.Fields(pts[0][1])); n > 2*timelinePoints {
		t.Errorf("the longest stream has %d points, want at most %d", n, 2*timelinePoints)
	}
	// The 9000 ms stall survives thinning: it sets the y axis to
	// niceCeil(9450) = 10000 and is drawn at y = 30 + 186·(1 − 0.9) = 48.6.
	if !strings.Contains(svg, ">10000</text>") || !strings.Contains(pts[0][1], ",48.6") {
		t.Error("the stall was thinned away")
	}
}

// junitShape is the common JUnit XSD shape, read back with encoding/xml.
type junitShape struct {
	XMLName xml.Name `xml:"testsuites"`
	Tests   int      `xml:"tests,attr"`
	Suites  []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	r := richFixture()
	gates := []scorer.Threshold{{Dimension: "composite", Min: 99}, {Dimension: "quality", Min: 10}}
	out := render(t, JUnit(r, gates))
	golden(t, "report.junit.golden", out)
	checkXML(t, out)

	var doc junitShape
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 2 || doc.Tests != len(r.Tasks)+2 {
		t.Fatalf("%d suites, %d tests; want 2 and %d", len(doc.Suites), doc.Tests, len(r.Tasks)+2)
	}
	tasks, th := doc.Suites[0], doc.Suites[1]
	// 2 failed requests are errors; 2 wrong answers and 4 passing answers
	// with violations are failures.
	if tasks.Tests != 12 || tasks.Errors != 2 || tasks.Failures != 6 {
		t.Errorf("task suite: %d tests, %d errors, %d failures; want 12, 2, 6", tasks.Tests, tasks.Errors, tasks.Failures)
	}
	for _, c := range tasks.Cases {
		if c.Name == "chat-pipe|table" && (c.Failure == nil || c.Failure.Type != "wrong_answer" || !strings.Contains(c.Failure.Message, "a | b")) {
			t.Errorf("wrong answer's failure must carry the evaluator's reason: %+v", c.Failure)
		}
		if c.Name == "cost-ack" && (c.Failure == nil || !strings.HasPrefix(c.Failure.Message, "missing_usage")) {
			t.Errorf("a violation's failure must name it: %+v", c.Failure)
		}
	}
	if th.Tests != 2 || th.Failures != 1 || th.Cases[0].Failure == nil || th.Cases[1].Failure != nil {
		t.Errorf("threshold suite: %+v; want composite failing, quality passing", th)
	}

	// A real JUnit consumer reads it the same way.
	suites, err := junit.Ingest(out)
	if err != nil {
		t.Fatalf("go-junit: %v", err)
	}
	var errs, fails, total int
	for _, s := range suites {
		total += s.Totals.Tests
		errs += s.Totals.Error
		fails += s.Totals.Failed
	}
	if total != 14 || errs != 2 || fails != 7 {
		t.Errorf("go-junit read %d tests, %d errors, %d failures; want 14, 2, 7", total, errs, fails)
	}
	if out := render(t, JUnit(r, nil)); bytes.Contains(out, []byte("janus.thresholds")) {
		t.Error("no thresholds, yet a threshold suite")
	}
}

func TestCSV(t *testing.T) {
	r := richFixture()
	out := render(t, CSV(r))
	golden(t, "tasks.csv.golden", out)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Tasks)+1 {
		t.Fatalf("%d rows, want a header and %d tasks", len(rows), len(r.Tasks))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, row := range rows[1:] {
		tk := r.Tasks[i]
		if row[col["id"]] != tk.ID || row[col["reason"]] != tk.Reason {
			t.Errorf("row %d: id %q reason %q, want %q %q", i, row[col["id"]], row[col["reason"]], tk.ID, tk.Reason)
		}
	}
	// Reported cost, priced tokens (30·0.5/1M + 40·1.5/1M) and no usage.
	want := map[string][2]string{"chat-capital": {"0.00002", "reported"}, "chat-pipe|table": {"0.000075", "priced"}, "cost-ack": {"", ""}}
	for _, row := range rows[1:] {
		if w, ok := want[row[col["id"]]]; ok && (row[col["cost_usd"]] != w[0] || row[col["cost_source"]] != w[1]) {
			t.Errorf("%s: cost %q source %q, want %q %q", row[0], row[col["cost_usd"]], row[col["cost_source"]], w[0], w[1])
		}
	}
}

func TestWriterAndParseOutputs(t *testing.T) {
	r := fixture()
	for _, f := range Formats {
		w, err := Writer(f, r, nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		render(t, w)
	}
	if _, err := Writer("pdf", r, nil); err == nil {
		t.Error("Writer accepted an unknown format")
	}
	cases := []struct {
		in      []string
		n       int
		errPart string // substring of the error; "" means no error
	}{
		{[]string{"md=report.md", "junit=report.xml", "csv=tasks.csv"}, 3, ""}, // the documented trio
		{[]string{" MD = a.md "}, 1, ""},                                       // spaces and case tolerated
		{[]string{"md=a.md", "md=b.md"}, 2, ""},                                // one format, two files
		{[]string{"report.md"}, 0, "FORMAT=PATH"},                              // no format
		{[]string{"md="}, 0, "FORMAT=PATH"},                                    // no path
		{[]string{"pdf=a.pdf"}, 0, `unknown format "pdf"`},                     // unknown format
		{[]string{"md=a", "csv=a"}, 0, "already an output"},                    // two formats into one file
	}
	for _, c := range cases {
		t.Run(c.errPart, func(t *testing.T) {
			got, err := ParseOutputs(c.in)
			if c.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.errPart) {
					t.Errorf("ParseOutputs(%q) err = %v, want containing %q", c.in, err, c.errPart)
				}
				return
			}
			if err != nil || len(got) != c.n {
				t.Errorf("ParseOutputs(%q) = %v, %v", c.in, got, err)
			}
		})
	}
}
