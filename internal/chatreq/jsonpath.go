package chatreq

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// pathAt returns the JSON path (messages[1].content, stream_options.x) of
// the value whose first token ends at or after byte offset off of data,
// which is where encoding/json reports a type error. encoding/json's own
// UnmarshalTypeError.Field has no array indices, and an error from inside
// a custom UnmarshalJSON has an offset relative to that value; callers
// therefore resolve offsets against the bytes that were being decoded. It
// returns "" when data ends (or breaks) before off.
func pathAt(data []byte, off int64) string {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	render := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		var top *frame
		if n := len(stack); n > 0 {
			top = &stack[n-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && !stack[n-1].array {
				stack[n-1].wantKey = true
			}
			continue
		}
		if top != nil && !top.array && top.wantKey {
			top.key, _ = tok.(string)
			top.wantKey = false
			continue
		}
		// tok starts a value: a scalar, or an object or array opening.
		if top != nil && top.array {
			top.index++
		}
		if end >= off {
			return render()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{array: true, index: -1})
		default:
			if top != nil && !top.array {
				top.wantKey = true
			}
		}
	}
}

// stripIndices turns messages[1].content[0].type into
// messages.content.type, encoding/json's form of the same path.
func stripIndices(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}
