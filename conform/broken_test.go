package conform

import (
	"strings"
	"testing"
	"time"
)

// TestBrokenServers runs the whole suite against servers that each break
// one rule and asserts that exactly the matching check reports it, with
// evidence naming the problem, while every other check keeps the verdict it
// gives the conformant server (PASS), so that no rule is blamed for
// another's breakage.
func TestBrokenServers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		breakIt func(f *fake)
		check   string
		want    Status
		// evidence must contain this.
		say string
		// also lists other checks whose verdict legitimately changes, with
		// the verdict they must then have.
		also map[string]Status
	}{
		// A model entry without "object": "model".
		{"models entry incomplete", func(f *fake) {
			f.modelsBody = `{"object":"list","data":[{"id":"` + fakeModel + `"}]}`
		}, "models.list", Fail, "$.data[0].object: missing", nil},
		// A completion without usage.
		{"completion without usage", func(f *fake) { f.nonStreamDrop = "usage" },
			"chat.nonstream", Fail, "$.usage: missing", nil},
		// A completion of the wrong object type.
		{"completion object wrong", func(f *fake) { f.nonStreamDrop = "object" },
			"chat.nonstream", Fail, "$.object: missing", nil},
		// SSE bytes under the wrong media type.
		{"stream content type", func(f *fake) { f.contentType = "text/plain; charset=utf-8" },
			"stream.content_type", Fail, `"text/plain; charset=utf-8"`, nil},
		// Content chunks that call themselves whole completions.
		{"chunk object wrong", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "content" {
					c["object"] = "chat.completion"
				}
			}
		}, "stream.envelope", Fail, `$.object: "chat.completion", want "chat.completion.chunk"`, nil},
		// A finish chunk whose created is a string.
		{"chunk created is a string", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "finish" {
					c["created"] = "1700000000"
				}
			}
		}, "stream.envelope", Fail, "$.created: want an integer", nil},
		// A finish chunk whose choice has no delta.
		{"choice without delta", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "finish" {
					delete(c["choices"].([]any)[0].(map[string]any), "delta")
				}
			}
		}, "stream.envelope", Fail, "$.choices[0].delta: missing", nil},
		// The stream just stops.
		{"no [DONE]", func(f *fake) { f.noDone = true },
			"stream.done", Fail, "without data: [DONE]", map[string]Status{"ending.length": Fail}},
		// A chunk after the terminator.
		{"data after [DONE]", func(f *fake) { f.afterDone = "data: {\"late\":true}\n\n" },
			"stream.done", Fail, `data after [DONE]: "{\"late\":true}"`, nil},
		// A keep-alive after the terminator is harmless but noted.
		{"comment after [DONE]", func(f *fake) { f.afterDone = ": bye\n\n" },
			"stream.done", Warn, `a comment such as ": bye" follows it in stream, stream_usage, image and 3 more`, nil},
		// No finish_reason anywhere.
		{"no finish_reason", func(f *fake) { f.noFinish = true },
			"stream.finish_reason", Warn, "no choice carried a finish_reason", map[string]Status{"ending.length": Fail}},
		// Usage glued onto the finish chunk.
		{"usage on a chunk with choices", func(f *fake) { f.usageInline = true },
			"stream.usage", Fail, "$.choices has 1 element(s) in the usage chunk", map[string]Status{"ending.length": Fail}},
		// A total that is not the sum.
		{"usage total wrong", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "usage" {
					c["usage"].(map[string]any)["total_tokens"] = 99
				}
			}
		}, "stream.usage", Fail, "$.usage.total_tokens: 99, but prompt_tokens 9 + completion_tokens 6 = 15",
			map[string]Status{"ending.length": Fail, "ending.error": Fail}},
		// Usage sent to clients that did not ask.
		{"usage unasked", func(f *fake) { f.usageAlways = true },
			"stream.no_usage", Fail, "usage without stream_options.include_usage", nil},
		// A slow first token, kept alive so that only TTFT breaks.
		{"slow first token", func(f *fake) { f.ttft = 1200 * time.Millisecond; f.keepEvery = 50 * time.Millisecond },
			"stream.ttft", Fail, "ttft_over_2s: first token after", nil},
		// A long silence mid-stream without keep-alives.
		{"stall mid-stream", func(f *fake) { f.stall = 1200 * time.Millisecond },
			"stream.max_gap", Fail, "gap_over_2s: largest gap between events", nil},
		// No keep-alives: fine, but nothing to report on.
		{"no keep-alives", func(f *fake) { f.keepEvery = 0 },
			"stream.keepalive", Skip, "no keep-alive comment", nil},
		// Image parts refused.
		{"images rejected", func(f *fake) { f.rejectImages = true },
			"input.image", Fail, "image: HTTP 400: image input is not supported", nil},
		// Errors as plain text.
		{"plain-text errors", func(f *fake) { f.plainErrors = true },
			"errors.malformed", Fail, "invalid_json: HTTP 400, but the body is not an OpenAI error", nil},
		// A request without messages is answered.
		{"missing messages accepted", func(f *fake) { f.acceptNoMessages = true },
			"errors.malformed", Fail, "missing_messages: HTTP 200", nil},
		// Any model id is served.
		{"unknown model served", func(f *fake) { f.anyModel = true },
			"errors.unknown_model", Warn, "HTTP 200: the target answered as if the model existed", nil},
		// reasoning_content as a number.
		{"reasoning_content not a string", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "reasoning" {
					c["choices"].([]any)[0].(map[string]any)["delta"] = map[string]any{"reasoning_content": 42}
				}
			}
		}, "ext.reasoning_content", Fail, "$.choices[0].delta.reasoning_content: want a string or null, got the number 42", nil},
		// A janus event without its name.
		{"janus event without name", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "janus" {
					c["choices"].([]any)[0].(map[string]any)["delta"] = map[string]any{"janus": map[string]any{"payload": map[string]any{}}}
				}
			}
		}, "ext.janus_events", Fail, "$.choices[0].delta.janus.event: missing", nil},
		// A janus event with an unknown name.
		{"janus event unknown", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "janus" {
					c["choices"].([]any)[0].(map[string]any)["delta"] = map[string]any{"janus": map[string]any{"event": "thinking"}}
				}
			}
		}, "ext.janus_events", Warn, `"thinking" not among the contract's`, nil},
		// An artifact without a URL.
		{"artifact without url", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "artifact" {
					a := fakeArtifact()
					delete(a, "url")
					c["choices"].([]any)[0].(map[string]any)["delta"] = map[string]any{"artifacts": []any{a}}
				}
			}
		}, "ext.artifacts", Fail, "$.choices[0].delta.artifacts[0].url: missing", nil},
		// An artifact with a bad hash.
		{"artifact sha256 bad", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "artifact" {
					a := fakeArtifact()
					a["sha256"] = "abc"
					c["choices"].([]any)[0].(map[string]any)["delta"] = map[string]any{"artifacts": []any{a}}
				}
			}
		}, "ext.artifacts", Fail, `sha256: "abc" is not 64 hex digits`, nil},
		// Tools ignored: nothing to assemble either.
		{"tools ignored", func(f *fake) { f.ignoreTools = true },
			"tools.called", Warn, "no tool call came back", map[string]Status{"tools.arguments": Skip}},
		// tool_choice "required" refused: janus retries with "auto".
		{"tool_choice required unsupported", func(f *fake) { f.rejectRequired = true },
			"tools.called", Pass, `retried with "auto"`, nil},
		// Arguments that stop mid-string.
		{"tool arguments cut", func(f *fake) { f.toolArgs = []string{`{"city":`, ` "Par`} },
			"tools.arguments", Fail, `are not JSON`, nil},
		// Argument fragments that are a JSON string, not an object.
		{"tool arguments not an object", func(f *fake) { f.toolArgs = []string{`"Paris"`} },
			"tools.arguments", Fail, "want a JSON object", nil},
		// Tool-call deltas without index.
		{"tool delta without index", func(f *fake) {
			f.mutate = func(kind string, c map[string]any) {
				if kind == "tool" {
					d := c["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
					delete(d["tool_calls"].([]any)[0].(map[string]any), "index")
				}
			}
		}, "tools.arguments", Fail, "$.choices[0].delta.tool_calls[0].index: missing", nil},
		// A failed stream that stops at its error event.
		{"error ending without finish or usage", func(f *fake) { f.bareFault = true },
			"ending.error", Fail, "fault: no choice carried a finish_reason", nil},
		// max_tokens ignored: the answer runs past it.
		{"max_tokens ignored", func(f *fake) { f.ignoreMaxTokens = true },
			"ending.length", Warn, "completion_tokens 6 > max_tokens 5", nil},
		// One request at a time.
		{"serialised", func(f *fake) { f.serial = true },
			"concurrency.streams", Fail, "served one at a time", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := conformant()
			tc.breakIt(f)
			rep := run(t, f)
			got := statusOf(t, rep, tc.check)
			t.Logf("%s %s: %s", got.Status, tc.check, got.Evidence)
			if got.Status != tc.want || !strings.Contains(got.Evidence, tc.say) {
				t.Errorf("%s: %s %q; want %s naming %q", tc.check, got.Status, got.Evidence, tc.want, tc.say)
			}
			for _, c := range rep.Checks {
				if c.ID == tc.check {
					continue
				}
				want, ok := tc.also[c.ID]
				if !ok {
					want = Pass
				}
				if c.Status != want {
					t.Errorf("%s: %s %q; want %s (only %s should change)", c.ID, c.Status, c.Evidence, want, tc.check)
				}
			}
			if t.Failed() {
				t.Log(dump(rep))
			}
		})
	}
}
