package validate

import (
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// memoryProblems checks a memory task's facts: what the user is told
// earlier passes the task's checks (the fact is really told, so a target
// that remembers can pass) and the question alone does not (it is not
// given away again: the non-answer check covers the echo). With a decoy,
// each user's told text passes its own checks and fails the other's, and
// the reference fails the decoy's: the two facts differ, so an answer
// holding both, or the wrong one, scores 0.
func memoryProblems(t *suites.Task) []string {
	m := t.Memory
	if m == nil {
		return nil
	}
	var out []string
	told := toldText(m.Earlier)
	if v := scorer.EvaluateReference(t, suites.Reference{Content: told}); v.Score != 1 {
		out = append(out, "memory.earlier does not hold the fact the checks want ("+v.Reason+"): a target that remembers could not pass")
	}
	if m.Decoy == nil {
		return out
	}
	decoy := *t
	decoy.Expect = m.Decoy.Expect
	decoyTold := toldText(m.Decoy.Earlier)
	checks := []struct {
		task *suites.Task
		text string
		want bool
		msg  string
	}{
		{&decoy, decoyTold, true, "memory.decoy.earlier does not hold the fact memory.decoy.expect wants"},
		{&decoy, told, false, "memory.earlier passes memory.decoy.expect: the two users' facts are not told apart"},
		{t, decoyTold, false, "memory.decoy.earlier passes the task's checks: the two users' facts are not told apart"},
		{&decoy, t.Reference.Content, false, "the reference passes memory.decoy.expect: the two users' facts are not told apart"},
	}
	for _, c := range checks {
		if v := scorer.EvaluateReference(c.task, suites.Reference{Content: c.text}); (v.Score == 1) != c.want {
			out = append(out, c.msg+" ("+v.Reason+")")
		}
	}
	return out
}

// toldText is the user's side of earlier conversations, one text.
func toldText(convs [][]openai.ChatCompletionMessage) string {
	var b strings.Builder
	for _, c := range convs {
		for _, msg := range c {
			if msg.Role == openai.ChatMessageRoleUser {
				b.WriteString(wire.TextOf(msg))
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}
