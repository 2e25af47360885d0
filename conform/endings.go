package conform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
)

// Exchanges of the ending rules (docs/STREAMING.md): a stream cut by
// max_tokens, and one the target is asked to fail.
const (
	exLength = "length"
	exFault  = "fault"
)

// lengthMaxTokens is the max_tokens of the length exchange: far below what
// its prompt asks for, so that a target honouring it must cut the answer.
const lengthMaxTokens = 5

// Fault hint of the fault exchange: the reference sim fails the stream
// halfway when metadata carries it (baseline.MetaFault); any other target
// ignores it and answers normally, and ending.error then judges whatever
// error endings it produced elsewhere, or skips.
const (
	faultKey   = "sim_fault"
	faultValue = "midstream_error"
)

func lengthRequest(model string) wire.ChatRequest {
	mt := lengthMaxTokens
	return wire.ChatRequest{Model: model, Stream: true, MaxTokens: &mt,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages:      userMsg("Write a long story, at least two hundred words, about a lighthouse keeper.")}
}

func faultRequest(model string) wire.ChatRequest {
	return wire.ChatRequest{Model: model, Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Metadata: map[string]any{faultKey: faultValue},
		Messages: userMsg("Write three short sentences about rivers.")}
}

// endingOf checks the closing rule every stream must keep, however it
// ended: a finish_reason, with include_usage exactly one usage chunk (the
// last chunk before [DONE], choices [], total = prompt + completion), then
// data: [DONE]. Error events may follow the usage chunk only when the
// target relayed one it could not place earlier; they do not count as
// chunks here. It returns the finish reason and the usage.
func endingOf(e *exchange) (finish string, usage [3]int64, err error) {
	if !slices.ContainsFunc(e.items, sseItem.done) {
		return "", usage, fmt.Errorf("%s: the stream ended without data: [DONE]", e.name)
	}
	var cs []chunk
	for _, c := range e.chunks() {
		if !present(c.obj, "error") {
			cs = append(cs, c)
		}
		if f := c.finishReason(); f != "" {
			finish = f
		}
	}
	if finish == "" {
		return "", usage, fmt.Errorf("%s: no choice carried a finish_reason before [DONE]", e.name)
	}
	if !e.req.WantsUsage() {
		return finish, usage, nil
	}
	var with []int
	for i, c := range cs {
		if present(c.obj, "usage") {
			with = append(with, i)
		}
	}
	switch {
	case len(with) == 0:
		return finish, usage, fmt.Errorf("%s: %s: include_usage was set but no chunk carried usage", e.name, trace.VMissingUsage)
	case len(with) > 1:
		return finish, usage, fmt.Errorf("%s: usage in %d chunks; want it once, in the final chunk", e.name, len(with))
	case with[0] != len(cs)-1:
		return finish, usage, fmt.Errorf("%s: the usage chunk is followed by %d more chunk(s); it must be the last before [DONE]", where(e, cs[with[0]]), len(cs)-1-with[0])
	}
	c := cs[with[0]]
	if choices, ok := c.obj["choices"].([]any); !ok || len(choices) > 0 {
		return finish, usage, fmt.Errorf("%s: $.choices: want [] in the usage chunk; data: %s", where(e, c), sample(c.raw))
	}
	p, ct, t, uerr := usageShape(c.obj["usage"], "$.usage")
	if uerr != nil {
		return finish, usage, fmt.Errorf("%s: %v", where(e, c), uerr)
	}
	return finish, [3]int64{p, ct, t}, nil
}

func checkEndingLength(ev *evidence) verdict {
	e := ev.chat[exLength]
	if e == nil || e.skipped != "" {
		if e == nil {
			return skip("the length exchange was not sent")
		}
		return skip("%s", e.skipped)
	}
	if f := e.failure(); f != "" {
		return fail("%s", f)
	}
	finish, u, err := endingOf(e)
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case u[1] > lengthMaxTokens:
		return warn("%s: completion_tokens %d > max_tokens %d: the limit was not honoured (finish_reason %q)", e.name, u[1], lengthMaxTokens, finish)
	case u[1] == lengthMaxTokens && finish != "length":
		return warn("%s: the answer was cut at max_tokens %d but finish_reason is %q, not \"length\"", e.name, lengthMaxTokens, finish)
	}
	return pass("max_tokens %d: finish_reason %q, usage %d+%d=%d, then [DONE]", lengthMaxTokens, finish, u[0], u[1], u[2])
}

// errorEvent returns the first error event of a stream and its shape
// problem, if any: {"error":{"message","type"}} with an optional integer
// "status" (the trailer-like status of docs/STREAMING.md).
func errorEvent(e *exchange) (*chunk, error) {
	for _, c := range e.chunks() {
		if !present(c.obj, "error") {
			continue
		}
		eo, ok := c.obj["error"].(map[string]any)
		if !ok {
			return &c, fmt.Errorf("%s: $.error: want an object; data: %s", where(e, c), sample(c.raw))
		}
		for _, k := range []string{"message", "type"} {
			if _, ok := eo[k].(string); !ok {
				return &c, fmt.Errorf("%s: $.error.%s: want a string; data: %s", where(e, c), k, sample(c.raw))
			}
		}
		if st, ok := c.obj["status"]; ok {
			n, isNum := st.(json.Number)
			code, err := n.Int64()
			if !isNum || err != nil || code < 100 || code > 599 {
				return &c, fmt.Errorf("%s: $.status: want an HTTP status code; data: %s", where(e, c), sample(c.raw))
			}
		}
		return &c, nil
	}
	return nil, nil
}

func checkEndingError(ev *evidence) verdict {
	var failed []string
	var notError []string
	for _, name := range []string{exStream, exStreamUsage, exImage, exTools, exLength, exFault, exConcurrent1, exConcurrent2} {
		e := ev.chat[name]
		if !e.ok() {
			continue
		}
		c, err := errorEvent(e)
		if err != nil {
			return fail("%v", err)
		}
		if c == nil {
			continue
		}
		finish, _, err := endingOf(e)
		if err != nil {
			return fail("after its error event #%d: %v", c.seq, err)
		}
		failed = append(failed, e.name)
		if finish != "error" {
			notError = append(notError, fmt.Sprintf("%s (%q)", e.name, finish))
		}
	}
	if len(failed) == 0 {
		return skip("no stream ended in an error (the target ignored the metadata.%s hint)", faultKey)
	}
	if len(notError) > 0 {
		return warn("error endings keep finish_reason, usage and [DONE], but finish_reason is not \"error\" in %s", strings.Join(notError, ", "))
	}
	return pass("%d error ending(s) (%s): error event, finish_reason \"error\", usage when asked, [DONE]", len(failed), listSome(failed))
}
