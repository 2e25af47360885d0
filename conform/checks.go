package conform

import (
	"bytes"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/clip"
)

// check is one rule: an id that never changes meaning, how much it
// matters, a one-line statement of the rule and why it exists, and the
// function that judges the collected evidence.
type check struct {
	ID    string
	Level Level
	Title string
	run   func(*evidence) verdict
}

// verdict is what a check found. A check reports Fail for "the rule is
// broken"; Run turns that into WARN for checks that are not Required.
type verdict struct {
	status   Status
	evidence string
}

func pass(format string, args ...any) verdict { return verdict{Pass, fmt.Sprintf(format, args...)} }
func fail(format string, args ...any) verdict { return verdict{Fail, fmt.Sprintf(format, args...)} }
func warn(format string, args ...any) verdict { return verdict{Warn, fmt.Sprintf(format, args...)} }
func skip(format string, args ...any) verdict { return verdict{Skip, fmt.Sprintf(format, args...)} }

// catalogue is every check in report order. IDs are stable: scripts and CI
// allow-lists refer to them.
var catalogue = []check{
	{"models.list", Required,
		`GET /v1/models answers {"object":"list","data":[{"id","object":"model"}…]}: clients, and janus, discover the model id there`,
		checkModels},
	{"chat.nonstream", Required,
		"stream:false gets one chat.completion JSON (id, object, created, model, choices[0].message, finish_reason, usage): stream is optional in the OpenAI API",
		checkNonStream},
	{"stream.content_type", Required,
		"stream:true is answered 200 with Content-Type text/event-stream: SSE clients refuse anything else",
		checkContentType},
	{"stream.envelope", Required,
		"every data event is a chat.completion.chunk with id, object, created, model and choices[].delta: the envelope OpenAI SDKs parse",
		checkEnvelope},
	{"stream.done", Required,
		"every stream ends with data: [DONE] and nothing after it: clients stop reading there, and a stream without it looks cut off",
		checkDone},
	{"stream.finish_reason", Recommended,
		"a choice carries finish_reason (stop, length, tool_calls, content_filter) before [DONE]: it tells a complete answer from a truncated one",
		checkFinishReason},
	{"stream.usage", Required,
		"with stream_options.include_usage the last chunk before [DONE] has choices [] and usage with total = prompt + completion: janus prices answers from it",
		checkUsage},
	{"stream.no_usage", Required,
		"without include_usage no chunk carries usage: clients that did not ask for it do not expect the extra chunk",
		checkNoUsage},
	{"ending.length", Required,
		"a stream cut by max_tokens still ends with finish_reason (\"length\"), the usage chunk asked for and [DONE]: usage and finish on every ending (docs/STREAMING.md)",
		checkEndingLength},
	{"ending.error", Required,
		"a stream that fails after it started ends with an error event {\"error\":{message,type},\"status\"}, finish_reason (\"error\"), the usage chunk asked for and [DONE] (docs/STREAMING.md)",
		checkEndingError},
	{"stream.ttft", Required,
		"the first token (content, reasoning or tool call) arrives within the TTFT budget (streaming contract: 2 s)",
		checkTTFT},
	{"stream.max_gap", Required,
		"no silence between SSE events is longer than the gap budget, keep-alives counting (streaming contract: 2 s)",
		checkMaxGap},
	{"stream.keepalive", Info,
		`keep-alives, when sent, are SSE comment frames (": ping") that every client skips and that count as stream activity`,
		checkKeepAlive},
	{"input.image", Required,
		"a user message with text and image_url parts (a 64×64 PNG data URL) is accepted and answered: multimodal input is part of the contract",
		checkImage},
	{"errors.malformed", Required,
		`a malformed body (bad JSON, no messages, messages not an array) gets a 4xx with an OpenAI error JSON {"error":{"message","type"}}`,
		checkMalformed},
	{"errors.unknown_model", Recommended,
		"an unknown model gets 404 with an OpenAI error (model_not_found), as OpenAI answers: a typo should not be served silently",
		checkUnknownModel},
	{"ext.reasoning_content", Required,
		"when present, choices[].delta.reasoning_content (and message.reasoning_content) is a string: the Janus reasoning extension",
		checkReasoning},
	{"ext.janus_events", Required,
		`when present, choices[].delta.janus is {"event": string, "payload": object}: the Janus structured event extension`,
		checkJanusEvents},
	{"ext.artifacts", Required,
		"when present, artifacts are arrays of {id, type, url, …} descriptors with a usable URL and valid mime_type, size_bytes and sha256",
		checkArtifacts},
	{"tools.called", Recommended,
		"offered one function tool with tool_choice required, the model calls it",
		checkToolsCalled},
	{"tools.arguments", Required,
		"streamed tool-call deltas carry index, the first one id and function.name, and the argument fragments assemble to a JSON object",
		checkToolArguments},
	{"concurrency.streams", Required,
		"two streams sent at once are served at once, both producing tokens at the same time: benchmarks run requests concurrently",
		checkConcurrency},
}

