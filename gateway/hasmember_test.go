package gateway

import (
	"bytes"
	"encoding/json"
	"testing"
)

// hasMemberByMap is the definition hasMember must agree with: decode the
// object into a map and look the member up, once the name occurs plainly
// quoted somewhere (a member whose only spelling is escaped is not seen;
// the gateway has always answered so, and it keeps the check cheap).
func hasMemberByMap(data []byte, key string) bool {
	if !bytes.Contains(data, []byte(`"`+key+`"`)) {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	v, ok := m[key]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

var hasMemberRows = []struct {
	name, data string
	want       bool
}{
	{"usage object", `{"id":"x","choices":[],"usage":{"prompt_tokens":1}}`, true},
	{"usage null", `{"id":"x","choices":[{"delta":{"content":"a"}}],"usage":null}`, false},
	{"usage spaced null", `{"usage" : null }`, false},
	{"nested usage only", `{"choices":[{"usage":{"a":1}}]}`, false},
	{"string value usage", `{"content":"usage","x":"\"usage\""}`, false},
	{"escaped name, plain elsewhere", `{"us\u0061ge":{"a":1},"x":"usage"}`, true},
	{"escaped name only", `{"us\u0061ge":{"a":1}}`, false},
	{"duplicate, last null", `{"usage":{"a":1},"usage":null}`, false},
	{"duplicate, last set", `{"usage":null,"usage":0}`, true},
	{"malformed value", `{"usage": tru}`, false},
	{"trailing garbage", `{"usage":1} x`, false},
	{"unterminated", `{"usage":1`, false},
	{"array top level", `[{"usage":1}]`, false},
	{"null top level", `null`, false},
	{"case differs", `{"Usage":1}`, false},
	{"empty string value", `{"usage":""}`, true},
}

// TestHasMember: the in-place scan answers as the map decode does.
func TestHasMember(t *testing.T) {
	for _, r := range hasMemberRows {
		t.Run(r.name, func(t *testing.T) {
			if got := hasMember([]byte(r.data), "usage"); got != r.want {
				t.Errorf("hasMember(%s) = %v, want %v", r.data, got, r.want)
			}
			if ref := hasMemberByMap([]byte(r.data), "usage"); ref != r.want {
				t.Errorf("the map decode says %v for %s: the row is wrong", ref, r.data)
			}
		})
	}
}

// TestHasMemberAllocs: an event that names the member only as null, as
// every chunk of an OpenAI include_usage stream does, costs no allocation.
func TestHasMemberAllocs(t *testing.T) {
	data := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"tok"},"finish_reason":null}],"usage":null}`)
	if n := testing.AllocsPerRun(100, func() {
		if hasMember(data, "usage") {
			t.Fatal("usage:null counted as usage")
		}
	}); n != 0 {
		t.Errorf("%.1f allocations per hasMember, want 0", n)
	}
}

// FuzzHasMember checks the in-place scan against the map decode on any
// input, for a key that occurs and one that is escaped.
func FuzzHasMember(f *testing.F) {
	for _, r := range hasMemberRows {
		f.Add([]byte(r.data), "usage")
	}
	f.Add([]byte(`{"error":{"message":"x"}}`), "error")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		if got, want := hasMember(data, key), hasMemberByMap(data, key); got != want {
			t.Errorf("hasMember(%q, %q) = %v, map decode says %v", data, key, got, want)
		}
	})
}
