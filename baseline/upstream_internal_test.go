package baseline

import (
	"encoding/json"
	"testing"
)

func TestWithZeroTemperature(t *testing.T) {
	cases := []struct{ in, want string }{
		// Added in front, everything else untouched.
		{`{"model":"m","stream":true}`, `{"temperature":0,"model":"m","stream":true}`},
		// An empty object.
		{`{}`, `{"temperature":0}`},
		// Leading whitespace.
		{" \n{\"a\":1}", `{"temperature":0,"a":1}`},
		// A temperature already there is kept.
		{`{"temperature":0.7}`, `{"temperature":0.7}`},
		// Not an object: unchanged.
		{`[1,2]`, `[1,2]`},
		{`not json`, `not json`},
		// JSON null is not an object either.
		{`null`, `null`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := string(withZeroTemperature([]byte(tc.in))); got != tc.want {
				t.Errorf("withZeroTemperature(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzWithZeroTemperature(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"temperature":1}`, ` { } `, `[]`, `{"a":`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := withZeroTemperature([]byte(in))
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &m) != nil || m == nil {
			if string(out) != in {
				t.Fatalf("non-object %q changed to %q", in, out)
			}
			return
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q → invalid JSON %q: %v", in, out, err)
		}
		if _, ok := got["temperature"]; !ok {
			t.Fatalf("%q → %q has no temperature", in, out)
		}
		for k := range m {
			if _, ok := got[k]; !ok {
				t.Fatalf("%q → %q lost key %q", in, out, k)
			}
		}
	})
}