// knownFinish are the finish reasons OpenAI clients understand.
var knownFinish = []string{"stop", "length", "tool_calls", "content_filter", "function_call"}

// knownJanusEvents are the structured events the streaming contract names.
var knownJanusEvents = []string{"tool_start", "tool_end", "sandbox_start", "sandbox_end"}

// chunk is one decoded data event of a stream.
type chunk struct {
	seq int
	raw []byte
	obj map[string]any // nil when the data is not a JSON object
}

// chunks returns a stream's data events before [DONE], decoded where they
// are JSON objects (the envelope check reports the others).
func (e *exchange) chunks() []chunk {
	var out []chunk
	for _, it := range e.items {
		if it.comment {
			continue
		}
		if it.done() {
			break
		}
		c := chunk{seq: it.seq, raw: it.data}
		if v, err := decodeJSON(it.data); err == nil {
			c.obj, _ = v.(map[string]any)
		}
		out = append(out, c)
	}
	return out
}

// deltas calls f with every choice delta of the chunk that is an object.
func (c chunk) deltas(f func(path string, d map[string]any)) {
	choices, _ := c.obj["choices"].([]any)
	for i, ch := range choices {
		co, ok := ch.(map[string]any)
		if !ok {
			continue
		}
		if d, ok := co["delta"].(map[string]any); ok {
			f(idx("$.choices", i)+".delta", d)
		}
	}
}

// finishReason is the last non-empty string finish_reason among the
// chunk's choices ("" when none sets one).
func (c chunk) finishReason() string {
	found := ""
	choices, _ := c.obj["choices"].([]any)
	for _, ch := range choices {
		if co, ok := ch.(map[string]any); ok {
			if s, ok := co["finish_reason"].(string); ok && s != "" {
				found = s
			}
		}
	}
	return found
}

// where names a finding's location: the exchange and the event number.
func where(e *exchange, c chunk) string { return fmt.Sprintf("%s event #%d", e.name, c.seq) }

// needStreams returns the streams that answered 200, or the verdict to
// give when there are none: a skip when nothing could be asked, else a
// failure naming why the plain stream request failed.
func needStreams(ev *evidence) ([]*exchange, *verdict) {
	core := ev.chat[exStream]
	if core.skipped != "" {
		v := skip("%s", core.skipped)
		return nil, &v
	}
	s := ev.streams()
	if len(s) == 0 {
		v := fail("no stream to check: %s", core.failure())
		return nil, &v
	}
	return s, nil
}

func checkModels(ev *evidence) verdict {
	r := ev.models
	switch {
	case r.err != nil:
		return fail("GET /v1/models: %v", r.err)
	case r.status != http.StatusOK:
		return fail("GET /v1/models: HTTP %d%s", r.status, bodyNote(r.body))
	case mediaType(r.contentType) != "application/json":
		return fail("GET /v1/models: Content-Type %q, want application/json", r.contentType)
	}
	v, err := decodeJSON(r.body)
	if err != nil {
		return fail("GET /v1/models: body %v: %s", err, sample(r.body))
	}
	o, err := asObject(v, "$")
	if err == nil {
		err = constField(o, "$", "object", "list")
	}
	var data []any
	if err == nil {
		data, err = arrayField(o, "$", "data")
	}
	if err != nil {
		return fail("GET /v1/models: %v", err)
	}
	if len(data) == 0 {
		return fail("GET /v1/models: $.data is empty: a client has no model to pick")
	}
	var ids []string
	for i, d := range data {
		p := idx("$.data", i)
		m, err := asObject(d, p)
		var id string
		if err == nil {
			id, err = stringField(m, p, "id", true)
		}
		if err == nil {
			err = constField(m, p, "object", "model")
		}
		if err != nil {
			return fail("GET /v1/models: %v", err)
		}
		ids = append(ids, id)
	}
	if ev.wantModel != "" && !slices.Contains(ids, ev.wantModel) {
		return warn("GET /v1/models lists %s but not the --model %q under test", listSome(ids), ev.wantModel)
	}
	return pass("%d model(s): %s", len(ids), listSome(ids))
}

func checkNonStream(ev *evidence) verdict {
	e := ev.chat[exNonStream]
	if e.skipped != "" {
		return skip("%s", e.skipped)
	}
	if f := e.failure(); f != "" {
		return fail("%s", f)
	}
	if mt := mediaType(e.tr.ContentType); mt != "application/json" {
		return fail("stream:false answered with Content-Type %q, want application/json; body %s", e.tr.ContentType, sample(e.raw))
	}
	v, err := decodeJSON(e.raw)
	if err != nil {
		return fail("body %v: %s", err, sample(e.raw))
	}
	s, err := completionShape(v)
	if err != nil {
		return fail("%v", err)
	}
	return pass("%s", s)
}

