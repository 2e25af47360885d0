package container

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/conform"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/wire"
)

// Ids of the container contract checks (conform --image, image check).
const (
	CheckReady       = "image.ready"
	CheckHealth      = "image.health"
	CheckHealthInfo  = "image.health_fields"
	CheckConcurrency = "image.concurrency"
	CheckLongRequest = "image.long_request"
)

// ContractReady is the platform's readiness limit.
const ContractReady = 30 * time.Second

// LongRequest is how long a request the platform lets run: a container
// must not cut one before it.
const LongRequest = 5 * time.Minute

// CheckOptions configure the container contract checks.
type CheckOptions struct {
	// Model is sent in the chat requests.
	Model string
	// APIKey and Header are sent with every request.
	APIKey string
	Header http.Header
	// Long adds the 5-minute request check (it takes over five minutes).
	Long bool
}

// Check runs the container contract checks against a ready container:
// readiness time, /health shape, two long streams served at once, and,
// with o.Long, a 5-minute request not cut.
func Check(ctx context.Context, c *Container, o CheckOptions) []conform.Result {
	// The container is untrusted: its redirects are never followed.
	hc := &http.Client{CheckRedirect: trace.NoRedirects}
	defer hc.CloseIdleConnections()
	out := []conform.Result{checkReady(c.Ready)}
	out = append(out, checkHealth(ctx, hc, c.HealthURL)...)
	out = append(out, checkConcurrency(ctx, hc, c.BaseURL, o))
	if o.Long {
		out = append(out, checkLong(ctx, hc, c.BaseURL, o))
	}
	return out
}

func checkReady(ready time.Duration) conform.Result {
	r := conform.Result{ID: CheckReady, Level: conform.Required,
		Title: "GET /health says {\"status\":\"ok\"} within 30 s of the container's start"}
	if ready <= ContractReady {
		r.Status, r.Evidence = conform.Pass, fmt.Sprintf("ready in %d ms (limit 30 s)", ready.Milliseconds())
	} else {
		r.Status, r.Evidence = conform.Fail, fmt.Sprintf("ready only after %d ms: the platform stops waiting at 30 s", ready.Milliseconds())
	}
	return r
}

// checkHealth checks GET /health: 200, a JSON object, "status": "ok"
// (required), and the fields the reference baseline adds (info).
func checkHealth(ctx context.Context, hc *http.Client, url string) []conform.Result {
	shape := conform.Result{ID: CheckHealth, Level: conform.Required,
		Title: "GET /health answers 200 with a JSON object whose \"status\" is \"ok\""}
	info := conform.Result{ID: CheckHealthInfo, Level: conform.Recommended,
		Title: "GET /health is served as application/json and names \"version\" and \"uptime_seconds\", as the reference baseline does"}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := hc.Do(req)
	if err != nil {
		shape.Status, shape.Evidence = conform.Fail, "GET /health: "+err.Error()
		info.Status, info.Evidence = conform.Skip, "no answer"
		return []conform.Result{shape, info}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var obj map[string]any
	jerr := json.Unmarshal(body, &obj)
	switch {
	case resp.StatusCode != http.StatusOK:
		shape.Status, shape.Evidence = conform.Fail, fmt.Sprintf("HTTP %d: %q", resp.StatusCode, clip.Bytes(string(body), 120, clip.Ellipsis))
	case jerr != nil || obj == nil:
		shape.Status, shape.Evidence = conform.Fail, fmt.Sprintf("body is not a JSON object: %q", clip.Bytes(string(body), 120, clip.Ellipsis))
	case obj["status"] != "ok":
		shape.Status, shape.Evidence = conform.Fail, fmt.Sprintf("$.status is %s, want \"ok\"", jsonText(obj["status"]))
	default:
		shape.Status, shape.Evidence = conform.Pass, fmt.Sprintf("HTTP 200 %s", clip.Bytes(string(bytes.TrimSpace(body)), 120, clip.Ellipsis))
	}
	if shape.Status != conform.Pass {
		info.Status, info.Evidence = conform.Skip, "the health answer itself is wrong"
		return []conform.Result{shape, info}
	}
	var missing []string
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/json" {
		missing = append(missing, fmt.Sprintf("Content-Type %q", resp.Header.Get("Content-Type")))
	}
	for _, k := range []string{"version", "uptime_seconds"} {
		if _, ok := obj[k]; !ok {
			missing = append(missing, "no $."+k)
		}
	}
	if len(missing) == 0 {
		info.Status, info.Evidence = conform.Pass, fmt.Sprintf("version %s, uptime_seconds %s", jsonText(obj["version"]), jsonText(obj["uptime_seconds"]))
	} else {
		info.Status, info.Evidence = conform.Fail, strings.Join(missing, "; ")
	}
	return []conform.Result{shape, info}
}

