package trace

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// corpusFile is one stream of testdata/providers (format in its README):
// the request it answers, its headers, its body in timed segments and what
// janus must make of it.
type corpusFile struct {
	name, title string
	stream      bool
	wantUsage   bool
	header      http.Header
	segs        []corpusSeg
	violations  []string // nil: none
	content     *string
	reasoning   *string
	finish      string
	tool        string
	metrics     map[string]float64
	shape       []string      // expected shape notes (nil: none)
	headersAt   time.Duration // when the response head arrives
}

type corpusSeg struct {
	at   time.Duration
	data []byte
}

var segLine = regexp.MustCompile(`^@(\d+)$`)

// parseCorpus reads one corpus file; an error names the file and line.
func parseCorpus(path string) (*corpusFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &corpusFile{name: filepath.Base(path), header: http.Header{}, metrics: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line, body := 0, false
	for sc.Scan() {
		line++
		l := sc.Text()
		if body {
			if m := segLine.FindStringSubmatch(l); m != nil {
				ms, _ := strconv.Atoi(m[1])
				f.segs = append(f.segs, corpusSeg{at: time.Duration(ms) * time.Millisecond})
				continue
			}
			if len(f.segs) == 0 {
				return nil, fmt.Errorf("%s:%d: body before the first @ms line", path, line)
			}
			s := &f.segs[len(f.segs)-1]
			s.data = append(append(s.data, l...), '\n')
			continue
		}
		if err := f.headerLine(l); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		body = l == "---"
	}
	if !body || len(f.segs) == 0 {
		return nil, fmt.Errorf("%s: no body", path)
	}
	return f, sc.Err()
}

func (f *corpusFile) headerLine(l string) error {
	if l == "---" {
		return nil
	}
	if t, ok := strings.CutPrefix(l, "# "); ok {
		f.title = t
		return nil
	}
	k, v, ok := strings.Cut(l, ": ")
	if !ok {
		return fmt.Errorf("want key: value, got %q", l)
	}
	switch k {
	case "request":
		f.stream = strings.Contains(v, "stream")
		f.wantUsage = strings.Contains(v, "include_usage")
	case "header":
		hk, hv, _ := strings.Cut(v, ": ")
		f.header.Add(hk, hv)
	case "expect-violations":
		if v != "none" {
			f.violations = strings.Fields(v)
		}
	case "expect-content":
		f.content = &v
	case "expect-reasoning":
		f.reasoning = &v
	case "expect-finish":
		f.finish = v
	case "expect-tool":
		f.tool = v
	case "expect-shape":
		f.shape = strings.Fields(v)
	case "headers-ms":
		ms, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("headers-ms: %w", err)
		}
		f.headersAt = time.Duration(ms) * time.Millisecond
	case "expect-metric":
		for _, kv := range strings.Fields(v) {
			mk, mv, _ := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(mv, 64)
			if err != nil {
				return fmt.Errorf("expect-metric %s: %w", kv, err)
			}
			f.metrics[mk] = x
		}
	default:
		return fmt.Errorf("unknown key %q", k)
	}
	return nil
}

// corpusReplay serves a corpus file over real HTTP in lockstep with the
// client: a segment is written only once the client has read every byte
// before it, and the client's clock reads the recorded time of the last
// byte it has read. Timings are thus the file's to the nanosecond, with
// no wall clock involved.
type corpusReplay struct {
	f        *corpusFile
	ends     []int64 // cumulative end offset of each segment
	base     time.Time
	now      atomic.Int64 // ns since base
	consumed atomic.Int64
	notify   chan struct{}
}

func newCorpusReplay(f *corpusFile) *corpusReplay {
	r := &corpusReplay{f: f, base: time.Unix(1764974400, 0), notify: make(chan struct{}, 1)}
	var off int64
	for _, s := range f.segs {
		off += int64(len(s.data))
		r.ends = append(r.ends, off)
	}
	return r
}

func (r *corpusReplay) clock() time.Time { return r.base.Add(time.Duration(r.now.Load())) }

func (r *corpusReplay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	for k, vs := range r.f.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	var start int64
	for i, s := range r.f.segs {
		for r.consumed.Load() < start {
			select {
			case <-r.notify:
			case <-req.Context().Done():
				return
			}
		}
		if _, err := w.Write(s.data); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		start = r.ends[i]
	}
}

// RoundTrip hands the response body to a clockBody.
func (r *corpusReplay) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	r.now.Store(int64(r.f.headersAt))
	if err == nil {
		resp.Body = &clockBody{ReadCloser: resp.Body, r: r}
	}
	return resp, err
}

type clockBody struct {
	io.ReadCloser
	r   *corpusReplay
	off int64
}

func (b *clockBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.off += int64(n)
		i, _ := slices.BinarySearch(b.r.ends, b.off)
		b.r.now.Store(int64(b.r.f.segs[min(i, len(b.r.f.segs)-1)].at))
		b.r.consumed.Store(b.off)
		select {
		case b.r.notify <- struct{}{}:
		default:
		}
	}
	return n, err
}

