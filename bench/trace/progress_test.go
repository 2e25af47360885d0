package trace

import (
	"math"
	"strings"
	"testing"
)

// ev is one event of a synthetic stream: when (ms after sending), its
// kind and text.
type ev struct {
	atMs float64
	kind Kind
	text string
}

// streamOf builds a finished SSE trace from events, [DONE] at doneMs (-1:
// cut at the last event), with content, reasoning and tool calls assembled
// from the events' texts.
func streamOf(evs []ev, doneMs float64) *Trace {
	t := newTrace()
	t.Stream, t.Framing, t.Status, t.ContentType = true, FramingSSE, 200, "text/event-stream"
	t.SentNs, t.HeadersNs = 0, 0
	var c, r strings.Builder
	for _, e := range evs {
		at := int64(e.atMs * 1e6)
		t.Events = append(t.Events, Event{Kind: e.kind, AtNs: at, Text: e.text})
		switch e.kind {
		case KindContent:
			c.WriteString(e.text)
		case KindReasoning:
			r.WriteString(e.text)
		case KindToolCall:
			if len(t.ToolCalls) == 0 {
				t.ToolCalls = []ToolCall{{Name: e.text}}
			} else {
				t.ToolCalls[0].Arguments += e.text
			}
		}
		if t.FirstTokenNs < 0 && e.kind.TokenBearing() {
			t.FirstTokenNs = at
		}
		t.EndNs = at
	}
	t.Content, t.Reasoning = c.String(), r.String()
	if doneMs >= 0 {
		t.DoneNs = int64(doneMs * 1e6)
		t.EndNs = t.DoneNs
		t.Events = append(t.Events, Event{Kind: KindDone, AtNs: t.DoneNs})
	}
	return t
}

// paced is n content words every stepMs from startMs.
func paced(startMs, stepMs float64, n int) []ev {
	out := make([]ev, n)
	for i := range out {
		out[i] = ev{startMs + float64(i)*stepMs, KindContent, " word" + string(rune('a'+i%26))}
	}
	return out
}

// every is text of kind every stepMs from fromMs up to (not at) toMs.
func every(kind Kind, text string, fromMs, toMs, stepMs float64) []ev {
	var out []ev
	for at := fromMs; at < toMs; at += stepMs {
		out = append(out, ev{at, kind, text})
	}
	return out
}

func cat(parts ...[]ev) []ev {
	var out []ev
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// prose is reasoning of real, varied text.
const prose = "The question asks for the sum of two numbers, so I add the first to the second and check the result against the constraint stated in the prompt before I answer with a single figure."

// TestProgressMetrics: padding (reasoning dots, filler, keep-alives, empty
// and whitespace deltas) moves neither the first answer token, nor the
// answer's decode rate, nor the progress gaps; real reasoning counts as
// progress but not as an answer.
func TestProgressMetrics(t *testing.T) {
	cases := []struct {
		name string
		tr   *Trace
		// want: ttft_answer, ttft_progress, max progress gap (NaN: unset)
		answer, first, gap float64
		// answerTokensMax bounds answer_tokens from above (-1: no check)
		answerTokensMax int
	}{
		// An honest stream: 20 words every 50 ms from 100 ms, [DONE] 10 ms after.
		{"honest", streamOf(paced(100, 50, 20), 1060), 100, 100, 50, -1},
		// A reasoning "." at once, the answer 3 s later.
		{"fake first token", streamOf(cat([]ev{{1, KindReasoning, "."}}, paced(3000, 50, 20)), 3960), 3000, 3000, 50, -1},
		// A "." drip every 200 ms and 25 filler phrases at once: neither is progress.
		{"reasoning drip", streamOf(cat([]ev{{1, KindReasoning, strings.Repeat(" Let me think.", 25)}},
			every(KindReasoning, ".", 200, 3000, 200), paced(3000, 50, 20)), 3960), 3000, 3000, 50, 45},
		// A 3 s stall halfway, bridged by keep-alive comments every 200 ms.
		{"ping stall", streamOf(cat(paced(100, 50, 10), every(KindKeepAlive, "", 600, 3550, 200), paced(3550, 50, 10)), 4010),
			100, 100, 3000, -1},
		// The same stall bridged by empty deltas (well-formed chunks with nothing in them).
		{"empty-delta stall", streamOf(cat(paced(100, 50, 10), every(KindOther, "", 600, 3550, 200), paced(3550, 50, 10)), 4010),
			100, 100, 3000, -1},
		// The same stall bridged by whitespace content: not an answer token, not progress.
		{"whitespace stall", streamOf(cat(paced(100, 50, 10), every(KindContent, " ", 600, 3550, 200), paced(3550, 50, 10)), 4010),
			100, 100, 3000, -1},
		// Whitespace first: the answer starts at its first visible token.
		{"whitespace first", streamOf(cat([]ev{{5, KindContent, "\n\n"}}, paced(400, 50, 5)), 700), 400, 400, 100, -1},
		// Real reasoning streams from 100 ms: progress, but the answer starts at 2 s.
		{"real reasoning", streamOf(cat(wordsOf(prose, 100, 50), paced(2000, 50, 5)), 2300), 2000, 100, 2000 - (100 + 50*float64(len(strings.Fields(prose))-1)), -1},
		// A tool call is an answer.
		{"tool call", streamOf([]ev{{300, KindToolCall, "get_weather"}, {350, KindToolCall, `{"city":`}, {400, KindToolCall, `"Paris"}`}}, 420),
			300, 300, 50, -1},
		// Content then 5 s of silence before [DONE]: the tail is a gap.
		{"tail stall", streamOf(paced(100, 50, 5), 5300), 100, 100, 5000, -1},
		// Only padding: no answer, no progress.
		{"padding only", streamOf(cat(every(KindReasoning, ".", 0, 1000, 100), every(KindKeepAlive, "", 50, 1000, 100)), 1000),
			math.NaN(), math.NaN(), math.NaN(), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ComputeMetrics(tc.tr)
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"ttft_answer_ms", val(m.TTFTAnswerMs), tc.answer}, {"ttft_progress_ms", val(m.TTFTProgressMs), tc.first},
				{"max_progress_gap_ms", val(m.MaxProgressGapMs), tc.gap}} {
				if !(math.Abs(c.got-c.want) < 1e-6 || math.IsNaN(c.got) && math.IsNaN(c.want)) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			if m.AnswerTokens == nil {
				t.Fatal("answer_tokens unset")
			}
			if tc.answerTokensMax >= 0 && *m.AnswerTokens > tc.answerTokensMax {
				t.Errorf("answer_tokens = %d, want ≤ %d (output_tokens %d)", *m.AnswerTokens, tc.answerTokensMax, m.OutputTokens)
			}
			for _, g := range m.ProgressGaps {
				if g > val(m.MaxProgressGapMs) {
					t.Errorf("progress gap %v above the max %v", g, val(m.MaxProgressGapMs))
				}
			}
		})
	}
}