// completionShape checks a chat.completion body and summarises it.
func completionShape(v any) (string, error) {
	o, err := asObject(v, "$")
	if err != nil {
		return "", err
	}
	if _, err := stringField(o, "$", "id", true); err != nil {
		return "", err
	}
	if err := constField(o, "$", "object", "chat.completion"); err != nil {
		return "", err
	}
	if _, err := intField(o, "$", "created"); err != nil {
		return "", err
	}
	if _, err := stringField(o, "$", "model", true); err != nil {
		return "", err
	}
	choices, err := arrayField(o, "$", "choices")
	if err != nil {
		return "", err
	}
	if len(choices) == 0 {
		return "", shapef("$.choices", "empty")
	}
	const p = "$.choices[0]"
	c0, err := asObject(choices[0], p)
	if err != nil {
		return "", err
	}
	if _, err := intField(c0, p, "index"); err != nil {
		return "", err
	}
	msg, err := objectField(c0, p, "message")
	if err != nil {
		return "", err
	}
	if err := constField(msg, p+".message", "role", "assistant"); err != nil {
		return "", err
	}
	content, hasContent, err := optString(msg, p+".message", "content")
	if err != nil {
		return "", err
	}
	if calls, _ := msg["tool_calls"].([]any); !hasContent && len(calls) == 0 {
		return "", shapef(p+".message.content", "missing or null, and no tool_calls")
	}
	fr, err := stringField(c0, p, "finish_reason", true)
	if err != nil {
		return "", err
	}
	if !slices.Contains(knownFinish, fr) {
		return "", shapef(p+".finish_reason", "%q is not one of %s", fr, strings.Join(knownFinish, ", "))
	}
	if !present(o, "usage") {
		return "", shapef("$.usage", "missing or null")
	}
	pt, ct, tt, err := usageShape(o["usage"], "$.usage")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("chat.completion, finish_reason %q, usage %d+%d=%d, content %q", fr, pt, ct, tt, clip.Bytes(content, 50, clip.Ellipsis)), nil
}

func checkContentType(ev *evidence) verdict {
	core := ev.chat[exStream]
	if core.skipped != "" {
		return skip("%s", core.skipped)
	}
	if f := core.failure(); f != "" {
		return fail("%s", f)
	}
	streams := ev.streams()
	for _, e := range streams {
		if mt := mediaType(e.tr.ContentType); mt != "text/event-stream" {
			return fail("%s: Content-Type %q, want text/event-stream", e.name, e.tr.ContentType)
		}
	}
	return pass("text/event-stream on all %d streams", len(streams))
}

func checkEnvelope(ev *evidence) verdict {
	streams, v := needStreams(ev)
	if v != nil {
		return *v
	}
	n := 0
	for _, e := range streams {
		if e.sseErr != nil {
			return fail("%s: %v", e.name, e.sseErr)
		}
		cs := e.chunks()
		if len(cs) == 0 {
			return fail("%s: no data events before [DONE] (%d bytes: %s)", e.name, len(e.raw), sample(e.raw))
		}
		for _, c := range cs {
			if err := chunkShape(c.raw); err != nil {
				return fail("%s: %v; data: %s", where(e, c), err, sample(c.raw))
			}
		}
		n += len(cs)
	}
	return pass("%d chunks in %d streams, all chat.completion.chunk envelopes", n, len(streams))
}

// chunkShape checks one data event against the chunk envelope.
func chunkShape(data []byte) error {
	v, err := decodeJSON(data)
	if err != nil {
		return err
	}
	o, err := asObject(v, "$")
	if err != nil {
		return err
	}
	if present(o, "error") {
		msg := ""
		if eo, ok := o["error"].(map[string]any); ok {
			msg, _ = eo["message"].(string)
		}
		return shapef("$.error", "an error object in the stream: %q", clip.Bytes(msg, 80, clip.Ellipsis))
	}
	if _, err := stringField(o, "$", "id", true); err != nil {
		return err
	}
	if err := constField(o, "$", "object", "chat.completion.chunk"); err != nil {
		return err
	}
	if _, err := intField(o, "$", "created"); err != nil {
		return err
	}
	if _, err := stringField(o, "$", "model", true); err != nil {
		return err
	}
	choices, err := arrayField(o, "$", "choices")
	if err != nil {
		return err
	}
	if len(choices) == 0 && !present(o, "usage") {
		return shapef("$.choices", "empty in a chunk without usage; clients read choices[0]")
	}
	for i, ch := range choices {
		p := idx("$.choices", i)
		co, err := asObject(ch, p)
		if err != nil {
			return err
		}
		if _, err := intField(co, p, "index"); err != nil {
			return err
		}
		d, err := objectField(co, p, "delta")
		if err != nil {
			return err
		}
		for _, k := range []string{"role", "content"} {
			if _, _, err := optString(d, p+".delta", k); err != nil {
				return err
			}
		}
		if _, _, err := optString(co, p, "finish_reason"); err != nil {
			return err
		}
	}
	return nil
}

