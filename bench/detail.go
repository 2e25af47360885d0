package bench

import (
	"math"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// Detail is the bounded record of one task for people (record.TaskDetail):
// the request's last user message, the answer, the task's text reference
// and the first request's stream events. Everything in tr came from the
// endpoint, so every part is cut to its bound before it is copied; the
// events cost one slice, whatever their number.
func Detail(t *suites.Task, tr *trace.Trace) *record.TaskDetail {
	d := &record.TaskDetail{}
	d.Request, d.RequestTruncated = scorer.Excerpt(lastUserText(t.Messages, scorer.MaxRequestExcerpt+1), scorer.MaxRequestExcerpt)
	final := tr.Final()
	d.Answer, d.AnswerTruncated = scorer.Excerpt(answerText(final.Content, toolCallSpecs(final.ToolCalls), scorer.MaxAnswerExcerpt+1), scorer.MaxAnswerExcerpt)
	if final.Truncated != nil && final.Truncated.TextBytes > 0 {
		d.AnswerTruncated = true
	}
	for _, n := range tr.Turns {
		if n.Truncated != nil && n.Truncated.TextBytes > 0 {
			d.AnswerTruncated = true
		}
	}
	d.Reference, d.ReferenceTruncated = scorer.Excerpt(referenceText(t, scorer.MaxReferenceExcerpt+1), scorer.MaxReferenceExcerpt)
	d.Events, d.EventsDropped = timelineEvents(tr)
	return d
}

// timelineEvents are the first MaxDetailEvents of tr's own events (not
// its follow-up turns', which have their own clocks) and how many more
// there were, the trace's own dropped ones included. One allocation.
func timelineEvents(tr *trace.Trace) ([]record.StreamEvent, int) {
	n := min(len(tr.Events), scorer.MaxDetailEvents)
	dropped := len(tr.Events) - n
	if tr.Truncated != nil {
		dropped += tr.Truncated.Events
	}
	if n == 0 {
		return nil, dropped
	}
	out := make([]record.StreamEvent, n)
	for i := range out {
		e := &tr.Events[i]
		out[i] = record.StreamEvent{Kind: scorer.TimelineKind(e.Kind), AtMs: math.Round(float64(max(e.AtNs, 0))/1e3) / 1e3}
	}
	return out, dropped
}

// lastUserText is the text of the last user message (text parts joined by
// newlines, other parts as "[type]"), built to at most limit bytes.
func lastUserText(msgs []openai.ChatCompletionMessage, limit int) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := &msgs[i]
		if m.Role != openai.ChatMessageRoleUser {
			continue
		}
		if len(m.MultiContent) == 0 {
			return m.Content[:min(len(m.Content), limit)]
		}
		var b strings.Builder
		for j, p := range m.MultiContent {
			if b.Len() >= limit {
				break
			}
			if j > 0 {
				b.WriteByte('\n')
			}
			if p.Type == openai.ChatMessagePartTypeText {
				b.WriteString(p.Text[:min(len(p.Text), limit)])
			} else {
				b.WriteString("[" + string(p.Type) + "]")
			}
		}
		return b.String()
	}
	return ""
}

// answerText is content followed by one "name(arguments)" line per tool
// call, built to at most about limit bytes (the caller cuts exactly).
func answerText(content string, calls []suites.ToolCallSpec, limit int) string {
	if len(calls) == 0 {
		return content[:min(len(content), limit)]
	}
	var b strings.Builder
	b.WriteString(content[:min(len(content), limit)])
	for _, c := range calls {
		if b.Len() >= limit {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(c.Name[:min(len(c.Name), limit)])
		b.WriteByte('(')
		b.WriteString(c.Arguments[:min(len(c.Arguments), limit)])
		b.WriteByte(')')
	}
	return b.String()
}

func toolCallSpecs(calls []trace.ToolCall) []suites.ToolCallSpec {
	if len(calls) == 0 {
		return nil
	}
	out := make([]suites.ToolCallSpec, 0, min(len(calls), 64))
	for _, c := range calls[:min(len(calls), 64)] {
		out = append(out, suites.ToolCallSpec{Name: c.Name, Arguments: c.Arguments})
	}
	return out
}

// referenceText is the text the evaluator compares with: the task's
// reference content and tool calls (in the answer's form), or else a
// judge check's reference answer.
func referenceText(t *suites.Task, limit int) string {
	if s := answerText(t.Reference.Content, t.Reference.ToolCalls, limit); s != "" {
		return s
	}
	for _, c := range t.Expect.Checks {
		if s, ok := c.Value.(string); ok && c.Type == scorer.CheckJudge && s != "" {
			return s[:min(len(s), limit)]
		}
	}
	return ""
}
