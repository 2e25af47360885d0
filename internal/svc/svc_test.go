package svc

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type body struct {
	Name  string `json:"name"`
	Items []struct {
		N int `json:"n"`
	} `json:"items"`
}

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		name, in string
		status   int
		param    string
	}{
		{"ok", `{"name":"x","items":[{"n":1}]}`, 0, ""},
		{"syntax", `{"name":`, 400, "body"},
		{"type", `{"name":1}`, 400, "name"},
		{"nested type", `{"items":[{"n":"x"}]}`, 400, "items.n"},
		{"unknown", `{"other":1}`, 400, "body"},
		{"trailing", `{} {}`, 400, "body"},
		{"empty", ``, 400, "body"},
		{"too big", `{"name":"` + strings.Repeat("x", 100) + `"}`, 413, "body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.in))
			r.ContentLength = -1
			var b body
			err := Decode(httptest.NewRecorder(), r, 64, &b)
			var e *Error
			switch {
			case c.status == 0 && err != nil:
				t.Fatalf("unexpected error %v", err)
			case c.status != 0 && (!errors.As(err, &e) || e.Status != c.status || e.Param != c.param):
				t.Fatalf("got %v; want %d naming %q", err, c.status, c.param)
			}
		})
	}
}

// FuzzUnmarshal: every input decodes or fails with an *Error.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, `{"items":[{"n":1}]}`, `[`, `{"x":1}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b body
		if err := Unmarshal(data, &b); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
				t.Fatalf("error %T %v", err, err)
			}
		}
	})
}
