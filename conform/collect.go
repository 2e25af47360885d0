package conform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/sse"
	"github.com/janus-bench/janus/internal/wire"
)

// maxCapture bounds the raw bytes kept per response: enough for any answer
// the conformance prompts ask for, small enough that a runaway stream
// cannot exhaust memory.
const maxCapture = 8 << 20

// Names of the chat exchanges; evidence quotes them so that a reader knows
// which request a finding came from.
const (
	exNonStream   = "nonstream"
	exStream      = "stream"
	exStreamUsage = "stream_usage"
	exImage       = "image"
	exTools       = "tools"
	exConcurrent1 = "concurrent_1"
	exConcurrent2 = "concurrent_2"
)

// The tool offered in the tools exchange.
const toolName = "get_weather"

// unknownModel is a model id no target serves.
const unknownModel = "janus-conform-no-such-model"

// exchange is one chat completion request with everything observed about
// its response: the trace (timings, metrics, assembled answer) and the raw
// bytes, parsed again at the SSE level, for the structural checks.
type exchange struct {
	name string
	req  wire.ChatRequest
	tr   *trace.Trace
	m    trace.Metrics
	raw  []byte
	// truncated says raw stops at maxCapture, short of the response's end.
	truncated bool
	items     []sseItem
	sseErr    error
	skipped   string // why the exchange was not sent ("" when it was)
	// note says how the exchange deviated from the plan (a retry).
	note string
}

// ok reports whether the exchange got an HTTP 200 response.
func (e *exchange) ok() bool {
	return e != nil && e.skipped == "" && e.tr != nil && e.tr.Status == http.StatusOK
}

// failure describes why a sent exchange has no usable response, "" if it has
// one.
func (e *exchange) failure() string {
	switch {
	case e.tr.Status == 0 && e.tr.Err != nil:
		return fmt.Sprintf("%s: no response (%s)", e.name, e.tr.Err.Error())
	case e.tr.Status != http.StatusOK:
		return fmt.Sprintf("%s: HTTP %d: %s", e.name, e.tr.Status, clip.Bytes(e.tr.ErrorBody, 160, clip.Ellipsis))
	}
	return ""
}

// sseItem is one SSE comment or data event as the client saw it.
type sseItem struct {
	comment bool
	text    string // the comment's text
	data    []byte // the event's data
	seq     int    // 1-based number of the data event in its stream
}

// done reports whether the item is the data: [DONE] terminator.
func (it sseItem) done() bool {
	return !it.comment && bytes.Equal(bytes.TrimSpace(it.data), []byte("[DONE]"))
}

// rawResponse is a plain HTTP exchange (models, error cases), kept raw
// because its checks are about status, headers and body shape.
type rawResponse struct {
	name        string
	status      int
	contentType string
	body        []byte
	err         error
}

// evidence is everything a run collected: the input of every check.
type evidence struct {
	model     string
	wantModel string // the --model the user asked for, "" if discovered
	models    rawResponse
	chat      map[string]*exchange
	malformed []rawResponse
	unknown   rawResponse
	budgets   trace.Budgets
}

// streams returns the streamed exchanges that got HTTP 200, in request
// order.
func (ev *evidence) streams() []*exchange {
	var out []*exchange
	for _, n := range []string{exStream, exStreamUsage, exImage, exTools, exConcurrent1, exConcurrent2} {
		if e := ev.chat[n]; e.ok() {
			out = append(out, e)
		}
	}
	return out
}

// collector sends the conformance requests.
type collector struct {
	o      Options
	client *trace.Client
	hc     *http.Client
	model  string
}

