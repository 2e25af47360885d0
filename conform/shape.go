package conform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/internal/clip"
)

// The structural checks look at the JSON a target sent, not at janus's own
// typed decoding of it: a typed decoder accepts "created": "1700000000" into
// an interface, drops unknown fields and cannot say where a value was
// wrong. Values are decoded with json.Number so that an integer field can be
// told from a fractional one, and every finding names its JSON path.

// decodeJSON decodes one JSON value, rejecting trailing data.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("not JSON: data after the value at byte %d", dec.InputOffset())
	}
	return v, nil
}

// shapeError is a value at path that breaks the expected shape.
type shapeError struct {
	path string
	msg  string
}

func (e *shapeError) Error() string { return e.path + ": " + e.msg }

func shapef(path, format string, args ...any) error {
	return &shapeError{path: path, msg: fmt.Sprintf(format, args...)}
}

// kindOf names a decoded JSON value's type the way evidence reads best.
func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string " + strconv.Quote(clip.Bytes(x, 40, clip.Ellipsis))
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// sub returns the path of key under path.
func sub(path, key string) string { return path + "." + key }

// idx returns the path of element i under path.
func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// asObject expects v at path to be an object.
func asObject(v any, path string) (map[string]any, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, shapef(path, "want an object, got %s", kindOf(v))
	}
	return o, nil
}

// objectField expects o[key] to be an object.
func objectField(o map[string]any, path, key string) (map[string]any, error) {
	v, ok := o[key]
	if !ok {
		return nil, shapef(sub(path, key), "missing")
	}
	return asObject(v, sub(path, key))
}

// arrayField expects o[key] to be an array.
func arrayField(o map[string]any, path, key string) ([]any, error) {
	v, ok := o[key]
	if !ok {
		return nil, shapef(sub(path, key), "missing")
	}
	a, ok := v.([]any)
	if !ok {
		return nil, shapef(sub(path, key), "want an array, got %s", kindOf(v))
	}
	return a, nil
}

// stringField expects o[key] to be a string, non-empty when nonEmpty.
func stringField(o map[string]any, path, key string, nonEmpty bool) (string, error) {
	v, ok := o[key]
	if !ok {
		return "", shapef(sub(path, key), "missing")
	}
	s, ok := v.(string)
	if !ok {
		return "", shapef(sub(path, key), "want a string, got %s", kindOf(v))
	}
	if nonEmpty && s == "" {
		return "", shapef(sub(path, key), "empty string")
	}
	return s, nil
}

// constField expects o[key] to be the string want.
func constField(o map[string]any, path, key, want string) error {
	s, err := stringField(o, path, key, false)
	if err != nil {
		return err
	}
	if s != want {
		return shapef(sub(path, key), "%q, want %q", clip.Bytes(s, 40, clip.Ellipsis), want)
	}
	return nil
}

// intField expects o[key] to be a non-negative integer.
func intField(o map[string]any, path, key string) (int64, error) {
	v, ok := o[key]
	if !ok {
		return 0, shapef(sub(path, key), "missing")
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, shapef(sub(path, key), "want an integer, got %s", kindOf(v))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, shapef(sub(path, key), "want an integer, got %s", n)
	}
	if i < 0 {
		return 0, shapef(sub(path, key), "negative (%d)", i)
	}
	return i, nil
}

// optString expects o[key], when present and not null, to be a string.
func optString(o map[string]any, path, key string) (string, bool, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, shapef(sub(path, key), "want a string or null, got %s", kindOf(v))
	}
	return s, true, nil
}

// present reports whether o has key with a non-null value.
func present(o map[string]any, key string) bool {
	v, ok := o[key]
	return ok && v != nil
}

// usageShape checks an OpenAI usage object: non-negative integer token
// counts whose total is their sum.
func usageShape(v any, path string) (p, c, t int64, err error) {
	u, err := asObject(v, path)
	if err != nil {
		return 0, 0, 0, err
	}
	if p, err = intField(u, path, "prompt_tokens"); err != nil {
		return 0, 0, 0, err
	}
	if c, err = intField(u, path, "completion_tokens"); err != nil {
		return 0, 0, 0, err
	}
	if t, err = intField(u, path, "total_tokens"); err != nil {
		return 0, 0, 0, err
	}
	if t != p+c {
		return 0, 0, 0, shapef(sub(path, "total_tokens"), "%d, but prompt_tokens %d + completion_tokens %d = %d", t, p, c, p+c)
	}
	return p, c, t, nil
}

// errorEnvelope checks an OpenAI error body {"error": {"message", "type"}}
// and returns its message and code (if any).
func errorEnvelope(body []byte) (msg, code string, err error) {
	v, err := decodeJSON(body)
	if err != nil {
		return "", "", err
	}
	o, err := asObject(v, "$")
	if err != nil {
		return "", "", err
	}
	e, err := objectField(o, "$", "error")
	if err != nil {
		return "", "", err
	}
	if msg, err = stringField(e, "$.error", "message", true); err != nil {
		return "", "", err
	}
	if _, err = stringField(e, "$.error", "type", false); err != nil {
		return "", "", err
	}
	if s, ok := e["code"].(string); ok {
		code = s
	}
	return msg, code, nil
}

// sample quotes the first bytes of a payload for evidence.
func sample(b []byte) string {
	return strconv.Quote(clip.Bytes(strings.TrimSpace(string(b)), 120, clip.Ellipsis))
}

// mustJSON marshals values that cannot fail to marshal (janus's own request
// types and strings).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("conform: marshal %T: %v", v, err))
	}
	return b
}