func checkDone(ev *evidence) verdict {
	streams, v := needStreams(ev)
	if v != nil {
		return *v
	}
	var after []string
	comment := ""
	for _, e := range streams {
		at, data := -1, 0
		for i, it := range e.items {
			if it.done() {
				at = i
				break
			}
			if !it.comment {
				data++
			}
		}
		if at < 0 {
			why := ""
			switch {
			case e.truncated:
				why = fmt.Sprintf(" (janus kept only the first %d bytes)", maxCapture)
			case e.tr.Err != nil:
				why = " (" + e.tr.Err.Error() + ")"
			}
			return fail("%s: the stream ended after %d data event(s) without data: [DONE]%s", e.name, data, why)
		}
		for _, it := range e.items[at+1:] {
			if !it.comment {
				return fail("%s: %s: data after [DONE]: %s", e.name, trace.VDataAfterDone, sample(it.data))
			}
			if comment == "" {
				comment = ": " + it.text
			}
			if !slices.Contains(after, e.name) {
				after = append(after, e.name)
			}
		}
	}
	if len(after) > 0 {
		return warn("every stream ends with data: [DONE], but a comment such as %q follows it in %s", clip.Bytes(comment, 30, clip.Ellipsis), listSome(after))
	}
	return pass("all %d streams end with data: [DONE] and nothing after it", len(streams))
}

func checkFinishReason(ev *evidence) verdict {
	streams, v := needStreams(ev)
	if v != nil {
		return *v
	}
	seen := map[string]bool{}
	for _, e := range streams {
		found := ""
		for _, c := range e.chunks() {
			if f := c.finishReason(); f != "" {
				found = f
			}
		}
		if found == "" {
			return fail("%s: no choice carried a finish_reason before [DONE]", e.name)
		}
		if !slices.Contains(knownFinish, found) {
			return fail("%s: finish_reason %q is not one of %s", e.name, found, strings.Join(knownFinish, ", "))
		}
		seen[found] = true
	}
	return pass("every stream carried a finish_reason (%s)", strings.Join(slices.Sorted(maps.Keys(seen)), ", "))
}

func checkUsage(ev *evidence) verdict {
	e := ev.chat[exStreamUsage]
	if e.skipped != "" {
		return skip("%s", e.skipped)
	}
	if f := e.failure(); f != "" {
		return fail("%s", f)
	}
	cs := e.chunks()
	var with []int
	for i, c := range cs {
		if present(c.obj, "usage") {
			with = append(with, i)
		}
	}
	switch {
	case len(with) == 0:
		return fail("%s: %s: stream_options.include_usage was set but none of %d chunks carried usage", e.name, trace.VMissingUsage, len(cs))
	case len(with) > 1:
		return fail("%s: usage in %d chunks (#%d, #%d, …); want it once, in the final chunk", e.name, len(with), cs[with[0]].seq, cs[with[1]].seq)
	}
	c := cs[with[0]]
	if with[0] != len(cs)-1 {
		return fail("%s: the usage chunk is followed by %d more chunk(s); it must be the last before [DONE]", where(e, c), len(cs)-1-with[0])
	}
	choices, ok := c.obj["choices"].([]any)
	if !ok {
		return fail("%s: $.choices: want [] in the usage chunk, got %s", where(e, c), kindOf(c.obj["choices"]))
	}
	if len(choices) > 0 {
		return fail("%s: $.choices has %d element(s) in the usage chunk, want [] (a final chunk of its own); data: %s", where(e, c), len(choices), sample(c.raw))
	}
	p, ct, t, err := usageShape(c.obj["usage"], "$.usage")
	if err != nil {
		return fail("%s: %v", where(e, c), err)
	}
	return pass("final chunk #%d has choices [] and usage %d+%d=%d", c.seq, p, ct, t)
}

func checkNoUsage(ev *evidence) verdict {
	streams, v := needStreams(ev)
	if v != nil {
		return *v
	}
	n := 0
	for _, e := range streams {
		if e.req.WantsUsage() {
			continue
		}
		n++
		for _, c := range e.chunks() {
			if present(c.obj, "usage") {
				return fail("%s: usage without stream_options.include_usage: %s", where(e, c), sample(c.raw))
			}
		}
	}
	return pass("no usage in the %d streams that did not ask for it", n)
}