// collect sends every request in a fixed order: sequential ones first so
// that their timings reflect an idle target, the concurrent pair last.
func (c *collector) collect(ctx context.Context) (*evidence, error) {
	ev := &evidence{model: c.model, wantModel: c.o.Model, chat: map[string]*exchange{}, budgets: c.o.Budgets}
	ev.models = c.raw(ctx, "models", http.MethodGet, "/models", nil, 1<<20)
	plan := []struct {
		name string
		req  func(model string) wire.ChatRequest
	}{
		{exNonStream, nonStreamRequest},
		{exStream, streamRequest},
		{exStreamUsage, streamUsageRequest},
		{exImage, imageRequest},
		{exTools, func(m string) wire.ChatRequest { return toolsRequest(m, "required") }},
		{exLength, lengthRequest},
		{exFault, faultRequest},
	}
	for _, p := range plan {
		if c.model == "" {
			ev.chat[p.name] = &exchange{name: p.name, skipped: "no model to ask: GET /v1/models listed none; pass --model"}
			continue
		}
		ev.chat[p.name] = c.do(ctx, p.name, p.req(c.model))
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("interrupted: %w", err)
		}
	}
	// Not every server implements tool_choice "required"; "auto" with an
	// explicit instruction still exercises the tool-call deltas.
	if t := ev.chat[exTools]; t.skipped == "" && t.tr.Status >= 400 && t.tr.Status < 500 {
		retry := c.do(ctx, exTools, toolsRequest(c.model, "auto"))
		retry.note = fmt.Sprintf("tool_choice \"required\" was rejected (HTTP %d: %s); retried with \"auto\"",
			t.tr.Status, clip.Bytes(t.tr.ErrorBody, 100, clip.Ellipsis))
		ev.chat[exTools] = retry
	}
	for _, m := range malformedPayloads(c.model) {
		ev.malformed = append(ev.malformed, c.raw(ctx, m.name, http.MethodPost, "/chat/completions", []byte(m.body), 64<<10))
	}
	if c.model != "" {
		ev.unknown = c.raw(ctx, "unknown_model", http.MethodPost, "/chat/completions",
			mustJSON(streamRequest(unknownModel)), 64<<10)
	}
	if c.model == "" {
		for _, n := range []string{exConcurrent1, exConcurrent2} {
			ev.chat[n] = &exchange{name: n, skipped: "no model to ask"}
		}
	} else {
		a, b := c.concurrent(ctx)
		ev.chat[exConcurrent1], ev.chat[exConcurrent2] = a, b
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	return ev, nil
}

// concurrent sends two identical streams released at the same instant.
func (c *collector) concurrent(ctx context.Context) (*exchange, *exchange) {
	var out [2]*exchange
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, name := range []string{exConcurrent1, exConcurrent2} {
		wg.Go(func() {
			<-gate
			out[i] = c.do(ctx, name, concurrentRequest(c.model))
		})
	}
	close(gate)
	wg.Wait()
	return out[0], out[1]
}

// do sends one chat request through the tracing client, capturing the raw
// response, and parses the captured bytes as SSE when the request streamed.
func (c *collector) do(ctx context.Context, name string, req wire.ChatRequest) *exchange {
	capt := &capture{max: maxCapture}
	tr := c.client.Do(ctx, req, capt)
	e := &exchange{name: name, req: req, tr: tr, m: trace.ComputeMetrics(tr), raw: capt.buf.Bytes(), truncated: capt.truncated}
	if req.Stream && tr.Status == http.StatusOK {
		e.items, e.sseErr = parseSSE(e.raw)
	}
	return e
}

// raw sends one plain HTTP request with the target's headers and key and
// keeps at most limit bytes of the body. A 200 answer to a chat request
// that should have been refused is not read: it may be a whole stream.
func (c *collector) raw(ctx context.Context, name, method, path string, body []byte, limit int64) rawResponse {
	r := rawResponse{name: name}
	timeout := c.o.Timeout
	if timeout <= 0 || timeout > time.Minute {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.o.Target, "/")+path, rd)
	if err != nil {
		r.err = fmt.Errorf("build request: %w", err)
		return r
	}
	for k, vs := range c.o.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.o.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.o.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		r.err = fmt.Errorf("%s %s: %w", method, path, unwrapURLError(err))
		return r
	}
	defer resp.Body.Close()
	r.status, r.contentType = resp.StatusCode, resp.Header.Get("Content-Type")
	if method == http.MethodPost && resp.StatusCode < 300 {
		return r
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		r.err = fmt.Errorf("read %s %s body: %w", method, path, err)
	}
	r.body = b
	return r
}

