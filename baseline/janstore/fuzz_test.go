package janstore_test

import (
	"errors"
	"testing"

	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
)

// FuzzParseMessages checks the messages.jsonl parser never panics, reports
// every failure as a CorruptError with a line inside the input, and that
// what it accepts survives a write and a re-read unchanged.
func FuzzParseMessages(f *testing.F) {
	f.Add([]byte(`{"id":"m1","role":"user","content":"hi"}` + "\n"))
	f.Add([]byte(`{"id":"m1","role":"user","content_parts":[{"type":"text","text":"a"}]}` + "\n\n" + `{"id":"m2","role":"assistant","content":"b","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}`))
	f.Add([]byte("{\"id\":\"m1\",\"ro"))
	f.Add([]byte("null\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := janstore.ParseMessages(data, "messages.jsonl")
		if err != nil {
			var ce *threads.CorruptError
			if !errors.As(err, &ce) || ce.Where != "messages.jsonl" || ce.Line < 1 || ce.Line > 1+countNL(data) {
				t.Fatalf("error %v is not a located CorruptError", err)
			}
			return
		}
		var out []byte
		for _, m := range ms {
			line, err := threads.MarshalLine(m)
			if err != nil {
				t.Fatalf("re-encode %+v: %v", m, err)
			}
			out = append(out, line...)
		}
		again, err := janstore.ParseMessages(out, "again")
		if err != nil || len(again) != len(ms) {
			t.Fatalf("re-read of %q: %d messages, %v (want %d)", out, len(again), err, len(ms))
		}
	})
}

func countNL(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// FuzzParseFiles checks the JSON document parsers (model.json,
// thread.json, assistant.json) never panic and that what they accept is
// what they promise: valid ids, typed settings.
func FuzzParseFiles(f *testing.F) {
	f.Add([]byte(`{"id":"t","object":"thread","assistant_id":"a","metadata":{"k":1}}`))
	f.Add([]byte(`{"id":"m","system_prompt":"s","parameters":{"temperature":0.5,"top_p":1,"max_tokens":10}}`))
	f.Add([]byte(`{"id":"a","object":"assistant","model":"m","instructions":"i"}`))
	f.Add([]byte(`{"parameters":{"max_tokens":1.5}}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if rec, err := janstore.ParseThreadRecord(data); err == nil {
			if threads.ValidID(rec.ID) != nil || rec.AssistantID != "" && threads.ValidID(rec.AssistantID) != nil {
				t.Fatalf("accepted thread with bad ids: %+v", rec)
			}
		}
		if a, err := janstore.ParseAssistant(data); err == nil && threads.ValidID(a.ID) != nil {
			t.Fatalf("accepted assistant with bad id: %+v", a)
		}
		if m, err := janstore.ParseModelFile(data); err == nil {
			if m == nil {
				t.Fatal("accepted a model file as nil")
			}
			if p, ok := m["parameters"].(map[string]any); ok {
				if mt, ok := p["max_tokens"].(float64); ok && (mt < 1 || mt != float64(int64(mt))) {
					t.Fatalf("accepted max_tokens %v", mt)
				}
			}
		}
	})
}

// FuzzParseJanMessages feeds Jan's messages.json parser arbitrary bytes:
// it never panics, and what it accepts survives the JSONL round trip the
// import makes.
func FuzzParseJanMessages(f *testing.F) {
	f.Add([]byte(`[{"id":"m1","object":"thread.message","role":"user","content":"hi"}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"id":"b","role":7}]`))
	f.Add([]byte(`{"not":"an array"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := janstore.ParseJanMessages(data, "messages.json")
		if err != nil {
			return
		}
		var buf []byte
		for _, m := range msgs {
			line, err := threads.MarshalLine(m)
			if err != nil {
				t.Fatalf("marshal %+v: %v", m, err)
			}
			buf = append(buf, line...)
		}
		back, err := janstore.ParseMessages(buf, "messages.jsonl")
		if err != nil || len(back) != len(msgs) {
			t.Fatalf("JSONL round trip: %d messages, err %v", len(back), err)
		}
	})
}
