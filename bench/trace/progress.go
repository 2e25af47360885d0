package trace

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
)

// What the scores read is progress, not traffic: a stream can send events
// that carry nothing (SSE comments, empty or whitespace deltas, a reasoning
// drip of ".", repeated filler) to look fast and continuous while the
// answer is late. docs/SCORING.md §"Formulas padding cannot move" states
// the rules; these are their constants.
const (
	// ReasoningWindowWords is the window, in words, over which reasoning's
	// repetition is judged: the last this many words streamed.
	ReasoningWindowWords = 64
	// ReasoningMinWords is how many words the window must hold before the
	// distinct-word ratio is applied: shorter reasoning is judged on its
	// letters alone, since a few words cannot show repetition.
	ReasoningMinWords = 16
	// ReasoningMinDistinct is the least share of distinct words in the
	// window for a reasoning delta to count as progress. Running English
	// text keeps about 0.6–0.8 of 64 words distinct; a repeated filler
	// phrase of a few words keeps under 0.1.
	ReasoningMinDistinct = 0.3
	// reasoningTailBytes is how much streamed reasoning the judge keeps to
	// find the window's words (bounded whatever the stream sends).
	reasoningTailBytes = 1024
)

// reasoningJudge decides which reasoning deltas are real text. It keeps
// the last reasoningTailBytes of reasoning and judges the window by word
// hashes, so a long reasoning stream costs no allocation per event.
type reasoningJudge struct {
	tail  []byte
	words []uint64
}

// real appends text to the streamed reasoning and says whether this delta
// counts as progress: it holds a letter or a digit, and the last
// ReasoningWindowWords words streamed (this delta's included) are at
// least ReasoningMinDistinct distinct once there are ReasoningMinWords.
func (j *reasoningJudge) real(text string) bool {
	j.tail = append(j.tail, text...)
	if n := len(j.tail); n > reasoningTailBytes {
		j.tail = append(j.tail[:0], j.tail[n-reasoningTailBytes:]...)
	}
	if !hasAlnum(text) {
		return false
	}
	j.words = lastWords(j.words[:0], j.tail, ReasoningWindowWords)
	if len(j.words) < ReasoningMinWords {
		return true
	}
	slices.Sort(j.words)
	distinct := 1
	for i := 1; i < len(j.words); i++ {
		if j.words[i] != j.words[i-1] {
			distinct++
		}
	}
	return float64(distinct)/float64(len(j.words)) >= ReasoningMinDistinct
}