// timed returns the sequential streams that answered 200: the ones whose
// timings describe the target on its own, not under janus's concurrency.
func timed(ev *evidence) ([]*exchange, *verdict) {
	core := ev.chat[exStream]
	if core.skipped != "" {
		v := skip("%s", core.skipped)
		return nil, &v
	}
	if f := core.failure(); f != "" {
		v := fail("%s", f)
		return nil, &v
	}
	var out []*exchange
	for _, n := range []string{exStream, exStreamUsage, exImage, exTools} {
		if e := ev.chat[n]; e.ok() {
			out = append(out, e)
		}
	}
	return out, nil
}

// violation returns the trace violation with the given code, if any.
func violation(e *exchange, b trace.Budgets, code string) (trace.Violation, bool) {
	for _, v := range trace.Violations(e.tr, e.m, b) {
		if v.Code == code {
			return v, true
		}
	}
	return trace.Violation{}, false
}

func checkTTFT(ev *evidence) verdict {
	streams, v := timed(ev)
	if v != nil {
		return *v
	}
	var worst *exchange
	for _, e := range streams {
		if e.m.TTFTMs == nil {
			why := ""
			if e.tr.Err != nil {
				why = " (" + e.tr.Err.Error() + ")"
			}
			return fail("%s: no token arrived%s", e.name, why)
		}
		if vi, ok := violation(e, ev.budgets, trace.VTTFTOver); ok {
			return fail("%s: %s: %s", e.name, vi.Code, vi.Detail)
		}
		if worst == nil || *e.m.TTFTMs > *worst.m.TTFTMs {
			worst = e
		}
	}
	return pass("slowest first token %.0f ms (%s; budget %.0f ms) over %d streams", *worst.m.TTFTMs, worst.name, ev.budgets.TTFTMs, len(streams))
}

func checkMaxGap(ev *evidence) verdict {
	streams, v := timed(ev)
	if v != nil {
		return *v
	}
	var worst *exchange
	for _, e := range streams {
		if e.m.MaxGapMs == nil {
			return fail("%s: no SSE event arrived to measure", e.name)
		}
		if vi, ok := violation(e, ev.budgets, trace.VGapOver); ok {
			return fail("%s: %s: %s (keep-alives count)", e.name, vi.Code, vi.Detail)
		}
		if worst == nil || *e.m.MaxGapMs > *worst.m.MaxGapMs {
			worst = e
		}
	}
	return pass("longest silence %.0f ms (%s; budget %.0f ms, keep-alives count) over %d streams", *worst.m.MaxGapMs, worst.name, ev.budgets.GapMs, len(streams))
}

func checkKeepAlive(ev *evidence) verdict {
	streams, v := needStreams(ev)
	if v != nil {
		return *v
	}
	count, in, first := 0, 0, ""
	for _, e := range streams {
		n := 0
		for _, it := range e.items {
			if it.comment {
				if first == "" {
					first = ": " + it.text
				}
				n++
			}
		}
		count += n
		if n > 0 {
			in++
		}
	}
	if count == 0 {
		return skip("no keep-alive comment in %d streams: the target was never silent long enough to need one", len(streams))
	}
	return pass("%d keep-alive comment(s) such as %q in %d of %d streams, read as SSE comments and counted as activity", count, clip.Bytes(first, 30, clip.Ellipsis), in, len(streams))
}

func checkImage(ev *evidence) verdict {
	e := ev.chat[exImage]
	if e.skipped != "" {
		return skip("%s", e.skipped)
	}
	if f := e.failure(); f != "" {
		return fail("%s", f)
	}
	if e.tr.Err != nil {
		return fail("%s: %v", e.name, e.tr.Err)
	}
	if e.tr.Content == "" && len(e.tr.ToolCalls) == 0 {
		return fail("%s: answered 200 but with no content", e.name)
	}
	return pass("%d×%d PNG data URL accepted; answer %q", imageSide, imageSide, clip.Bytes(e.tr.Content, 60, clip.Ellipsis))
}

func checkMalformed(ev *evidence) verdict {
	var got []string
	for _, r := range ev.malformed {
		switch {
		case r.err != nil:
			return fail("%s: %v", r.name, r.err)
		case r.status < 400 || r.status > 499:
			return fail("%s: HTTP %d (Content-Type %q), want 4xx: a malformed request must be refused%s", r.name, r.status, r.contentType, bodyNote(r.body))
		}
		if _, _, err := errorEnvelope(r.body); err != nil {
			return fail("%s: HTTP %d, but the body is not an OpenAI error (%v): %s", r.name, r.status, err, sample(r.body))
		}
		got = append(got, fmt.Sprintf("%s→%d", r.name, r.status))
	}
	return pass("%s, each with an OpenAI error JSON", strings.Join(got, ", "))
}