// unwrapURLError drops net/http's *url.Error wrapper, whose message repeats
// the full URL (and so any user:password in it).
func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// capture is a trace.Recorder that keeps the response body.
type capture struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

// RecordHeaders implements trace.Recorder.
func (c *capture) RecordHeaders(int, http.Header, time.Duration) {}

// RecordRead implements trace.Recorder.
func (c *capture) RecordRead(b []byte, _ time.Duration) {
	room := c.max - c.buf.Len()
	if room < len(b) {
		c.truncated = true
		b = b[:max(room, 0)]
	}
	c.buf.Write(b)
}

// parseSSE splits a captured stream into comments and data events, copying
// what the reader hands out (its slices are only valid until Next).
func parseSSE(raw []byte) ([]sseItem, error) {
	rd := sse.NewReader(bytes.NewReader(raw))
	var items []sseItem
	seq := 0
	for {
		ev, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if err != nil {
			return items, fmt.Errorf("parse event stream: %w", err)
		}
		if ev.Kind == sse.KindComment {
			items = append(items, sseItem{comment: true, text: string(ev.Comment)})
			continue
		}
		seq++
		items = append(items, sseItem{data: bytes.Clone(ev.Data), seq: seq})
	}
}

// mediaType is the media type of a Content-Type value, lower-cased.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	return mt
}

// Requests. The prompts ask for answers long enough to measure gaps and
// overlap, and invite reasoning so that reasoning_content, if the target
// has it, is checked too.

func userMsg(text string) []openai.ChatCompletionMessage {
	return []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}}
}

func nonStreamRequest(model string) wire.ChatRequest {
	return wire.ChatRequest{Model: model, Messages: userMsg("Say hello in one short sentence.")}
}

func streamRequest(model string) wire.ChatRequest {
	return wire.ChatRequest{Model: model, Stream: true,
		Messages: userMsg("Think briefly, then write three short sentences about the sea.")}
}

func streamUsageRequest(model string) wire.ChatRequest {
	r := wire.ChatRequest{Model: model, Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages: userMsg("Write two short sentences about mountains.")}
	return r
}

func concurrentRequest(model string) wire.ChatRequest {
	return wire.ChatRequest{Model: model, Stream: true,
		Messages: userMsg("Count from one to thirty in words, separated by commas.")}
}

func imageRequest(model string) wire.ChatRequest {
	return wire.ChatRequest{Model: model, Stream: true, Messages: []openai.ChatCompletionMessage{{
		Role: openai.ChatMessageRoleUser,
		MultiContent: []openai.ChatMessagePart{
			{Type: openai.ChatMessagePartTypeText, Text: "What colour is the square in the middle of this image? Answer in one word."},
			{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: imageDataURL()}},
		},
	}}}
}

func toolsRequest(model, choice string) wire.ChatRequest {
	return wire.ChatRequest{Model: model, Stream: true, ToolChoice: choice,
		Messages: userMsg("What is the weather in Paris right now? Use the " + toolName + " tool."),
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name:        toolName,
			Description: "Current weather for a city.",
			Parameters: map[string]any{
				"type":                 "object",
				"properties":           map[string]any{"city": map[string]any{"type": "string", "description": "City name"}},
				"required":             []string{"city"},
				"additionalProperties": false,
			},
		}}}}
}

// malformed is one request body a conformant server must refuse.
type malformed struct{ name, body string }

// malformedPayloads are the three ways a request body can be broken: not
// JSON at all, a required field missing, a field of the wrong type.
func malformedPayloads(model string) []malformed {
	if model == "" {
		model = "any"
	}
	m := string(mustJSON(model))
	return []malformed{
		{"invalid_json", `{"model":` + m + `,"messages":[{"role":"user","content":"hi"}`},
		{"missing_messages", `{"model":` + m + `,"stream":true}`},
		{"messages_not_array", `{"model":` + m + `,"messages":"hi","stream":true}`},
	}
}
