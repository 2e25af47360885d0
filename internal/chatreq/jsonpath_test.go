package chatreq

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestPathAt checks offset-to-path resolution against the offsets
// encoding/json really reports.
func TestPathAt(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type doc struct {
		A string           `json:"a"`
		L []inner          `json:"l"`
		M map[string]inner `json:"m"`
		O struct {
			B []bool `json:"b"`
		} `json:"o"`
	}
	cases := []struct{ in, want string }{
		{`{"a":1}`, "a"},
		{`{"a":"x","l":[{"n":1},{"n":"two"}]}`, "l[1].n"},
		{`{"l":[{"n":1},{"n":2},{}],"o":{"b":[true,false,"no"]}}`, "o.b[2]"},
		{`{"m":{"k":{"n":[1]}}}`, "m.k.n"},
		{`{"l":{"n":1}}`, "l"},
		{` { "a" : "x" , "o" : { "b" : [ true , { } ] } }`, "o.b[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			var d doc
			err := json.Unmarshal([]byte(tc.in), &d)
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Fatalf("%s: error %v is not a type error", tc.in, err)
			}
			got := pathAt([]byte(tc.in), te.Offset)
			if got != tc.want {
				t.Errorf("%s: pathAt(%d) = %q, want %q (encoding/json says %q)", tc.in, te.Offset, got, tc.want, te.Field)
			}
			if !samePath(got, te.Field) {
				t.Errorf("%s: %q does not match encoding/json's %q", tc.in, got, te.Field)
			}
		})
	}
	if got := pathAt([]byte(`{"a":`), 100); got != "" {
		t.Errorf("offset past a broken document: %q", got)
	}
}
