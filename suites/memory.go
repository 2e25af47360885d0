package suites

import (
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

// memoryProblem is what is wrong with a task's memory set-up ("" when
// nothing is), named by its field so the loader's file:line error points
// at it. The runner relies on each earlier conversation being a request it
// can send (ending with the user's turn) and on the bounds below holding.
func memoryProblem(t *Task) string {
	m := t.Memory
	if m == nil {
		return ""
	}
	if len(t.ToolResults) > 0 {
		return "memory: a memory task cannot also have tool_results"
	}
	if m.SettleMs < 0 || m.SettleMs > MaxMemorySettleMs {
		return fmt.Sprintf("memory.settle_ms %d: want 0 to %d", m.SettleMs, MaxMemorySettleMs)
	}
	if p := conversationsProblem("memory.earlier", m.Earlier); p != "" {
		return p
	}
	if m.Decoy == nil {
		return ""
	}
	if p := conversationsProblem("memory.decoy.earlier", m.Decoy.Earlier); p != "" {
		return p
	}
	if len(m.Decoy.Expect.Checks) == 0 {
		return "memory.decoy.expect.checks: none: the decoy user's answer would not be checked"
	}
	return ""
}

// conversationsProblem checks a list of earlier conversations.
func conversationsProblem(field string, convs [][]openai.ChatCompletionMessage) string {
	if len(convs) == 0 {
		return field + ": no conversation: nothing is told before the question"
	}
	if len(convs) > MaxMemoryEarlier {
		return fmt.Sprintf("%s: %d conversations, at most %d", field, len(convs), MaxMemoryEarlier)
	}
	for i, c := range convs {
		switch {
		case len(c) == 0:
			return fmt.Sprintf("%s[%d]: no messages", field, i)
		case len(c) > MaxMemoryMessages:
			return fmt.Sprintf("%s[%d]: %d messages, at most %d", field, i, len(c), MaxMemoryMessages)
		case c[len(c)-1].Role != openai.ChatMessageRoleUser:
			return fmt.Sprintf("%s[%d]: the last message is %q, want the user's turn", field, i, c[len(c)-1].Role)
		}
	}
	return ""
}