// wordsOf streams text one word per event every stepMs from startMs.
func wordsOf(text string, startMs, stepMs float64) []ev {
	var out []ev
	for i, w := range strings.Fields(text) {
		out = append(out, ev{startMs + float64(i)*stepMs, KindReasoning, " " + w})
	}
	return out
}

// TestAnswerDecodeRate: the decode rate counts content tokens over the
// time from the first answer token, so reasoning filler cannot raise it.
func TestAnswerDecodeRate(t *testing.T) {
	honest := ComputeMetrics(streamOf(paced(100, 100, 11), 1100))
	padded := ComputeMetrics(streamOf(cat([]ev{{1, KindReasoning, strings.Repeat(" Let me think.", 100)}}, paced(100, 100, 11)), 1100))
	if honest.AnswerTPS == nil || padded.AnswerTPS == nil {
		t.Fatalf("answer_tps unset: %v %v", honest.AnswerTPS, padded.AnswerTPS)
	}
	if *padded.AnswerTPS != *honest.AnswerTPS {
		t.Errorf("filler moved answer_tps: %v vs %v", *padded.AnswerTPS, *honest.AnswerTPS)
	}
	if !(*padded.OutputTPS > *honest.OutputTPS) {
		t.Errorf("output_tps %v not above %v: the filler did not pad the measured rate, the test shows nothing", *padded.OutputTPS, *honest.OutputTPS)
	}
	// One answer token has no rate.
	one := ComputeMetrics(streamOf([]ev{{7900, KindContent, "Yes"}}, 7910))
	if one.AnswerTPS != nil || val(one.TTFTAnswerMs) != 7900 {
		t.Errorf("single token: answer_tps %v, ttft_answer %v", one.AnswerTPS, val(one.TTFTAnswerMs))
	}
}

// TestReasoningJudge: the rule of real reasoning, row by row.
func TestReasoningJudge(t *testing.T) {
	cases := []struct {
		name   string
		deltas []string
		// wantLast is the verdict on the last delta.
		wantLast bool
	}{
		{"prose", strings.Fields(prose), true},
		{"a dot", []string{"."}, false},
		{"punctuation and spaces", []string{"...", " ", "\n", "—"}, false},
		{"a short filler under the window", []string{"hmm", " hmm", " hmm"}, true},
		{"filler past the window", strings.Fields(strings.Repeat("let me think ", 30)), false},
		{"one word repeated", strings.Fields(strings.Repeat("ok ", 100)), false},
		{"prose after filler recovers", append(strings.Fields(strings.Repeat("hmm ", 70)), strings.Fields(prose+" "+prose)...), true},
		{"digits count", []string{"42"}, true},
		{"one huge token without spaces", []string{strings.Repeat("x", 1<<16)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var j reasoningJudge
			var got bool
			for _, d := range tc.deltas {
				got = j.real(" " + d)
			}
			if got != tc.wantLast {
				t.Errorf("last delta judged %v, want %v", got, tc.wantLast)
			}
			if len(j.tail) > reasoningTailBytes {
				t.Errorf("tail holds %d bytes, cap %d", len(j.tail), reasoningTailBytes)
			}
		})
	}
}

// FuzzReasoningJudge: any deltas, the judge stays bounded and never panics.
func FuzzReasoningJudge(f *testing.F) {
	f.Add("The answer is 42.", ".")
	f.Add(strings.Repeat("ab ", 500), "\xff\xfe")
	f.Fuzz(func(t *testing.T, a, b string) {
		var j reasoningJudge
		for range 3 {
			j.real(a)
			j.real(b)
		}
		if len(j.tail) > reasoningTailBytes {
			t.Fatalf("tail %d bytes", len(j.tail))
		}
	})
}