// hasAlnum says whether s holds a letter or a digit.
func hasAlnum(s string) bool {
	for _, r := range s {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// lastWords appends to dst the FNV-1a hashes of the last n words of b,
// lowercased; a word is a run of letters and digits.
func lastWords(dst []uint64, b []byte, n int) []uint64 {
	end := len(b)
	for end > 0 && len(dst) < n {
		r, size := utf8.DecodeLastRune(b[:end])
		if !isWordRune(r) {
			end -= size
			continue
		}
		start := end
		for start > 0 {
			r, size := utf8.DecodeLastRune(b[:start])
			if !isWordRune(r) {
				break
			}
			start -= size
		}
		h := uint64(14695981039346656037)
		for _, r := range string(b[start:end]) {
			h = (h ^ uint64(unicode.ToLower(r))) * 1099511628211
		}
		dst = append(dst, h)
		end = start
	}
	return dst
}

// isAnswer says whether e carries answer text: content or a tool call
// (name or arguments) that is not only whitespace and format characters
// (a zero-width space shows nothing, and the checks' normalisation drops
// it, so it must not start or carry an answer either).
func isAnswer(e Event) bool {
	return (e.Kind == KindContent || e.Kind == KindToolCall) && strings.TrimFunc(e.Text, blank) != ""
}

// blank says whether r shows nothing: white space or a format character.
func blank(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }

// progress are the padding-proof timings of a streamed trace.
type progress struct {
	// answerNs is the answer's onset (answerOnset: its first event, or
	// the first after a short filler opening and a silence), openNs its
	// first event, firstNs the first progress event (-1: none).
	answerNs, openNs, firstNs int64
	// gaps are the times between consecutive progress events, in ms.
	gaps []float64
	// maxGap is the largest of gaps and the silence from the last progress
	// event to [DONE] or the end of the stream, in ms (-1: no progress).
	maxGap float64
}

// measureProgress walks a streamed trace's kept events: answer events and
// reasoning deltas of real text (reasoningJudge) are progress; keep-alive
// comments, empty or whitespace deltas, usage and role chunks and a
// reasoning drip are not, so they neither start the answer nor break a
// gap.
func measureProgress(t *Trace) progress {
	p := progress{answerNs: -1, openNs: -1, firstNs: -1, maxGap: -1}
	var j reasoningJudge
	last := int64(-1)
	var answers []int // indexes of the answer events
	for i, e := range t.Events {
		if e.Kind == KindAfterDone || e.Kind == KindDone {
			break
		}
		ok := isAnswer(e)
		if ok {
			answers = append(answers, i)
		}
		if e.Kind == KindReasoning {
			ok = j.real(e.Text)
		}
		if !ok {
			continue
		}
		if p.firstNs < 0 {
			p.firstNs = e.AtNs
		}
		if last >= 0 {
			g := ms(e.AtNs - last)
			p.gaps = append(p.gaps, g)
			p.maxGap = max(p.maxGap, g)
		}
		last = e.AtNs
	}
	p.openNs, p.answerNs = onsetOf(t, answers)
	end := t.DoneNs
	if end < 0 {
		end = t.EndNs
	}
	if last >= 0 {
		p.maxGap = max(p.maxGap, 0)
		if end > last {
			p.maxGap = max(p.maxGap, ms(end-last))
		}
	}
	return p
}

// onsetOf is the first answer event's time and the answer's onset
// (answerOnset), given the indexes of t's answer events (-1, -1: none).
func onsetOf(t *Trace, answers []int) (open, onset int64) {
	if len(answers) == 0 {
		return -1, -1
	}
	ats := make([]int64, len(answers))
	for i, k := range answers {
		ats[i] = t.Events[k].AtNs
	}
	return ats[0], answerOnset(ats, func(i int) string { return t.Events[answers[i]].Text })
}

// answerTokens counts the answer's tokens: content and tool-call names and
// arguments, not reasoning.
func answerTokens(t *Trace) int {
	if len(t.ToolCalls) == 0 {
		return tokens.Count(t.Content)
	}
	var b strings.Builder
	b.WriteString(t.Content)
	for _, c := range t.ToolCalls {
		b.WriteString(c.Name)
		b.WriteString(c.Arguments)
	}
	return tokens.Count(b.String())
}

// countPrompt is janus's count of a request's prompt tokens: cl100k over
// each message's text, the way the sim and docs/SCORING.md count it
// (images, tool schemas and a provider's chat template are not counted,
// so a real provider reports more, never less).
func countPrompt(req wire.ChatRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += tokens.Count(wire.TextOf(m))
	}
	return n
}

// addProgress fills the padding-proof metrics of a trace (docs/METRICS.md):
// answer tokens always; for a stream, the first answer token, the answer's
// decode rate and the progress gaps.
func addProgress(t *Trace, m *Metrics, rel func(int64) *float64) {
	n := answerTokens(t)
	m.AnswerTokens = &n
	m.PromptTokens = t.PromptTokens
	if !t.Stream || t.Framing == FramingJSON {
		return
	}
	p := measureProgress(t)
	m.TTFTAnswerMs, m.TTFTProgressMs = rel(p.answerNs), rel(p.firstNs)
	if p.maxGap >= 0 {
		m.MaxProgressGapMs = ptr(p.maxGap)
	}
	m.ProgressGaps = p.gaps
	// The decode window opens at the first answer event, filler included:
	// a filler opening moves the onset (TTFTAnswerMs) and cannot shorten
	// the window the rate is read over either.
	if open := rel(p.openNs); m.E2EMs != nil && open != nil && n >= 2 {
		if decode := *m.E2EMs - *open; decode > 0 {
			m.AnswerTPS = ptr(float64(n) / (decode / 1000))
		}
	}
}
