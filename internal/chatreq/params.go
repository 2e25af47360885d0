package chatreq

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Limits of the sampling parameters, as OpenAI's API documents them.
const (
	// MaxTokensLimit is the largest max_tokens or max_completion_tokens
	// accepted: 131,072, the longest output of any current OpenAI model. A
	// larger value (1e18 came in) is a client bug or an attack on a
	// server that sizes buffers from it.
	MaxTokensLimit = 1 << 17
	// MaxStopSequences is OpenAI's limit on stop sequences.
	MaxStopSequences = 4
	// MaxTopLogprobs is OpenAI's limit on top_logprobs.
	MaxTopLogprobs = 20
)

// paramsJSON holds the request parameters wire.ChatRequest does not carry
// but a client may send; they are decoded only to be range-checked (janus
// servers answer one choice and ignore the rest), so a request OpenAI
// would refuse is refused here too instead of being answered with 200.
type paramsJSON struct {
	N                   *int               `json:"n"`
	MaxCompletionTokens *int               `json:"max_completion_tokens"`
	FrequencyPenalty    *float64           `json:"frequency_penalty"`
	PresencePenalty     *float64           `json:"presence_penalty"`
	Logprobs            *bool              `json:"logprobs"`
	TopLogprobs         *int               `json:"top_logprobs"`
	Seed                *int64             `json:"seed"`
	Stop                json.RawMessage    `json:"stop"`
	LogitBias           map[string]float64 `json:"logit_bias"`
}

// check range-checks the parameters, naming the first bad one.
func (p *paramsJSON) check() *Error {
	if p.N != nil && *p.N != 1 {
		return BadRequest("n", "n must be 1 (this server returns one choice), got %d", *p.N)
	}
	if verr := tokensLimit("max_completion_tokens", p.MaxCompletionTokens); verr != nil {
		return verr
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"frequency_penalty", p.FrequencyPenalty}, {"presence_penalty", p.PresencePenalty}} {
		if f.v != nil && (*f.v < -2 || *f.v > 2) {
			return BadRequest(f.name, "%s must be between -2 and 2, got %g", f.name, *f.v)
		}
	}
	if t := p.TopLogprobs; t != nil {
		if *t < 0 || *t > MaxTopLogprobs {
			return BadRequest("top_logprobs", "top_logprobs must be between 0 and %d, got %d", MaxTopLogprobs, *t)
		}
		if p.Logprobs == nil || !*p.Logprobs {
			return BadRequest("top_logprobs", "top_logprobs needs logprobs set to true")
		}
	}
	for k, v := range p.LogitBias {
		if _, err := strconv.ParseUint(k, 10, 32); err != nil {
			return BadRequest("logit_bias."+k, "logit_bias.%s: keys must be token ids (integers)", k)
		}
		if v < -100 || v > 100 {
			return BadRequest("logit_bias."+k, "logit_bias.%s must be between -100 and 100, got %g", k, v)
		}
	}
	return checkStop(p.Stop)
}

// tokensLimit checks max_tokens or max_completion_tokens.
func tokensLimit(name string, v *int) *Error {
	switch {
	case v == nil:
	case *v < 1:
		return BadRequest(name, "%s must be at least 1, got %d", name, *v)
	case *v > MaxTokensLimit:
		return BadRequest(name, "%s is too large: %d; at most %d is supported", name, *v, MaxTokensLimit)
	}
	return nil
}

// checkStop accepts null, a string, or an array of at most
// MaxStopSequences strings.
func checkStop(raw json.RawMessage) *Error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || raw[0] == '"' {
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return BadRequest("stop", "stop must be a string or an array of strings")
			}
		}
		return nil
	}
	var list []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return BadRequest("stop", "invalid type for stop: expected a string or an array of strings, got %s", jsonKind(raw[0]))
	}
	if len(list) > MaxStopSequences {
		return BadRequest("stop", "stop may hold at most %d sequences, got %d", MaxStopSequences, len(list))
	}
	for i, e := range list {
		var s string
		if json.Unmarshal(e, &s) != nil {
			return BadRequest("stop["+strconv.Itoa(i)+"]", "invalid type for stop[%d]: expected a string", i)
		}
	}
	return nil
}

// invalidText returns the offset of the first byte of data that is not
// valid UTF-8 text, or -1: an invalid byte sequence, or a \u escape of a
// lone UTF-16 surrogate (neither can be text; encoding/json would turn
// both into U+FFFD without a word, and the model would see other text
// than the client sent).
func invalidText(data []byte) int {
	if utf8.Valid(data) && !bytes.Contains(data, []byte(`\u`)) {
		return -1
	}
	inString := false
	for i := 0; i < len(data); {
		c := data[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return i
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			if i+1 < len(data) && data[i+1] == 'u' {
				r := hex4(data[i+2:])
				switch {
				case r >= 0xDC00 && r <= 0xDFFF:
					return i // a low surrogate with no high one before it
				case r >= 0xD800 && r <= 0xDBFF:
					if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
						if lo := hex4(data[i+8:]); lo >= 0xDC00 && lo <= 0xDFFF {
							i += 12
							continue
						}
					}
					return i
				}
				i += 6
				continue
			}
			i += 2
			continue
		}
		i++
	}
	return -1
}

// hex4 decodes four hex digits at the start of b, or returns -1.
func hex4(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	n := 0
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int(c-'A'+10)
		default:
			return -1
		}
	}
	return n
}

// textError is the 400 for invalid text at offset off of data.
func textError(data []byte, off int) *Error {
	path := pathAt(data, int64(off))
	if path == "" {
		return BadRequest("", "request body is not valid UTF-8 (at byte %d)", off)
	}
	return BadRequest(path, "%s is not valid UTF-8 text (at byte %d)", path, off)
}
