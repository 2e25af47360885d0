package trace

import (
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/stats"
)

// A stream can send a few tokens of content at once ("Sure, ", "Let me
// think.") and its real answer seconds later: the filler is answer text,
// so it would start ttft_answer_ms. These constants define when a first
// piece of content is filler (docs/SCORING.md "Content filler does not
// start the answer").
const (
	// FillerMaxTokens is the most answer tokens that can come before the
	// answer's onset: a longer opening is the answer, however slow what
	// follows.
	FillerMaxTokens = 8
	// FillerGapFactor is how far above the answer's own rhythm (the
	// median gap between its events) the silence after a short opening
	// must be for the opening to be filler.
	FillerGapFactor = 4.0
	// fillerRhythmGaps is how many of the gaps after the silence set the
	// rhythm, so a long stream costs O(1) here.
	fillerRhythmGaps = 32
)

// answerOnset is when the answer started, given its events' times (ats,
// in order) and texts: the first event's time, unless the answer opened
// with at most FillerMaxTokens tokens and then fell silent for more than
// FillerGapFactor times its own rhythm, in which case the first event
// after the last such silence. An honest stream loses nothing unless it
// stalls within its first tokens, and then no more than the stall cost its
// reader: the onset moves by the opening and the stall.
func answerOnset(ats []int64, text func(int) string) int64 {
	onset := ats[0]
	opening := 0
	for k := 1; k < len(ats); k++ {
		opening += tokens.Count(text(k - 1))
		if opening > FillerMaxTokens {
			break
		}
		if g := float64(ats[k] - ats[k-1]); g > FillerGapFactor*rhythm(ats, k) {
			onset = ats[k]
		}
	}
	return onset
}

// rhythm is the median gap between answer events after the silence that
// ends at event k (up to fillerRhythmGaps of them); when none follow, the
// median before it; 0 when the answer has no other gap. A burst after the
// silence has a rhythm of about 0, so any silence before it counts.
func rhythm(ats []int64, k int) float64 {
	var g []float64
	for i := k + 1; i < len(ats) && len(g) < fillerRhythmGaps; i++ {
		g = append(g, float64(ats[i]-ats[i-1]))
	}
	if len(g) == 0 {
		for j := 1; j < k; j++ {
			g = append(g, float64(ats[j]-ats[j-1]))
		}
	}
	if len(g) == 0 {
		return 0
	}
	return stats.Median(g)
}