func jsonText(v any) string {
	if v == nil {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return clip.Bytes(string(b), 60, clip.Ellipsis)
}

// streamTiming is one stream's shape as the checks see it.
type streamTiming struct {
	start, first, end time.Time // request sent, first output (content, reasoning or a tool call), [DONE] or EOF
	done              bool      // ended with data: [DONE]
	events            int
	status            int
	err               error
	// maxGap is the longest silence on the wire between the response
	// headers and the end: any SSE line (data or a ": keep-alive" comment)
	// ends a silence, as the streaming contract says. maxGapAt is when
	// that silence ended, from start; keepAlives counts comment lines.
	maxGap, maxGapAt time.Duration
	keepAlives       int
}

// The reference sim's pacing metadata keys (baseline.MetaPaceTTFTms and
// MetaPaceTokenMs; TestSimPaceKeys checks they agree): the checks ask the
// baseline image to pace itself, and another image ignores them. Spelled
// here so container does not link the sim.
const (
	metaPaceTTFTms  = "sim_pace_ttft_ms"
	metaPaceTokenMs = "sim_pace_token_ms"
)

// longPrompt asks for a long answer, so that two streams last long enough
// to overlap on any competitor that serves them at once.
const longPrompt = "Count from 1 to 200 in English words, one number per line, and nothing else."

// stream sends one streaming request and times it. meta is added as
// request metadata (the reference baseline's sim reads its pace there;
// other competitors ignore it).
func stream(ctx context.Context, hc *http.Client, base string, o CheckOptions, meta map[string]string, release <-chan struct{}) streamTiming {
	return streamPrompt(ctx, hc, base, o, meta, release, longPrompt, 2048)
}

// streamPrompt is stream with its own prompt and token limit. The request
// goes through trace.Client, the benchmark's own, so what counts as the
// first output, the end and a silence on the wire is what a run measures;
// its timeouts are ctx's (a check bounds its own wait).
func streamPrompt(ctx context.Context, hc *http.Client, base string, o CheckOptions, meta map[string]string, release <-chan struct{}, prompt string, maxTokens int) streamTiming {
	limit := LongRequest + 2*time.Minute
	if d, ok := ctx.Deadline(); ok {
		limit = time.Until(d)
	}
	client := &trace.Client{BaseURL: base, APIKey: o.APIKey, Header: o.Header, HTTP: hc, Timeout: limit, TTFTTimeout: limit}
	md := make(map[string]any, len(meta))
	for k, v := range meta {
		md[k] = v
	}
	req := wire.ChatRequest{Model: o.Model, Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		MaxTokens: &maxTokens, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}, Metadata: md}
	if release != nil {
		<-release
	}
	return timing(client.Do(ctx, req, nil))
}

