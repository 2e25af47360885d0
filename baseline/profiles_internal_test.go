package baseline

import (
	"context"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// TestProfileSchedule checks when each profile sends each step, on the
// schedule itself rather than on a wall clock: the sim paces by absolute
// deadlines, so the deadlines are the behaviour.
func TestProfileSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	pace := Pace{TTFT: 100 * time.Millisecond, PerToken: 10 * time.Millisecond}
	// Four one-token steps: slots 0..3.
	sc := buildScript("t", suites.Reference{Content: "one two three four"}, 0)
	if len(sc.steps) != 4 {
		t.Fatalf("script has %d steps, want 4", len(sc.steps))
	}
	ms := func(d int) time.Time { return start.Add(time.Duration(d) * time.Millisecond) }
	cases := []struct {
		name string
		prof profile
		// maxTokens cuts the answer (0: no cut).
		maxTokens int
		want      []time.Time
	}{
		// The oracle: TTFT, then one slot per token.
		{"oracle", profile{name: ProfileOracle, scale: 1}, 0, []time.Time{ms(100), ms(110), ms(120), ms(130)}},
		// stall: the second half shifted by 3 s × 0.1.
		{"stall", profile{name: ProfileStall, scale: 0.1}, 0, []time.Time{ms(100), ms(110), ms(420), ms(430)}},
		// buffered: everything at the last token's deadline.
		{"buffered", profile{name: ProfileBuffered, scale: 1}, 0, []time.Time{ms(130), ms(130), ms(130), ms(130)}},
		// buffered with max_tokens 2: the burst comes when the cut answer's
		// last token is due.
		{"buffered cut", profile{name: ProfileBuffered, scale: 1}, 2, []time.Time{ms(110), ms(110)}},
		// adv-filler: the first answer token on time, the rest 3 s × 0.1
		// later.
		{"adv-filler", profile{name: ProfileAdvFiller, scale: 0.1}, 0, []time.Time{ms(100), ms(410), ms(420), ms(430)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.prof.forScript(sc, tc.maxTokens)
			for i, want := range tc.want {
				if got := p.due(pace, start, i, i); !got.Equal(want) {
					t.Errorf("step %d due at +%v, want +%v", i, got.Sub(start), want.Sub(start))
				}
			}
		})
	}
	// slow replaces the TTFT by 3 s × the scale when the request opens.
	s := newSim(pace, 0, nil)
	s.prof = profile{name: ProfileSlow, scale: 0.5}
	gen, err := s.Open(context.Background(), &Request{Start: start, Chat: &wire.ChatRequest{
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}}}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := gen.(*simGeneration).pace.TTFT; got != 1500*time.Millisecond {
		t.Fatalf("slow at scale 0.5: TTFT %v, want 1.5s", got)
	}
}
