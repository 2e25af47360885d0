package baseline

import (
	"strings"
	"sync"
	"unicode"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// ProfileMemorizer is the adversary of fresh tasks: it knows every answer
// it was given (Config.Suites; `bench run` gives it every suite in the
// repository, not the run's) and answers a prompt it has not seen with the
// reference of the most similar one it has, as a server that memorised the
// public suites would. On a suite it knows it is the oracle; on freshly
// generated tasks it must score at chance.
const ProfileMemorizer = "memorizer"

// memory indexes every known task's conversation as a set of words, for
// the memorizer's nearest-prompt lookup. It is built on first use: the
// other profiles never need it.
type memory struct {
	once sync.Once
	// postings maps a word to the tasks whose conversation holds it;
	// sizes is each task's number of distinct words.
	postings map[string][]int
	sizes    []int
	// hash is the messagesHash of each task's messages, the key of its
	// scripts in byHash and byFollow.
	hash []uint64
}

func convoWords(msgs []openai.ChatCompletionMessage) map[string]bool {
	set := map[string]bool{}
	for _, m := range msgs {
		for _, w := range strings.FieldsFunc(strings.ToLower(wire.TextOf(m)), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			set[w] = true
		}
	}
	return set
}

// nearest returns the messages hash of the known task whose conversation
// shares the most words with msgs (Jaccard similarity), 0 when none is
// known.
func (p *sim) nearest(msgs []openai.ChatCompletionMessage) (uint64, bool) {
	m := &p.mem
	m.once.Do(func() {
		m.postings = map[string][]int{}
		for _, s := range p.suites {
			for i := range s.Tasks {
				id := len(m.hash)
				ws := convoWords(s.Tasks[i].Messages)
				for w := range ws {
					m.postings[w] = append(m.postings[w], id)
				}
				m.sizes = append(m.sizes, len(ws))
				m.hash = append(m.hash, messagesHash(s.Tasks[i].Messages))
			}
		}
	})
	if len(m.hash) == 0 {
		return 0, false
	}
	q := convoWords(msgs)
	inter := make([]int, len(m.hash))
	for w := range q {
		for _, id := range m.postings[w] {
			inter[id]++
		}
	}
	best, bestScore := 0, -1.0
	for id, n := range inter {
		if score := float64(n) / float64(len(q)+m.sizes[id]-n+1); score > bestScore {
			best, bestScore = id, score
		}
	}
	return m.hash[best], true
}

// memorized answers a conversation the sim does not know with the answer
// of the nearest one it does: the first turn's script, or, once tools
// have answered, that task's final answer.
func (p *sim) memorized(msgs []openai.ChatCompletionMessage) *script {
	n := len(msgs)
	if n > 0 && msgs[n-1].Role == openai.ChatMessageRoleTool {
		i := n - 1
		for i >= 0 && msgs[i].Role != openai.ChatMessageRoleAssistant {
			i--
		}
		if i < 0 {
			return nil
		}
		if h, ok := p.nearest(msgs[:i]); ok {
			return p.byFollow[h]
		}
		return nil
	}
	if h, ok := p.nearest(msgs); ok {
		return p.byHash[h]
	}
	return nil
}