func checkUnknownModel(ev *evidence) verdict {
	if ev.model == "" {
		return skip("no model to compare with: GET /v1/models listed none; pass --model")
	}
	r := ev.unknown
	switch {
	case r.err != nil:
		return fail("%v", r.err)
	case r.status == http.StatusNotFound:
		msg, code, err := errorEnvelope(r.body)
		if err != nil {
			return fail("HTTP 404, but the body is not an OpenAI error (%v): %s", err, sample(r.body))
		}
		return pass("model %q: HTTP 404 %s%q", unknownModel, codePrefix(code), clip.Bytes(msg, 80, clip.Ellipsis))
	case r.status >= 200 && r.status < 300:
		return fail("model %q: HTTP %d: the target answered as if the model existed; OpenAI answers 404 model_not_found", unknownModel, r.status)
	}
	return fail("model %q: HTTP %d, want 404 model_not_found as OpenAI answers%s", unknownModel, r.status, bodyNote(r.body))
}

// bodyNote quotes a response body for evidence, or says nothing when none
// was read.
func bodyNote(b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	return "; body " + sample(b)
}

func codePrefix(code string) string {
	if code == "" {
		return ""
	}
	return code + " "
}

// nonStreamMessage returns the non-streamed answer's choices[0].message, if
// there is one to look at.
func nonStreamMessage(ev *evidence) map[string]any {
	e := ev.chat[exNonStream]
	if !e.ok() {
		return nil
	}
	v, err := decodeJSON(e.raw)
	if err != nil {
		return nil
	}
	o, _ := v.(map[string]any)
	choices, _ := o["choices"].([]any)
	if len(choices) == 0 {
		return nil
	}
	c0, _ := choices[0].(map[string]any)
	m, _ := c0["message"].(map[string]any)
	return m
}

func checkReasoning(ev *evidence) verdict {
	n := 0
	if m := nonStreamMessage(ev); m != nil {
		s, ok, err := optString(m, "$.choices[0].message", "reasoning_content")
		if err != nil {
			return fail("%s: %v", exNonStream, err)
		}
		if ok && s != "" {
			n++
		}
	}
	var bad string
	for _, e := range ev.streams() {
		for _, c := range e.chunks() {
			c.deltas(func(path string, d map[string]any) {
				s, ok, err := optString(d, path, "reasoning_content")
				switch {
				case err != nil && bad == "":
					bad = fmt.Sprintf("%s: %v; data: %s", where(e, c), err, sample(c.raw))
				case ok && s != "":
					n++
				}
			})
		}
	}
	switch {
	case bad != "":
		return fail("%s", bad)
	case n == 0:
		return skip("no reasoning_content in any response")
	}
	return pass("%d reasoning_content value(s), all strings", n)
}

func checkJanusEvents(ev *evidence) verdict {
	n := 0
	var bad string
	var unknown []string
	for _, e := range ev.streams() {
		for _, c := range e.chunks() {
			c.deltas(func(path string, d map[string]any) {
				if !present(d, "janus") || bad != "" {
					return
				}
				n++
				p := sub(path, "janus")
				j, err := asObject(d["janus"], p)
				var name string
				if err == nil {
					name, err = stringField(j, p, "event", true)
				}
				if err == nil && present(j, "payload") {
					_, err = asObject(j["payload"], sub(p, "payload"))
				}
				if err != nil {
					bad = fmt.Sprintf("%s: %v; data: %s", where(e, c), err, sample(c.raw))
					return
				}
				if !slices.Contains(knownJanusEvents, name) && !slices.Contains(unknown, name) {
					unknown = append(unknown, name)
				}
			})
		}
	}
	switch {
	case bad != "":
		return fail("%s", bad)
	case n == 0:
		return skip("no janus event in any stream")
	case len(unknown) > 0:
		return warn("%d janus event(s), well-formed, but %s not among the contract's %s", n, quoteAll(unknown), strings.Join(knownJanusEvents, ", "))
	}
	return pass("%d janus event(s), all {event, payload} envelopes", n)
}

func checkArtifacts(ev *evidence) verdict {
	n := 0
	if m := nonStreamMessage(ev); m != nil && present(m, "artifacts") {
		k, err := artifactsShape(m["artifacts"], "$.choices[0].message.artifacts")
		if err != nil {
			return fail("%s: %v", exNonStream, err)
		}
		n += k
	}
	for _, e := range ev.streams() {
		for _, c := range e.chunks() {
			var bad error
			if present(c.obj, "artifacts") {
				k, err := artifactsShape(c.obj["artifacts"], "$.artifacts")
				n, bad = n+k, err
			}
			c.deltas(func(path string, d map[string]any) {
				if bad == nil && present(d, "artifacts") {
					k, err := artifactsShape(d["artifacts"], sub(path, "artifacts"))
					n, bad = n+k, err
				}
			})
			if bad != nil {
				return fail("%s: %v; data: %s", where(e, c), bad, sample(c.raw))
			}
		}
	}
	if n == 0 {
		return skip("no artifacts in any response")
	}
	return pass("%d artifact descriptor(s), all well-formed", n)
}

