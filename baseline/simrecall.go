package baseline

import (
	"strings"
	"unicode"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// memoryPreamble starts the system message the memory hook puts in front
// of a conversation with the user's recalled memories, one "- " line each.
const memoryPreamble = "What you remember about this user from earlier conversations:"

// recallWordsSkipped are words too common to tell two memories apart.
var recallWordsSkipped = map[string]bool{"what": true, "is": true, "my": true, "i": true, "you": true, "the": true, "a": true,
	"an": true, "in": true, "of": true, "to": true, "me": true, "it": true, "did": true, "do": true, "reply": true, "with": true,
	"only": true, "told": true, "earlier": true, "conversation": true, "which": true, "that": true, "say": true, "said": true}

// recalled answers a question from the memories the memory hook recalled
// into the conversation: the recalled line that shares the most words
// with the last user message (only its last word, the value a stated fact
// ends with, when the question asks for it alone), nil when there is no
// such system message or no line shares a word. This is how the sim passes a memory task (which
// it has no oracle answer for: newSim leaves memory tasks out) only when a
// memory service really recalled the fact.
func recalled(msgs []openai.ChatCompletionMessage) *script {
	if len(msgs) == 0 || msgs[0].Role != openai.ChatMessageRoleSystem {
		return nil
	}
	sys := wire.TextOf(msgs[0])
	if !strings.HasPrefix(sys, memoryPreamble) {
		return nil
	}
	q := recallWords(wire.LastUser(msgs))
	best, bestN := "", 0
	for _, line := range strings.Split(strings.TrimPrefix(sys, memoryPreamble), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		n := 0
		for w := range recallWords(line) {
			if q[w] {
				n++
			}
		}
		if n > bestN {
			best, bestN = line, n
		}
	}
	if bestN == 0 {
		return nil
	}
	answer := "You told me: " + best
	if strings.Contains(strings.ToLower(wire.LastUser(msgs)), " only") {
		// "Reply with the code only": the memory's last word, where a
		// stated fact ("… is 482193.") puts its value.
		words := strings.Fields(best)
		answer = strings.Trim(words[len(words)-1], ".,;:!?\"'")
	}
	return buildScript("", suites.Reference{Content: answer}, 0)
}

// recallWords is the set of s's lower-cased words, common ones left out.
func recallWords(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !recallWordsSkipped[w] {
			set[w] = true
		}
	}
	return set
}
