package gateway

import (
	"encoding/json"
)

// span is a byte range [start, end) of a JSON text.
type span struct{ start, end int }

// objectMembers calls fn for each member of the JSON object starting at
// b[i] with the member's (unescaped) name and its value's span, and reports
// whether the object was well formed. It reads the bytes in place, so the
// caller can splice a value without re-serialising anything else.
func objectMembers(b []byte, i int, fn func(name string, v span)) bool {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case '}':
			return true
		case ',':
			i++
			continue
		}
		ke := skipString(b, i)
		if ke < 0 {
			return false
		}
		var name string
		if json.Unmarshal(b[i:ke], &name) != nil {
			return false
		}
		i = skipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		vs := skipWS(b, i+1)
		ve := skipValue(b, vs)
		if ve <= vs {
			return false
		}
		fn(name, span{vs, ve})
		i = ve
	}
}

// arrayElements calls fn with the span of each element of the JSON array
// starting at b[i], and reports whether the array was well formed.
func arrayElements(b []byte, i int, fn func(v span)) bool {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i++
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ']':
			return true
		case ',':
			i++
			continue
		}
		ve := skipValue(b, i)
		if ve <= i {
			// Not a value (a stray '}' would otherwise never advance).
			return false
		}
		fn(span{i, ve})
		i = ve
	}
}

// artifactObjects returns the spans of the artifact descriptors in a chunk
// or completion: top-level "artifacts", and "artifacts" of each choice's
// "delta" or "message".
func artifactObjects(b []byte) []span {
	var out []span
	collect := func(v span) {
		arrayElements(b, v.start, func(e span) {
			if b[e.start] == '{' {
				out = append(out, e)
			}
		})
	}
	objectMembers(b, 0, func(name string, v span) {
		switch name {
		case "artifacts":
			collect(v)
		case "choices":
			arrayElements(b, v.start, func(choice span) {
				objectMembers(b, choice.start, func(name string, v span) {
					if name != "delta" && name != "message" {
						return
					}
					objectMembers(b, v.start, func(name string, v span) {
						if name == "artifacts" {
							collect(v)
						}
					})
				})
			})
		}
	})
	return out
}
