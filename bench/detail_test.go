package bench

import (
	"strings"
	"testing"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// hostileTrace is a stream of n events (every tenth a keep-alive, one of
// them an unparsable item) whose answer is bigger than any bound and has
// bad UTF-8 at the cut.
func hostileTrace(n int) *trace.Trace {
	tr := &trace.Trace{Stream: true, Events: make([]trace.Event, n)}
	for i := range tr.Events {
		k := trace.KindContent
		switch {
		case i%10 == 9:
			k = trace.KindKeepAlive
		case i == 5:
			k = trace.KindUnparsable
		}
		tr.Events[i] = trace.Event{Kind: k, AtNs: int64(i)*1_000_000 + 1234}
	}
	tr.Content = strings.Repeat("é", scorer.MaxAnswerExcerpt) + "\xff<script>"
	tr.Truncated = &trace.Truncation{Events: 7, TextBytes: 10}
	return tr
}

func TestDetailIsBounded(t *testing.T) {
	task := &suites.Task{ID: "t", Messages: []openai.ChatCompletionMessage{
		{Role: "system", Content: "sys"}, {Role: "user", Content: "first"}, {Role: "assistant", Content: "a"},
		{Role: "user", MultiContent: []openai.ChatMessagePart{{Type: "text", Text: strings.Repeat("q", 3000)}, {Type: "image_url"}}}},
		Reference: suites.Reference{Content: "ref", ToolCalls: []suites.ToolCallSpec{{Name: "f", Arguments: `{"a":1}`}}}}
	for _, c := range []struct {
		name         string
		events, kept int
	}{
		{"few events", 30, 30},
		{"past the cap", 5000, scorer.MaxDetailEvents},
		{"no events", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := hostileTrace(c.events)
			d := Detail(task, tr)
			if len(d.Events) != c.kept || d.EventsDropped != c.events-c.kept+7 {
				t.Fatalf("%d events kept, %d dropped; want %d, %d", len(d.Events), d.EventsDropped, c.kept, c.events-c.kept+7)
			}
			if c.events > 5 && (d.Events[5].Kind != trace.KindOther || d.Events[9].Kind != trace.KindKeepAlive || d.Events[1].AtMs != 1.001) {
				t.Fatalf("events mapped wrongly: %+v", d.Events[:10])
			}
			if len(d.Answer) > scorer.MaxAnswerExcerpt || !utf8.ValidString(d.Answer) || !d.AnswerTruncated || !strings.HasPrefix(d.Answer, "éé") {
				t.Fatalf("answer %d bytes, valid %v, truncated %v", len(d.Answer), utf8.ValidString(d.Answer), d.AnswerTruncated)
			}
			if d.Request != strings.Repeat("q", scorer.MaxRequestExcerpt) || !d.RequestTruncated {
				t.Fatalf("request %.20q… (%d bytes), truncated %v", d.Request, len(d.Request), d.RequestTruncated)
			}
			if d.Reference != "ref\nf({\"a\":1})" || d.ReferenceTruncated {
				t.Fatalf("reference %q", d.Reference)
			}
		})
	}
}

func TestDetailJudgeReferenceAndToolAnswer(t *testing.T) {
	task := &suites.Task{ID: "t", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "why?"}},
		Expect: suites.Expect{Checks: []suites.Check{{Type: scorer.CheckJudge, Value: "because"}}}}
	tr := &trace.Trace{ToolCalls: []trace.ToolCall{{Name: "search", Arguments: `{"q":"x"}`}}}
	d := Detail(task, tr)
	if d.Request != "why?" || d.Reference != "because" || d.Answer != `search({"q":"x"})` || d.AnswerTruncated || d.Events != nil {
		t.Fatalf("detail %+v", d)
	}
}

// TestDetailAllocsDoNotGrowWithEvents: the event list costs one slice,
// not one allocation per event.
func TestDetailAllocsDoNotGrowWithEvents(t *testing.T) {
	task := &suites.Task{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "q"}}}
	few, many := hostileTrace(10), hostileTrace(scorer.MaxDetailEvents)
	a := testing.AllocsPerRun(20, func() { Detail(task, few) })
	b := testing.AllocsPerRun(20, func() { Detail(task, many) })
	if a != b {
		t.Fatalf("Detail allocates %v times for 10 events, %v for %d", a, b, scorer.MaxDetailEvents)
	}
}

// BenchmarkDetail is Detail's cost per task at the event cap (runTask
// calls it once per task).
func BenchmarkDetail(b *testing.B) {
	task := &suites.Task{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "q"}}, Reference: suites.Reference{Content: "ref"}}
	tr := hostileTrace(scorer.MaxDetailEvents)
	b.ReportAllocs()
	for b.Loop() {
		Detail(task, tr)
	}
}