// artifactsShape checks an array of artifact descriptors and counts them.
func artifactsShape(v any, path string) (int, error) {
	arr, ok := v.([]any)
	if !ok {
		return 0, shapef(path, "want an array, got %s", kindOf(v))
	}
	for i, a := range arr {
		p := idx(path, i)
		o, err := asObject(a, p)
		if err != nil {
			return 0, err
		}
		for _, k := range []string{"id", "type", "url"} {
			if _, err := stringField(o, p, k, true); err != nil {
				return 0, err
			}
		}
		if u, err := url.Parse(o["url"].(string)); err != nil || !usableURL(u) {
			return 0, shapef(sub(p, "url"), "%q is not an http(s) or data URL or an absolute path", clip.Bytes(o["url"].(string), 60, clip.Ellipsis))
		}
		if mt, ok, err := optString(o, p, "mime_type"); err != nil {
			return 0, err
		} else if _, _, perr := mime.ParseMediaType(mt); ok && perr != nil {
			return 0, shapef(sub(p, "mime_type"), "%q is not a media type", clip.Bytes(mt, 40, clip.Ellipsis))
		}
		if present(o, "size_bytes") {
			if _, err := intField(o, p, "size_bytes"); err != nil {
				return 0, err
			}
		}
		if h, ok, err := optString(o, p, "sha256"); err != nil {
			return 0, err
		} else if ok && !isHex64(h) {
			return 0, shapef(sub(p, "sha256"), "%q is not 64 hex digits", clip.Bytes(h, 70, clip.Ellipsis))
		}
		if _, _, err := optString(o, p, "display_name"); err != nil {
			return 0, err
		}
	}
	return len(arr), nil
}

// usableURL accepts what a client can fetch: http(s) and data URLs, and
// absolute paths on the target (the gateway serves /v1/artifacts/{id}).
func usableURL(u *url.URL) bool {
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "data":
		return u.Opaque != ""
	case "":
		return strings.HasPrefix(u.Path, "/")
	}
	return false
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func checkToolsCalled(ev *evidence) verdict {
	e := ev.chat[exTools]
	if e.skipped != "" {
		return skip("%s", e.skipped)
	}
	note := ""
	if e.note != "" {
		note = " (" + e.note + ")"
	}
	if f := e.failure(); f != "" {
		return fail("%s%s", f, note)
	}
	if len(e.tr.ToolCalls) == 0 {
		return fail("tool_choice %q with one function tool, but no tool call came back; answer %q%s", e.req.ToolChoice, clip.Bytes(e.tr.Content, 60, clip.Ellipsis), note)
	}
	var names []string
	for _, c := range e.tr.ToolCalls {
		names = append(names, c.Name)
	}
	return pass("called %s%s", strings.Join(names, ", "), note)
}

// toolCall is one tool call assembled from its stream deltas.
type toolCall struct {
	index  int64
	name   string
	args   strings.Builder
	deltas int
}

func checkToolArguments(ev *evidence) verdict {
	e := ev.chat[exTools]
	if e.skipped != "" {
		return skip("%s", e.skipped)
	}
	if !e.ok() {
		return skip("the tool request was not answered (see tools.called)")
	}
	calls := map[int64]*toolCall{}
	var order []*toolCall
	for _, c := range e.chunks() {
		var bad error
		c.deltas(func(path string, d map[string]any) {
			if bad != nil || !present(d, "tool_calls") {
				return
			}
			p := sub(path, "tool_calls")
			arr, ok := d["tool_calls"].([]any)
			if !ok {
				bad = shapef(p, "want an array, got %s", kindOf(d["tool_calls"]))
				return
			}
			for j, tc := range arr {
				if bad = toolDelta(tc, idx(p, j), calls, &order); bad != nil {
					return
				}
			}
		})
		if bad != nil {
			return fail("%s: %v; data: %s", where(e, c), bad, sample(c.raw))
		}
	}
	if len(order) == 0 {
		return skip("no tool call to check: the answer had none (see tools.called)")
	}
	var done, other []string
	for _, tc := range order {
		args := tc.args.String()
		v, err := decodeJSON([]byte(args))
		if err != nil {
			return fail("%s: call %s (index %d): arguments assembled from %d delta(s) are %v: %s", e.name, tc.name, tc.index, tc.deltas, err, sample([]byte(args)))
		}
		if _, ok := v.(map[string]any); !ok {
			return fail("%s: call %s (index %d): arguments are %s, want a JSON object", e.name, tc.name, tc.index, kindOf(v))
		}
		if tc.name != toolName {
			other = append(other, tc.name)
		}
		done = append(done, fmt.Sprintf("%s(%s) from %d delta(s)", tc.name, clip.Bytes(args, 60, clip.Ellipsis), tc.deltas))
	}
	if len(other) > 0 {
		return warn("arguments are valid JSON, but the model called %s, which was not offered (only %s)", quoteAll(other), toolName)
	}
	return pass("%s", strings.Join(done, "; "))
}

