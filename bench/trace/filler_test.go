package trace

import (
	"math"
	"testing"
)

// TestAnswerOnsetFiller is ttft_answer_ms on honest streams (it must stay
// at the first answer token) and on streams that open with content filler
// and send the answer later (it must move to the answer).
func TestAnswerOnsetFiller(t *testing.T) {
	toolCall := []ev{{300, KindToolCall, "get_weather"}, {320, KindToolCall, `{"city":`}, {340, KindToolCall, ` "Paris"}`}}
	cases := []struct {
		name string
		evs  []ev
		want float64
	}{
		{"steady stream", paced(200, 40, 30), 200},
		{"steady stream with jitter", cat(paced(200, 40, 3), paced(330, 45, 27)), 200},
		{"short hiccup mid-stream", cat(paced(200, 40, 15), paced(200+15*40+500, 40, 15)), 200},
		{"one-event answer", []ev{{700, KindContent, "Paris"}}, 700},
		// Two events give no rhythm to judge the silence by, so any
		// silence counts: the onset moves by the 20 ms the reader waited
		// for the second half, and no more.
		{"two-event answer", []ev{{700, KindContent, "Par"}, {720, KindContent, "is"}}, 720},
		{"tool call", toolCall, 300},
		{"tool call after reasoning", cat([]ev{{100, KindReasoning, "The user wants the weather in Paris, so call the tool."}}, toolCall), 300},
		{"long opening, then a stall, is the answer", cat(paced(200, 40, 12), paced(200+12*40+3000, 40, 10)), 200},
		{"'Sure, ' then the answer 3 s later", cat([]ev{{10, KindContent, "Sure, "}}, paced(3000, 40, 20)), 3000},
		{"'Let me think.' then a burst", cat([]ev{{10, KindContent, "Let me think."}}, paced(3000, 0.01, 20)), 3000},
		{"a quote mark, then a one-token answer", []ev{{10, KindContent, `"`}, {3000, KindContent, `Paris"`}}, 3000},
		{"filler dripped, then the answer", cat([]ev{{10, KindContent, "Sure"}, {1000, KindContent, ","}, {2000, KindContent, " one"}}, paced(3000, 40, 20)), 3000},
		{"filler, then filler again", cat([]ev{{10, KindContent, "Hmm"}, {1500, KindContent, " ok"}}, paced(3000, 40, 20)), 3000},
		{"a zero-width space is no answer", cat([]ev{{10, KindContent, "\u200b"}}, paced(3000, 40, 20)), 3000},
		{"filler over the token bound is answer", cat([]ev{{10, KindContent, "Sure, let me look into that for you right now."}}, paced(3000, 40, 20)), 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			last := tc.evs[len(tc.evs)-1].atMs
			m := ComputeMetrics(streamOf(tc.evs, last+5))
			if got := val(m.TTFTAnswerMs); got != tc.want {
				t.Errorf("ttft_answer_ms %v, want %v", got, tc.want)
			}
			// The decode window opens at the first answer event, so a
			// filler opening cannot raise the rate.
			first := tc.evs[0].atMs
			for _, e := range tc.evs {
				if e.kind == KindContent || e.kind == KindToolCall {
					if e.text != "\u200b" {
						first = e.atMs
						break
					}
				}
			}
			if m.AnswerTPS != nil {
				want := float64(*m.AnswerTokens) / ((last + 5 - first) / 1000)
				if got := *m.AnswerTPS; math.Abs(got-want) > 1e-6*want {
					t.Errorf("answer_tps %v, want %v (from the first answer event at %v ms)", got, want, first)
				}
			}
		})
	}
}

// FuzzAnswerOnset checks the onset is always one of the answer's event
// times and never before the first, whatever the times and texts.
func FuzzAnswerOnset(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 5}, "Sure, ")
	f.Add([]byte{0, 0, 0}, "")
	f.Fuzz(func(t *testing.T, steps []byte, text string) {
		if len(steps) == 0 || len(steps) > 256 {
			return
		}
		ats := make([]int64, len(steps))
		at := int64(0)
		for i, s := range steps {
			at += int64(s) * int64(s) * 1000
			ats[i] = at
		}
		got := answerOnset(ats, func(int) string { return text })
		found := false
		for _, a := range ats {
			found = found || a == got
		}
		if !found || got < ats[0] {
			t.Fatalf("onset %d not an event time of %v", got, ats)
		}
	})
}
