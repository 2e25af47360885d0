package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/wire"
)

// completionBoth reads body as a non-streamed answer twice, through the
// fast path and through encoding/json only, on a fixed clock.
func completionBoth(body []byte) (fast, slow *Trace) {
	at := time.Unix(1795470705, 0)
	clock := func() time.Time { return at }
	run := func(slowOnly bool) *Trace {
		c := &Client{slowCompletion: slowOnly}
		t := newTrace()
		t.Status, t.ContentType, t.Start = 200, "application/json", at
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		timer := time.NewTimer(time.Hour)
		defer timer.Stop()
		return c.readBody(context.Background(), ctx, cancel, t, false, bytes.NewReader(body), clock, timer)
	}
	return run(false), run(true)
}

func TestFastCompletionMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		data string
		fast bool // the fast path takes it (else it falls back)
	}{
		{"baseline", `{"id":"chatcmpl-x","object":"chat.completion","created":1795478568,"model":"janus-baseline-sim","choices":[{"index":0,"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8,"cost_usd":0.000005},"metadata":{"routing_decision":{"path":"fast","reason":"short question","model":"janus-baseline-sim"}}}`, true},
		{"openai extras", `{"id":"x","object":"chat.completion","created":1,"model":"m","system_fingerprint":"fp","service_tier":"default","choices":[{"index":0,"message":{"role":"assistant","content":"a\n\"b\" \u00e9","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`, true},
		{"reasoning", `{"model":"m","choices":[{"message":{"role":"assistant","reasoning_content":"think","content":"say","tool_calls":null}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"reasoning_tokens":1,"cost_usd":1e-6,"sandbox_seconds":null}}`, true},
		{"nulls", `{"id":null,"object":null,"created":null,"model":null,"choices":[{"index":null,"message":{"role":null,"content":null},"finish_reason":null}],"usage":null}`, true},
		{"no choices", `{"model":"m","choices":[]}`, true},
		{"null choices", `{"model":"m","choices":null}`, true},
		{"whitespace", " {\n \"model\" : \"m\" , \"choices\" : [ { \"message\" : { \"content\" : \"x\" } } ] } \n", true},
		{"odd finish", `{"choices":[{"message":{"content":"x"},"finish_reason":"eos"}]}`, true},
		{"skipped values", `{"x":[1,-2.5e+3,true,false,null,"s",{"a":[]}],"choices":[]}`, true},
		{"negative zero", `{"created":-0,"choices":[]}`, true},
		{"tool call", `{"choices":[{"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Berlin\"}"}}]},"finish_reason":"tool_calls"}]}`, true},
		{"tool calls with index", `{"choices":[{"message":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f"}},{"index":1,"id":"b","type":null,"function":null,"extra":[1]}]}}]}`, true},
		{"empty tool calls", `{"choices":[{"message":{"tool_calls":[],"artifacts":[]}}]}`, true},
		{"artifacts", `{"choices":[{"message":{"content":"Y","artifacts":[{"id":"a1","type":"image","mime_type":"image/png","display_name":"chart.png","url":"data:image/png;base64,iVBORw0KGgo=","size_bytes":1234,"sha256":"ab","created_at":"2026-11-23T00:00:00Z","ttl_seconds":60,"data":"AA=="}]}}]}`, true},
		{"null metadata", `{"choices":[],"metadata":null}`, true},
		{"reasoning key", `{"choices":[{"message":{"role":"assistant","reasoning":"think","content":"say"}}]}`, true},
		{"both reasoning keys", `{"choices":[{"message":{"reasoning_content":"a","reasoning":"b","content":"c"}}]}`, true},
		{"hidden reasoning details", `{"choices":[{"message":{"content":"c"}}],"usage":{"prompt_tokens":1,"completion_tokens":200,"total_tokens":201,"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0}}}`, true},
		{"null reasoning details", `{"choices":[],"usage":{"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":null}}}`, true},
		// Everything below falls back to encoding/json.
		// A metadata that is no object: encoding/json refuses it (bad JSON), so must the fast path.
		{"string metadata", `{"choices":[{"message":{"content":"hi"}}],"metadata":"oops"}`, false},
		{"array metadata", `{"choices":[],"metadata":[1]}`, false},
		{"null tool call", `{"choices":[{"message":{"tool_calls":[null]}}]}`, false},
		{"tool call cased key", `{"choices":[{"message":{"tool_calls":[{"ID":"x"}]}}]}`, false},
		{"float size", `{"choices":[{"message":{"artifacts":[{"size_bytes":1.5}]}}]}`, false},
		{"cased details key", `{"choices":[],"usage":{"completion_tokens":2,"completion_tokens_details":{"Reasoning_Tokens":3}}}`, false},
		{"duplicate details", `{"choices":[],"usage":{"completion_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":3}}}`, false},
		{"duplicate function", `{"choices":[{"message":{"tool_calls":[{"function":{"name":"a"},"function":{"name":"b"}}]}}]}`, false},
		{"two choices", `{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]}`, false},
		{"null choice", `{"choices":[null]}`, false},
		{"cased key", `{"Model":"m","choices":[]}`, false},
		{"cased nested key", `{"choices":[{"message":{"Content":"x"}}]}`, false},
		{"non-ascii key", `{"modeł":"m","choices":[]}`, false},
		{"duplicate model", `{"model":"a","model":"b","choices":[]}`, false},
		{"duplicate content", `{"choices":[{"message":{"content":"a","content":"b"}}]}`, false},
		{"surrogates", `{"choices":[{"message":{"content":"\ud83d\ude00"}}]}`, false},
		{"invalid utf-8", "{\"choices\":[{\"message\":{\"content\":\"\xff\"}}]}", false},
		{"float count", `{"choices":[],"usage":{"prompt_tokens":1.0}}`, false},
		{"huge cost", `{"choices":[],"usage":{"cost_usd":1e999}}`, false},
		{"string count", `{"choices":[],"usage":{"prompt_tokens":"1"}}`, false},
		{"leading zero", `{"x":01,"choices":[]}`, false},
		{"bad literal", `{"x":nul,"choices":[]}`, false},
		{"deep", `{"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"choices":[]}`, false},
		{"trailing garbage", `{"choices":[]} x`, false},
		{"error envelope", `{"error":{"message":"boom"}}`, true},
		{"not json", `hello`, false},
		{"truncated", `{"choices":[{"message":{"content":"x`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var comp wire.Completion
			var p fastParser
			if got := p.parseCompletion([]byte(tt.data), &comp); got != tt.fast {
				t.Errorf("%s: fast path took it = %v, want %v", tt.name, got, tt.fast)
			}
			if tt.fast {
				// What the fast path decoded is what encoding/json decodes,
				// but for metadata, which it does not keep.
				var want wire.Completion
				if err := json.Unmarshal([]byte(tt.data), &want); err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				want.Metadata = nil
				if !reflect.DeepEqual(comp, want) {
					t.Errorf("%s: fast path decoded\n%+v\nencoding/json\n%+v", tt.name, comp, want)
				}
			}
			fast, slow := completionBoth([]byte(tt.data))
			if !reflect.DeepEqual(fast, slow) {
				t.Errorf("%s: fast path trace\n%+v\nencoding/json trace\n%+v", tt.name, fast, slow)
			}
		})
	}
}

func FuzzFastCompletion(f *testing.F) {
	f.Add([]byte(`{"id":"chatcmpl-x","object":"chat.completion","created":1795478568,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8,"cost_usd":0.000005},"metadata":{"a":{"b":"c"}}}`))
	f.Add([]byte(`{"choices":[{"message":{"reasoning_content":"r","content":"c\u00e9"},"finish_reason":null}],"usage":null,"x":[1,2.5,true]}`))
	f.Add([]byte(`{"choices":[]}`))
	f.Add([]byte(`{"choices":[{"message":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}],"artifacts":[{"id":"x","size_bytes":3,"url":"u"}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, slow := completionBoth(data)
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path trace %+v, encoding/json %+v", data, fast, slow)
		}
	})
}