// timing reads a stream's shape off its trace.
func timing(tr *trace.Trace) streamTiming {
	at := func(ns int64) time.Time { return tr.Start.Add(time.Duration(ns)) }
	m := trace.ComputeMetrics(tr)
	t := streamTiming{start: tr.Start, done: tr.DoneNs >= 0, status: tr.Status, events: m.Events, keepAlives: m.Keepalives}
	if t.done {
		t.events-- // the [DONE] line is the end, not an event
		t.end = at(tr.DoneNs)
	} else {
		t.end = at(tr.EndNs)
	}
	if tr.FirstTokenNs >= 0 {
		t.first = at(tr.FirstTokenNs)
	}
	switch {
	case tr.Status != 0 && tr.Status != http.StatusOK:
		t.err = fmt.Errorf("HTTP %d", tr.Status)
	case tr.Err != nil:
		t.err = tr.Err
	}
	if m.MaxGapMs != nil {
		t.maxGap = time.Duration(math.Round(*m.MaxGapMs * float64(time.Millisecond)))
		t.maxGapAt = gapEnd(tr, t.maxGap)
	}
	return t
}

// gapEnd is when (from the start) the silence of length gap ended: the
// first kept event up to [DONE] that long after the one before it (the
// response head for the first), else the stream's end (the tail of a
// stream that was cut, or a silence among events not kept).
func gapEnd(tr *trace.Trace, gap time.Duration) time.Duration {
	prev := tr.HeadersNs
	for _, e := range tr.Events {
		if e.Kind == trace.KindAfterDone {
			break
		}
		if time.Duration(e.AtNs-prev) >= gap {
			return time.Duration(e.AtNs)
		}
		prev = e.AtNs
		if e.Kind == trace.KindDone {
			break
		}
	}
	return time.Duration(tr.EndNs)
}

// minOverlapStream is how long each stream must run, from its first
// content to its end, for "they did not overlap" to prove serial service.
const minOverlapStream = 100 * time.Millisecond

// checkConcurrency releases two identical long streams at once and checks
// that they were served at the same time: each produced output before the
// other ended.
func checkConcurrency(ctx context.Context, hc *http.Client, base string, o CheckOptions) conform.Result {
	r := conform.Result{ID: CheckConcurrency, Level: conform.Required,
		Title: "two long streams sent at once are served at once (their outputs overlap in time): the platform sends at least 2 concurrent requests"}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	release := make(chan struct{})
	var wg sync.WaitGroup
	var ts [2]streamTiming
	// The sim paces itself from metadata: 40 ms a token keeps its
	// streams long enough to overlap plainly.
	meta := map[string]string{metaPaceTokenMs: "40"}
	for i := range ts {
		wg.Add(1)
		go func() { defer wg.Done(); ts[i] = stream(ctx, hc, base, o, meta, release) }()
	}
	close(release)
	wg.Wait()
	for i, t := range ts {
		if t.err != nil || !t.done || t.first.IsZero() {
			why := "ended without data: [DONE]"
			if t.err != nil {
				why = t.err.Error()
			} else if t.first.IsZero() {
				why = "no content"
			}
			r.Status, r.Evidence = conform.Fail, fmt.Sprintf("stream %d of 2 failed: %s", i+1, why)
			return r
		}
	}
	rel := func(t time.Time) string { return fmt.Sprintf("%d ms", t.Sub(ts[0].start).Milliseconds()) }
	lateFirst, earlyEnd := ts[0].first, ts[0].end
	if ts[1].first.After(lateFirst) {
		lateFirst = ts[1].first
	}
	if ts[1].end.Before(earlyEnd) {
		earlyEnd = ts[1].end
	}
	overlap := earlyEnd.Sub(lateFirst)
	shorter := min(ts[0].end.Sub(ts[0].first), ts[1].end.Sub(ts[1].first))
	ev := fmt.Sprintf("first output at %s and %s, ends at %s and %s", rel(ts[0].first), rel(ts[1].first), rel(ts[0].end), rel(ts[1].end))
	switch {
	// Served at once, the streams overlap for about the shorter one's
	// length; served one after the other, by nothing but the jitter
	// between reading one's end and the other's start. Half the shorter
	// stream tells the two apart on a loaded machine.
	case overlap > 0 && overlap >= shorter/2:
		r.Status, r.Evidence = conform.Pass, fmt.Sprintf("outputs overlapped %d ms: %s", overlap.Milliseconds(), ev)
	case ts[0].end.Sub(ts[0].first) < minOverlapStream && ts[1].end.Sub(ts[1].first) < minOverlapStream:
		r.Status, r.Evidence = conform.Skip, "inconclusive: both streams took under 100 ms, too short to overlap; "+ev
	default:
		r.Status, r.Evidence = conform.Fail, fmt.Sprintf("served one after the other: the outputs overlapped %d ms, under half the shorter stream (%d ms); %s",
			max(overlap, 0).Milliseconds(), shorter.Milliseconds(), ev)
	}
	return r
}

