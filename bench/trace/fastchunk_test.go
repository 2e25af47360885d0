package trace

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// applyBoth folds the same payloads into two traces, one through the fast
// path and one through encoding/json only, and returns both.
func applyBoth(payloads ...[]byte) (fast, slow *Trace) {
	run := func(slowOnly bool) *Trace {
		t := newTrace()
		acc := &textAcc{slowOnly: slowOnly}
		tools := map[int]int{}
		for _, d := range payloads {
			kind, text, sp := t.apply(d, tools, acc)
			if sp.n > 0 {
				sp.ev = len(t.Events)
				acc.spans = append(acc.spans, sp)
			}
			t.Events = append(t.Events, Event{Kind: kind, Text: text})
		}
		acc.finish(t)
		return t
	}
	return run(false), run(true)
}

func TestFastPathMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		data string
		fast bool // the fast path takes it (else it falls back)
	}{
		{"role chunk", `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}`, true},
		{"content", `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" tick"},"finish_reason":null}]}`, true},
		{"escapes", `{"model":"m","choices":[{"delta":{"content":"a\n\"b\"\\ \u00e9 \/ \t"}}]}`, true},
		{"raw utf-8", `{"choices":[{"index":0,"delta":{"content":"héllo ✓"}}]}`, true},
		{"reasoning and content", `{"choices":[{"index":0,"delta":{"reasoning_content":"think","content":"say"}}]}`, true},
		{"finish", `{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`, true},
		{"empty finish", `{"choices":[{"index":0,"delta":{},"finish_reason":""}]}`, true},
		{"no choices", `{"id":"x","choices":[],"usage":null}`, true},
		{"whitespace", " { \"choices\" : [ { \"delta\" : { \"content\" : \"x\" } } ] } \n", true},
		{"null content", `{"choices":[{"delta":{"content":null,"refusal":null}}]}`, true},
		{"fingerprint and logprobs", `{"system_fingerprint":null,"choices":[{"index":0,"delta":{"content":"x"},"logprobs":null}]}`, true},
		// Everything below falls back to encoding/json.
		{"usage", `{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`, false},
		{"tool call", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}`, true},
		{"tool call pieces", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]}`, true},
		{"tool call without index", `{"choices":[{"delta":{"tool_calls":[{"id":"t","function":{"name":"f","arguments":null},"x":[1]}]}}]}`, true},
		{"tool call null index", `{"choices":[{"delta":{"tool_calls":[{"index":null,"function":{"name":"f"}}]}}]}`, true},
		{"two tool calls", `{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}},{"index":1,"function":{"name":"g"}}]}}]}`, false},
		{"empty tool calls", `{"choices":[{"delta":{"tool_calls":[]}}]}`, false},
		{"cased tool key", `{"choices":[{"delta":{"tool_calls":[{"Function":{"name":"f"}}]}}]}`, false},
		{"cased function key", `{"choices":[{"delta":{"tool_calls":[{"function":{"Arguments":"x"}}]}}]}`, false},
		{"duplicate arguments", `{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"a","arguments":"b"}}]}}]}`, false},
		{"float tool index", `{"choices":[{"delta":{"tool_calls":[{"index":1.0,"function":{"name":"f"}}]}}]}`, false},
		{"error", `{"error":{"message":"boom","type":"server_error"}}`, false},
		{"second choice", `{"choices":[{"index":1,"delta":{"content":"other"}}]}`, false},
		{"two choices", `{"choices":[{"index":0,"delta":{"content":"a"}},{"index":0,"delta":{"content":"b"}}]}`, false},
		{"cased key", `{"choices":[{"index":0,"delta":{"Content":"x"}}]}`, false},
		{"duplicate content", `{"choices":[{"delta":{"content":"a","content":"b"}}]}`, false},
		{"surrogates", `{"choices":[{"delta":{"content":"\ud83d\ude00"}}]}`, false},
		{"invalid utf-8", "{\"choices\":[{\"delta\":{\"content\":\"\xff\"}}]}", false},
		{"float index", `{"choices":[{"index":0.0,"delta":{"content":"x"}}]}`, false},
		{"float created", `{"created":1.5,"choices":[]}`, false},
		{"trailing garbage", `{"choices":[]} x`, false},
		{"not json", `hello`, false},
		{"truncated", `{"choices":[{"delta":{"content":"x`, false},
		{"unknown keys", `{"service_tier":"default","obfuscation":"x","x_groq":{"id":"r","usage":{"a":1.5e-3}},"prompt_filter_results":[{"a":[true,false,null]}],"choices":[{"index":0,"delta":{"content":"x","function_call":null,"tool_calls":null,"reasoning_details":[]},"logprobs":{"content":[]},"stop_reason":128009,"matched_stop":null,"text":"x"}]}`, true},
		{"reasoning key", `{"choices":[{"delta":{"reasoning":"think"}}]}`, true},
		{"both reasoning keys", `{"choices":[{"delta":{"reasoning_content":"a","reasoning":"b"}}]}`, true},
		{"null fields", `{"id":null,"model":null,"created":null,"choices":[{"delta":null,"finish_reason":null}],"error":null,"artifacts":null,"metadata":null}`, true},
		{"null choices", `{"choices":null}`, true},
		{"cased unknown-looking key", `{"Usage":{"completion_tokens":1},"choices":[]}`, false},
		{"non-ASCII key", `{"uſage":1,"choices":[]}`, false},
		{"bad value in unknown key", `{"x":tru,"choices":[]}`, false},
		{"bad number in unknown key", `{"x":01,"choices":[]}`, false},
		{"deep unknown value", `{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `,"choices":[]}`, false},
		{"metadata string", `{"metadata":"x","choices":[]}`, false},
		{"janus event", `{"choices":[{"delta":{"janus":{"event":"tool_start"}}}]}`, false},
		{"artifacts", `{"artifacts":[],"choices":[]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fc fastChunk
			var p fastParser
			if got := p.parseFast([]byte(tt.data), &fc); got != tt.fast {
				t.Errorf("%s: fast path took it = %v, want %v", tt.name, got, tt.fast)
			}
			fast, slow := applyBoth([]byte(tt.data), []byte(tt.data))
			if !reflect.DeepEqual(fast, slow) {
				t.Errorf("%s: fast path trace\n%+v\nencoding/json trace\n%+v", tt.name, fast, slow)
			}
		})
	}
}

func FuzzFastPath(f *testing.F) {
	f.Add([]byte(`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" t\u00e9"},"finish_reason":null}]}`))
	f.Add([]byte(`{"choices":[{"delta":{"reasoning_content":"r","content":"c"},"finish_reason":"stop"}],"usage":null}`))
	f.Add([]byte(`{"choices":[]}`))
	f.Add([]byte(`{"x":{"a":[1,-2.5e3,true,false,null,"s\u00e9"]},"Usage":null,"choices":[{"delta":{"reasoning":"r"},"stop_reason":null}]}`))
	// Every provider shape of the corpus (testdata/providers).
	paths, _ := filepath.Glob("testdata/providers/*.sse")
	for _, p := range paths {
		if cf, err := parseCorpus(p); err == nil {
			for _, d := range corpusPayloads(cf) {
				f.Add(d)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, slow := applyBoth(data, data)
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path trace %+v, encoding/json %+v", data, fast, slow)
		}
	})
}
