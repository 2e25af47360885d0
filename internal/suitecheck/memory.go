package suitecheck

import (
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// memoryProblems checks a memory task's facts: the reference answer is
// told in the earlier conversations (a target that remembers can pass).
// With a decoy: its reference passes its checks and is told in its
// earlier conversations, and each user's reference fails the other's
// checks, so the two facts differ and an answer holding the wrong one
// scores 0.
func memoryProblems(ev *scorer.Evaluator, t *suites.Task) []string {
	m := t.Memory
	if m == nil {
		return nil
	}
	var out []string
	if !told(m.Earlier, t.Reference.Content) {
		out = append(out, "memory.earlier does not tell the reference answer: a target that remembers could not pass")
	}
	if m.Decoy == nil {
		return out
	}
	decoy := *t
	decoy.Expect = m.Decoy.Expect
	if !told(m.Decoy.Earlier, m.Decoy.Reference.Content) {
		out = append(out, "memory.decoy.earlier does not tell memory.decoy.reference")
	}
	checks := []struct {
		task *suites.Task
		ref  suites.Reference
		want bool
		msg  string
	}{
		{&decoy, m.Decoy.Reference, true, "memory.decoy.reference fails memory.decoy.expect"},
		{&decoy, t.Reference, false, "the reference passes memory.decoy.expect: the two users' facts are not told apart"},
		{t, m.Decoy.Reference, false, "memory.decoy.reference passes the task's checks: the two users' facts are not told apart"},
	}
	for _, c := range checks {
		if v := ev.EvaluateReference(c.task, c.ref); (v.Score == 1) != c.want {
			out = append(out, c.msg+" ("+v.Reason+")")
		}
	}
	return out
}

// told reports whether the user's side of convs says answer (case
// ignored); an empty answer is never told.
func told(convs [][]openai.ChatCompletionMessage, answer string) bool {
	a := strings.ToLower(strings.TrimSpace(answer))
	return a != "" && strings.Contains(strings.ToLower(toldText(convs)), a)
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