// longRequestPrompt asks any model for an answer long enough to keep a
// stream open for minutes.
const longRequestPrompt = "Write a detailed, 6,000-word technical history of the telegraph, in numbered sections of about 500 words each. Do not stop early and do not summarise."

// LongGapBudget is the longest silence the long-request check allows: the
// streaming contract's gap budget, keep-alive comments counting as output.
const LongGapBudget = 2 * time.Second

// checkLong holds one long stream open, for up to five minutes and a
// half, and measures it on the wire, whatever the image is: it must end
// with data: [DONE], not be cut, and never fall silent for more than
// LongGapBudget (a ": keep-alive" comment ends a silence). The prompt asks
// any model for thousands of words; the reference sim, which does not
// write essays, is also asked through its pacing metadata for a 5-minute
// first token, which it bridges with keep-alives. The evidence says how
// long the stream lasted, so a competitor that answered in less than five
// minutes is not claimed to hold a 5-minute request.
func checkLong(ctx context.Context, hc *http.Client, base string, o CheckOptions) conform.Result {
	r := conform.Result{ID: CheckLongRequest, Level: conform.Required,
		Title: "a long request is not cut by the container and never silent over 2 s (keep-alives count); the platform's request timeout is 5 minutes"}
	ctx, cancel := context.WithTimeout(ctx, LongRequest+2*time.Minute)
	defer cancel()
	meta := map[string]string{metaPaceTTFTms: fmt.Sprint((LongRequest + 5*time.Second).Milliseconds()), metaPaceTokenMs: "20"}
	t := streamPrompt(ctx, hc, base, o, meta, nil, longRequestPrompt, 16384)
	return judgeLong(r, t)
}

// judgeLong turns a long stream's timing into the check's verdict.
func judgeLong(r conform.Result, t streamTiming) conform.Result {
	d := t.end.Sub(t.start)
	silence := fmt.Sprintf("longest silence %s ending at %s, %d keep-alives, %d events",
		t.maxGap.Round(time.Millisecond), t.maxGapAt.Round(time.Millisecond), t.keepAlives, t.events)
	switch {
	case t.status != 0 && t.status != http.StatusOK:
		r.Status, r.Evidence = conform.Fail, fmt.Sprintf("HTTP %d", t.status)
	case !t.done:
		why := "the stream ended without data: [DONE]"
		if t.err != nil {
			why = t.err.Error()
		}
		r.Status, r.Evidence = conform.Fail, fmt.Sprintf("cut after %s: %s; %s", d.Round(time.Second), why, silence)
	case t.maxGap > LongGapBudget:
		r.Status, r.Evidence = conform.Fail, fmt.Sprintf("silent for %s (budget %s; send \": keep-alive\" comments while working): %s",
			t.maxGap.Round(time.Millisecond), LongGapBudget, silence)
	case d < LongRequest:
		r.Status, r.Evidence = conform.Pass, fmt.Sprintf("completed with [DONE] after %s, before 5 minutes (the answer was shorter; not cut, never silent over %s): %s",
			d.Round(time.Second), LongGapBudget, silence)
	default:
		r.Status, r.Evidence = conform.Pass, fmt.Sprintf("completed with [DONE] after %s: %s", d.Round(time.Second), silence)
	}
	return r
}