func corpusFiles(t *testing.T) []*corpusFile {
	t.Helper()
	paths, err := filepath.Glob("testdata/providers/*.sse")
	if err != nil || len(paths) < 20 {
		t.Fatalf("corpus: %d files, %v", len(paths), err)
	}
	var out []*corpusFile
	for _, p := range paths {
		f, err := parseCorpus(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// TestProviderCorpus replays every corpus file through the trace client
// over HTTP with its recorded timings and checks the verdicts and metrics
// the file expects: none on a conformant provider's stream, exactly the
// expected ones on a broken one.
func TestProviderCorpus(t *testing.T) {
	for _, f := range corpusFiles(t) {
		t.Run(strings.TrimSuffix(f.name, ".sse"), func(t *testing.T) {
			rp := newCorpusReplay(f)
			srv := httptest.NewServer(rp)
			defer srv.Close()
			c := &Client{BaseURL: srv.URL + "/v1", HTTP: &http.Client{Transport: rp}, Now: rp.clock}
			req := wire.ChatRequest{Model: "m", Stream: f.stream,
				Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "What is the capital of France?"}}}
			if f.wantUsage {
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			tr := c.Do(context.Background(), req, nil)
			m := ComputeMetrics(tr)
			var got []string
			for _, v := range Violations(tr, m, DefaultBudgets()) {
				got = append(got, v.Code)
			}
			if !slices.Equal(got, f.violations) {
				t.Errorf("%s\nviolations %v, want %v: %+v\nerror %v", f.title, got, f.violations, Violations(tr, m, DefaultBudgets()), tr.Err)
			}
			if f.violations == nil && tr.Err != nil {
				t.Errorf("error %v on a conformant stream", tr.Err)
			}
			checkCorpusTrace(t, f, tr, m)
		})
	}
}

func checkCorpusTrace(t *testing.T, f *corpusFile, tr *Trace, m Metrics) {
	t.Helper()
	if f.content != nil && tr.Content != *f.content {
		t.Errorf("content %q, want %q", tr.Content, *f.content)
	}
	if f.reasoning != nil && tr.Reasoning != *f.reasoning {
		t.Errorf("reasoning %q, want %q", tr.Reasoning, *f.reasoning)
	}
	if f.finish != "" && tr.FinishReason != f.finish {
		t.Errorf("finish_reason %q, want %q", tr.FinishReason, f.finish)
	}
	if !slices.Equal(tr.Shape, f.shape) {
		t.Errorf("shape notes %v, want %v", tr.Shape, f.shape)
	}
	if f.tool != "" {
		if len(tr.ToolCalls) != 1 || tr.ToolCalls[0].Name+" "+tr.ToolCalls[0].Arguments != f.tool {
			t.Errorf("tool calls %+v, want %s", tr.ToolCalls, f.tool)
		}
	}
	for k, want := range f.metrics {
		got, ok := corpusMetric(m, k)
		if !ok || math.Abs(got-want) > 1e-6 {
			t.Errorf("%s = %v (defined %v), want %v", k, got, ok, want)
		}
	}
	if m.TTFTMs == nil && len(f.violations) == 0 {
		t.Errorf("no ttft_ms on a conformant stream")
	}
}

func corpusMetric(m Metrics, k string) (float64, bool) {
	p := map[string]*float64{"ttft_ms": m.TTFTMs, "e2e_ms": m.E2EMs, "max_gap_ms": m.MaxGapMs, "ttfb_ms": m.TTFBMs}
	if v, ok := p[k]; ok {
		if v == nil {
			return 0, false
		}
		return *v, true
	}
	switch k {
	case "output_tokens":
		return float64(m.OutputTokens), true
	case "keepalives":
		return float64(m.Keepalives), true
	case "events":
		return float64(m.Events), true
	case "reported_completion_tokens":
		if m.ReportedCompletionTokens == nil {
			return 0, false
		}
		return float64(*m.ReportedCompletionTokens), true
	case "hidden_reasoning", "tool_allowance":
		if m.UsageCheck == nil {
			return 0, false
		}
		if k == "hidden_reasoning" {
			return float64(m.UsageCheck.HiddenReasoning), true
		}
		return float64(m.UsageCheck.ToolAllowance), true
	}
	return 0, false
}

// corpusPayloads returns the data payloads of a corpus file's body.
func corpusPayloads(f *corpusFile) [][]byte {
	var body []byte
	for _, s := range f.segs {
		body = append(body, s.data...)
	}
	var out [][]byte
	for _, ev := range bytes.Split(body, []byte("\n\n")) {
		if d, ok := bytes.CutPrefix(ev, []byte("data: ")); ok && !bytes.Equal(d, []byte("[DONE]")) {
			out = append(out, d)
		}
	}
	return out
}

// TestProviderCorpusFastPath checks that every conformant provider's
// chunks take the allocation-free fast path: only chunks with usage or an
// error may fall back to encoding/json.
func TestProviderCorpusFastPath(t *testing.T) {
	for _, f := range corpusFiles(t) {
		if f.violations != nil {
			continue
		}
		t.Run(strings.TrimSuffix(f.name, ".sse"), func(t *testing.T) {
			var p fastParser
			for _, d := range corpusPayloads(f) {
				var fc fastChunk
				slow := bytes.Contains(d, []byte(`"usage":{`)) || bytes.Contains(d, []byte(`"usage": {`)) ||
					bytes.Contains(d, []byte(`"error":{`))
				if !p.parseFast(d, &fc) && !slow {
					t.Errorf("fast path refused %s", d)
				}
			}
		})
	}
}
