package chatreq

import "strings"

// Case is one hostile request body with the JSON path and a piece of the
// message a janus server must answer it with (a 400 in OpenAI's error
// envelope). The validator's tests and the gateway's and the baseline's
// HTTP tests all run these, so the three agree by construction.
type Case struct {
	Name    string
	Body    string
	Param   string
	Message string
}

// ValidationCases returns the hostile requests of issue 25: parameters
// out of OpenAI's ranges and text that is not UTF-8.
func ValidationCases() []Case {
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	with := func(extra string) string { return `{"model":"m",` + msgs + `,` + extra + `}` }
	three := `"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"user","content":"` + "bad \xff\xfe text" + `"}]`
	return []Case{
		{"n negative", with(`"n":-1`), "n", "n must be 1"},
		{"n huge", with(`"n":1000000000`), "n", "n must be 1"},
		{"n as exponent", with(`"n":1e9`), "n", "expected an integer"},
		{"n two", with(`"n":2`), "n", "n must be 1"},
		{"max_tokens zero", with(`"max_tokens":0`), "max_tokens", "at least 1"},
		{"max_tokens huge", with(`"max_tokens":1000000000000000000`), "max_tokens", "too large"},
		{"max_tokens as exponent", with(`"max_tokens":1e18`), "max_tokens", "expected an integer"},
		{"max_completion_tokens negative", with(`"max_completion_tokens":-1`), "max_completion_tokens", "at least 1"},
		{"max_completion_tokens huge", with(`"max_completion_tokens":131073`), "max_completion_tokens", "too large"},
		{"temperature negative", with(`"temperature":-0.1`), "temperature", "between 0 and 2"},
		{"top_p over 1", with(`"top_p":1.5`), "top_p", "between 0 and 1"},
		{"frequency_penalty", with(`"frequency_penalty":2.5`), "frequency_penalty", "between -2 and 2"},
		{"presence_penalty", with(`"presence_penalty":-3`), "presence_penalty", "between -2 and 2"},
		{"top_logprobs over 20", with(`"logprobs":true,"top_logprobs":21`), "top_logprobs", "between 0 and 20"},
		{"top_logprobs without logprobs", with(`"top_logprobs":2`), "top_logprobs", "logprobs"},
		{"stop too many", with(`"stop":["a","b","c","d","e"]`), "stop", "at most 4"},
		{"stop not a string", with(`"stop":[1]`), "stop[0]", "expected a string"},
		{"stop object", with(`"stop":{}`), "stop", "expected a string or an array"},
		{"logit_bias out of range", with(`"logit_bias":{"42":101}`), "logit_bias.42", "between -100 and 100"},
		{"logit_bias key", with(`"logit_bias":{"x":1}`), "logit_bias.x", "token ids"},
		{"seed not an integer", with(`"seed":1.5`), "seed", "expected an integer"},
		{"invalid UTF-8 in content", `{"model":"m",` + three + `}`, "messages[2].content", "not valid UTF-8"},
		{"invalid UTF-8 in a text part", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"` + "\xc3\x28" + `"}]}]}`,
			"messages[0].content[0].text", "not valid UTF-8"},
		{"lone surrogate escape", `{"model":"m","messages":[{"role":"user","content":"a\ud800b"}]}`, "messages[0].content", "not valid UTF-8"},
		{"lone low surrogate escape", `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("x", 3) + `\udc00"}]}`, "messages[0].content", "not valid UTF-8"},
		{"invalid UTF-8 in model", `{"model":"` + "m\xff" + `",` + msgs + `}`, "model", "not valid UTF-8"},
	}
}