// toolDelta folds one tool_calls element at path into the calls.
func toolDelta(v any, path string, calls map[int64]*toolCall, order *[]*toolCall) error {
	o, err := asObject(v, path)
	if err != nil {
		return err
	}
	index, err := intField(o, path, "index")
	if err != nil {
		return err
	}
	tc := calls[index]
	var fn map[string]any
	if tc == nil {
		if _, err := stringField(o, path, "id", true); err != nil {
			return fmt.Errorf("first delta of call %d: %w", index, err)
		}
		if typ, ok, err := optString(o, path, "type"); err != nil {
			return err
		} else if ok && typ != "function" {
			return shapef(sub(path, "type"), "%q, want \"function\"", clip.Bytes(typ, 30, clip.Ellipsis))
		}
		if fn, err = objectField(o, path, "function"); err != nil {
			return fmt.Errorf("first delta of call %d: %w", index, err)
		}
		name, err := stringField(fn, sub(path, "function"), "name", true)
		if err != nil {
			return fmt.Errorf("first delta of call %d: %w", index, err)
		}
		tc = &toolCall{index: index, name: name}
		calls[index] = tc
		*order = append(*order, tc)
	} else if present(o, "function") {
		if fn, err = objectField(o, path, "function"); err != nil {
			return err
		}
	}
	tc.deltas++
	if fn != nil {
		args, _, err := optString(fn, sub(path, "function"), "arguments")
		if err != nil {
			return err
		}
		tc.args.WriteString(args)
	}
	return nil
}

func checkConcurrency(ev *evidence) verdict {
	a, b := ev.chat[exConcurrent1], ev.chat[exConcurrent2]
	if a.skipped != "" {
		return skip("%s", a.skipped)
	}
	pair := []*exchange{a, b}
	for _, e := range pair {
		if f := e.failure(); f != "" {
			return fail("one of two concurrent streams failed: %s", f)
		}
		if e.tr.FirstTokenNs < 0 {
			why := ""
			if e.tr.Err != nil {
				why = " (" + e.tr.Err.Error() + ")"
			}
			return fail("%s: no token arrived%s", e.name, why)
		}
	}
	t0 := a.tr.Start
	if b.tr.Start.Before(t0) {
		t0 = b.tr.Start
	}
	at := func(e *exchange, ns int64) time.Duration { return e.tr.Start.Add(time.Duration(ns)).Sub(t0) }
	end := func(e *exchange) time.Duration {
		if e.tr.DoneNs >= 0 {
			return at(e, e.tr.DoneNs)
		}
		return at(e, e.tr.EndNs)
	}
	first := []time.Duration{at(a, a.tr.FirstTokenNs), at(b, b.tr.FirstTokenNs)}
	ends := []time.Duration{end(a), end(b)}
	late := 0
	if first[1] > first[0] {
		late = 1
	}
	early := 0
	if ends[1] < ends[0] {
		early = 1
	}
	overlap := ends[early] - first[late]
	if overlap <= 0 {
		// No overlap proves serial service only if the later request was
		// waiting, while the other stream was still running, clearly longer
		// than a first token takes: otherwise the streams were simply too
		// short to overlap (an instant server, a slow connection set-up).
		waited := ends[early] - at(pair[late], pair[late].tr.SentNs)
		natural := time.Duration(0)
		if s := ev.chat[exStream]; s.ok() && s.m.TTFTMs != nil {
			natural = time.Duration(*s.m.TTFTMs * float64(time.Millisecond))
		}
		if waited <= natural*3/2+serialSlack {
			return skip("inconclusive: the streams lasted %s and %s, too short to overlap with a %s first token; no evidence either way",
				msStr(ends[0]-first[0]), msStr(ends[1]-first[1]), msStr(natural))
		}
		return fail("%s's first token came at %s, after %s had ended at %s although the request was sent %s before that: the two streams were served one at a time",
			pair[late].name, msStr(first[late]), pair[early].name, msStr(ends[early]), msStr(waited))
	}
	return pass("both streams produced tokens at once for %s (first tokens at %s and %s, ends at %s and %s)",
		msStr(overlap), msStr(first[0]), msStr(first[1]), msStr(ends[0]), msStr(ends[1]))
}

// serialSlack is the scheduling and network jitter allowed before a
// second request that did not overlap the first counts as queued.
const serialSlack = 20 * time.Millisecond

func msStr(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

// listSome lists up to three names, then how many more.
func listSome(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
