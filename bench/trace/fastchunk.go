package trace

import (
	"strings"
	"unicode/utf8"
)

// The fast path decodes the common chunk shape — id, object, created,
// model, keys of no interest (skipped after a syntax check), and at most
// one choice whose delta carries role, content, reasoning_content,
// reasoning or refusal — without allocating. Any other shape (usage, tool
// calls, errors, artifacts, janus events, keys that differ from a field's
// name only in case, non-ASCII keys, duplicate text keys, surrogate
// escapes, invalid UTF-8, deep nesting, malformed JSON) makes it give up, and apply then
// decodes the chunk with encoding/json exactly as before; so the result is
// identical either way, only cheaper for the chunks that carry tokens.

// fastChunk is what the fast path extracts from one chunk.
type fastChunk struct {
	model      []byte
	modelSet   bool
	finish     []byte
	finishSet  bool // finish_reason was a string (possibly empty)
	content    []byte
	reasoning  []byte
	hasChoice0 bool
	// One tool-call delta (tool_calls with exactly one element).
	tool                       bool
	toolIndex                  int64
	toolIndexSet               bool
	toolID, toolName, toolArgs []byte
}

// fastParser scans one JSON chunk; scratch holds decoded strings that had
// escapes and is reused across chunks.
type fastParser struct {
	b       []byte
	i       int
	scratch []byte
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// null consumes a null if one is next.
func (p *fastParser) null() bool {
	p.ws()
	return p.lit("null")
}

// str reads a string and returns its decoded bytes (a slice of the input
// when it had no escapes, else of the scratch buffer appended to).
func (p *fastParser) str() ([]byte, bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	p.i++
	start := p.i
	esc, high := false, false
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if high && !utf8.Valid(raw) {
				return nil, false // encoding/json would substitute U+FFFD
			}
			if !esc {
				return raw, true
			}
			return p.unescape(raw)
		case c == '\\':
			esc = true
			p.i += 2
		case c < 0x20:
			return nil, false
		default:
			if c >= 0x80 {
				high = true
			}
			p.i++
		}
	}
	return nil, false
}

func hexVal(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}

func (p *fastParser) unescape(raw []byte) ([]byte, bool) {
	start := len(p.scratch)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			p.scratch = append(p.scratch, c)
			continue
		}
		i++
		if i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case '"', '\\', '/':
			p.scratch = append(p.scratch, raw[i])
		case 'b':
			p.scratch = append(p.scratch, '\b')
		case 'f':
			p.scratch = append(p.scratch, '\f')
		case 'n':
			p.scratch = append(p.scratch, '\n')
		case 'r':
			p.scratch = append(p.scratch, '\r')
		case 't':
			p.scratch = append(p.scratch, '\t')
		case 'u':
			if i+4 >= len(raw) {
				return nil, false
			}
			var r rune
			for _, h := range raw[i+1 : i+5] {
				v, ok := hexVal(h)
				if !ok {
					return nil, false
				}
				r = r<<4 | v
			}
			if r >= 0xD800 && r < 0xE000 {
				return nil, false // surrogates: leave them to encoding/json
			}
			p.scratch = utf8.AppendRune(p.scratch, r)
			i += 4
		default:
			return nil, false
		}
	}
	return p.scratch[start:], true
}

// strOrNull reads a string or null (nil, true for null).
func (p *fastParser) strOrNull() ([]byte, bool, bool) {
	if p.null() {
		return nil, false, true
	}
	s, ok := p.str()
	return s, true, ok
}

// integer reads a JSON integer of at most 18 digits (so it fits int64).
func (p *fastParser) integer() (int64, bool) {
	p.ws()
	neg := p.i < len(p.b) && p.b[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var v int64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		v = v*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	n := p.i - start
	if n == 0 || n > 18 || (n > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// object calls field for each key; it fails on a malformed object or
// when field does.
func (p *fastParser) object(field func(key []byte) bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		k, ok := p.str()
		if !ok || !p.eat(':') || !field(k) {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat('}')
	}
}

// chunkKeys are wire.Chunk's, StreamChoice's and Delta's JSON names: an
// unknown key that matches one of them case-insensitively would be
// decoded into that field by encoding/json, so the fast path gives up on
// it rather than skip it.
var chunkKeys = []string{"id", "object", "created", "model", "choices", "usage", "artifacts", "error", "metadata",
	"index", "delta", "finish_reason",
	"role", "content", "reasoning_content", "reasoning", "tool_calls", "refusal", "janus"}

// skippableChunk reports whether an unknown chunk key may be skipped:
// ASCII (encoding/json folds a few non-ASCII letters onto ASCII ones), and
// no case-insensitive match of a field name.
func skippableChunk(k []byte) bool {
	for _, c := range k {
		if c >= 0x80 {
			return false
		}
	}
	for _, f := range chunkKeys {
		if len(f) == len(k) && strings.EqualFold(string(k), f) {
			return false
		}
	}
	return true
}

// parseFast decodes data into c, or reports false when the chunk is not of
// the shape the fast path handles (or not valid JSON). Keys wire.Chunk
// does not have (service_tier, system_fingerprint, obfuscation, x_groq,
// provider, prompt_filter_results, stop_reason, logprobs, …) are checked
// for validity and skipped, as encoding/json skips them.
func (p *fastParser) parseFast(data []byte, c *fastChunk) bool {
	*c = fastChunk{}
	p.b, p.i, p.scratch = data, 0, p.scratch[:0]
	var seenChoices bool
	ok := p.object(func(k []byte) bool {
		switch string(k) {
		case "id", "object":
			_, _, ok := p.strOrNull()
			return ok
		case "created":
			if p.null() {
				return true
			}
			_, ok := p.integer()
			return ok
		case "model":
			s, set, ok := p.strOrNull()
			if set {
				c.model, c.modelSet = s, true
			}
			return ok
		case "usage", "error", "artifacts":
			return p.null()
		case "metadata":
			// Not kept, but only an object or null: encoding/json
			// refuses anything else for a map.
			if p.null() {
				return true
			}
			p.ws()
			return p.i < len(p.b) && p.b[p.i] == '{' && p.skip(0)
		case "choices":
			if seenChoices {
				return false
			}
			seenChoices = true
			return p.choices(c)
		}
		return skippableChunk(k) && p.skip(0)
	})
	if !ok {
		return false
	}
	p.ws()
	return p.i == len(p.b)
}

func (p *fastParser) choices(c *fastChunk) bool {
	if p.null() {
		return true
	}
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		return true
	}
	var seen [3]bool // index, delta, finish_reason
	ok := p.object(func(k []byte) bool {
		slot := -1
		switch string(k) {
		case "index":
			slot = 0
		case "delta":
			slot = 1
		case "finish_reason":
			slot = 2
		default:
			return skippableChunk(k) && p.skip(0)
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		switch slot {
		case 0:
			v, ok := p.integer()
			return ok && v == 0
		case 1:
			return p.null() || p.delta(c)
		}
		s, set, ok := p.strOrNull()
		c.finish, c.finishSet = s, set
		return ok
	})
	// Exactly one choice, index 0 (a missing index means 0 too).
	c.hasChoice0 = true
	return ok && p.eat(']')
}

func (p *fastParser) delta(c *fastChunk) bool {
	var seen [6]bool
	var rc, r []byte
	ok := p.object(func(k []byte) bool {
		var slot int
		switch string(k) {
		case "role":
			slot = 0
		case "content":
			slot = 1
		case "reasoning_content":
			slot = 2
		case "refusal":
			slot = 3
		case "reasoning":
			slot = 4
		case "tool_calls":
			slot = 5
		default:
			return skippableChunk(k) && p.skip(0)
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		if slot == 5 {
			return p.null() || p.deltaToolCall(c)
		}
		s, _, ok := p.strOrNull()
		switch slot {
		case 1:
			c.content = s
		case 2:
			rc = s
		case 4:
			r = s
		}
		return ok
	})
	// As wire.Delta.ReasoningText: reasoning_content wins, reasoning
	// (OpenRouter, Groq, Ollama, newer vLLM) stands in when it is empty.
	c.reasoning = rc
	if len(rc) == 0 {
		c.reasoning = r
	}
	return ok
}

// toolCallKeys and functionKeys are openai.ToolCall's and FunctionCall's
// JSON names (see chunkKeys).
var (
	toolCallKeys = []string{"index", "id", "type", "function"}
	functionKeys = []string{"name", "arguments"}
)

// skippableIn is skippableChunk for one struct's names.
func skippableIn(k []byte, names []string) bool {
	for _, c := range k {
		if c >= 0x80 {
			return false
		}
	}
	for _, f := range names {
		if len(f) == len(k) && strings.EqualFold(string(k), f) {
			return false
		}
	}
	return true
}

// deltaToolCall decodes a tool_calls array of exactly one element (the
// shape every provider streams a call's pieces in); several elements go
// the slow way.
func (p *fastParser) deltaToolCall(c *fastChunk) bool {
	if !p.eat('[') {
		return false
	}
	var seen [4]bool
	c.tool = true
	ok := p.object(func(k []byte) bool {
		slot := -1
		switch string(k) {
		case "index":
			slot = 0
		case "id":
			slot = 1
		case "type":
			slot = 2
		case "function":
			slot = 3
		default:
			return skippableIn(k, toolCallKeys) && p.skip(0)
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		switch slot {
		case 0:
			if p.null() {
				return true
			}
			v, ok := p.integer()
			if v > 1<<31 || v < -(1<<31) {
				return false
			}
			c.toolIndex, c.toolIndexSet = v, ok
			return ok
		case 1:
			s, _, ok := p.strOrNull()
			c.toolID = s
			return ok
		case 2:
			_, _, ok := p.strOrNull()
			return ok
		}
		return p.null() || p.function(c)
	})
	return ok && p.eat(']')
}

func (p *fastParser) function(c *fastChunk) bool {
	var seen [2]bool
	return p.object(func(k []byte) bool {
		slot := -1
		switch string(k) {
		case "name":
			slot = 0
		case "arguments":
			slot = 1
		default:
			return skippableIn(k, functionKeys) && p.skip(0)
		}
		if seen[slot] {
			return false
		}
		seen[slot] = true
		s, _, ok := p.strOrNull()
		if slot == 0 {
			c.toolName = s
		} else {
			c.toolArgs = s
		}
		return ok
	})
}
