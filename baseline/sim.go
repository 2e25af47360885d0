package baseline

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// Metadata keys that override the sim's pace for one request, in
// milliseconds (a JSON number, or a numeric string because OpenAI's own
// metadata is string-valued and some clients can only send strings).
const (
	MetaPaceTTFTms  = "sim_pace_ttft_ms"
	MetaPaceTokenMs = "sim_pace_token_ms"
)

// maxMetaPace bounds a per-request pace override so that a typo cannot park
// a connection for hours.
const maxMetaPace = 10 * time.Minute

// argPieceTokens is how many tokens of a tool call's arguments travel in one
// delta: real models stream arguments in small pieces, not one per token.
const argPieceTokens = 4

// step is one precomputed output event of a script.
type step struct {
	kind  string
	delta wire.Delta
	// tokens is how many output tokens the step carries; it advances the
	// pace by that many slots.
	tokens int
}

// script is a whole answer, precomputed so that serving it allocates
// nothing per token. Scripts are shared between concurrent requests and
// never modified after they are built.
type script struct {
	taskID           string
	steps            []step
	finish           string
	completionTokens int
	reasoningTokens  int
	// wrong is the answer the noisy profile gives instead, for the tasks
	// it picked to get wrong; nil for the others.
	wrong *script
	// adv are the answers of the evaluator adversaries
	// (profiles_adv_evals.go), by profile, for the tasks they attack.
	adv map[string]*script
}

// sim is the deterministic provider: suite prompts get their reference
// answer, anything else a reproducible plausible sentence or two.
type sim struct {
	pace   Pace
	seed   uint64
	byHash map[uint64]*script
	byUser map[string]*script
	// byFollow answers the turn after janus played a multi-turn task's
	// tools, keyed like byHash by the task's own messages.
	byFollow map[uint64]*script
	// prof is the server's misbehaviour profile (see profiles.go).
	prof profile
	// suites and mem serve ProfileMemorizer's nearest-prompt lookup.
	suites []*suites.Suite
	mem    memory
}

var _ Provider = (*sim)(nil)

// newSim indexes the oracle suites: by a hash of all message roles and texts
// (exact conversation) and by the last user message (the same question
// asked with a different system prompt or history). The first task wins on
// either key.
func newSim(pace Pace, seed uint64, ss []*suites.Suite) *sim {
	p := &sim{pace: pace, seed: seed, byHash: map[uint64]*script{}, byUser: map[string]*script{}, byFollow: map[uint64]*script{}, suites: ss}
	for _, s := range ss {
		if s == nil {
			continue
		}
		for i := range s.Tasks {
			t := &s.Tasks[i]
			if t.Memory != nil {
				// A memory task's answer must come from a memory service
				// (recalled), never from the reference: its question is
				// the same for the decoy user, who must not get this fact.
				continue
			}
			ref := t.Reference
			if len(t.ToolResults) > 0 {
				// Multi-turn: the tool calls first; the final answer once
				// the tool results are back.
				final := suites.Reference{Content: ref.Content, Artifacts: ref.Artifacts}
				ref.Content, ref.Artifacts = "", nil
				if h := messagesHash(t.Messages); p.byFollow[h] == nil {
					p.byFollow[h] = buildScript(t.ID, final, seed)
				}
			}
			sc := buildScript(t.ID, ref, seed)
			if h := messagesHash(t.Messages); p.byHash[h] == nil {
				p.byHash[h] = sc
			}
			if u := wire.LastUser(t.Messages); u != "" && p.byUser[u] == nil {
				p.byUser[u] = sc
			}
		}
	}
	return p
}

// Name implements Provider.
func (p *sim) Name() string { return "sim" }

// Features implements Provider.
func (p *sim) Features() []string {
	return []string{"oracle", "reasoning_content", "tool_calls", "max_tokens", "metadata_pace", "metadata_profile"}
}

// Open implements Provider: it picks the script and the pace; nothing here
// waits or fails except a malformed pace override.
func (p *sim) Open(ctx context.Context, req *Request) (Generation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sim open: %w", err)
	}
	pace, err := p.paceFor(req.Chat.Metadata)
	if err != nil {
		return nil, err
	}
	prof, err := p.profileFor(req.Chat.Metadata)
	if err != nil {
		return nil, err
	}
	msgs := req.Chat.Messages
	h := messagesHash(msgs)
	sc := p.lookup(msgs, h)
	if sc == nil && prof.name == ProfileMemorizer {
		sc = p.memorized(msgs)
	}
	if sc == nil {
		sc = recalled(msgs)
	}
	if sc == nil {
		sc = buildScript("", suites.Reference{Content: improvise(p.seed, h, wire.LastUser(msgs))}, p.seed)
	}
	if prof.name == ProfileNoisy && sc.wrong != nil {
		sc = sc.wrong
	}
	if a := sc.adv[prof.name]; a != nil {
		sc = a
	}
	if prof.name == ProfileSlow || adversaryOf(prof.name).slowFirst {
		pace.TTFT = prof.scaled(slowTTFT)
	}
	prompt := 0
	for _, m := range msgs {
		prompt += tokens.Count(wire.TextOf(m))
	}
	g := &simGeneration{sc: sc, pace: pace, start: req.Start, prompt: prompt}
	if mt := req.Chat.MaxTokens; mt != nil {
		g.maxTokens = *mt
	}
	g.prof = prof.forScript(sc, g.maxTokens)
	return g, nil
}

// lookup finds the oracle script for a conversation: the exact conversation
// first, then its last user message, but only while that user message is
// the last word: a conversation that continues after it (a tool result, an
// assistant turn) is no longer the task's question, and answering it with
// the task's tool call again would loop an agent forever.
func (p *sim) lookup(msgs []openai.ChatCompletionMessage, h uint64) *script {
	if sc := p.byHash[h]; sc != nil {
		return sc
	}
	n := len(msgs)
	if n > 0 && msgs[n-1].Role == openai.ChatMessageRoleUser {
		return p.byUser[wire.TextOf(msgs[n-1])]
	}
	// Tool results after the task's question: the task's final answer, once.
	if n > 0 && msgs[n-1].Role == openai.ChatMessageRoleTool {
		i := n - 1
		for i >= 0 && msgs[i].Role == openai.ChatMessageRoleTool {
			i--
		}
		if i >= 0 && msgs[i].Role == openai.ChatMessageRoleAssistant && len(msgs[i].ToolCalls) > 0 {
			return p.byFollow[messagesHash(msgs[:i])]
		}
	}
	return nil
}

// paceFor applies the per-request metadata overrides to the server's pace.
func (p *sim) paceFor(meta map[string]any) (Pace, error) {
	pace := p.pace
	for _, o := range []struct {
		key string
		dst *time.Duration
	}{{MetaPaceTTFTms, &pace.TTFT}, {MetaPaceTokenMs, &pace.PerToken}} {
		key := o.key
		v, ok := meta[key]
		if !ok {
			continue
		}
		ms, ok := metaNumber(v)
		if !ok || ms < 0 || ms > float64(maxMetaPace.Milliseconds()) {
			return Pace{}, badRequest("metadata."+key,
				"metadata.%s must be a number of milliseconds between 0 and %d", key, maxMetaPace.Milliseconds())
		}
		*o.dst = time.Duration(ms * float64(time.Millisecond))
	}
	return pace, nil
}

// metaNumber reads a metadata value as a number.
func metaNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// simGeneration plays one script for one request.
type simGeneration struct {
	sc        *script
	pace      Pace
	start     time.Time
	prompt    int
	maxTokens int
	prof      profile
}

// Run implements Generation. Step i is due when its last token is due:
// start + TTFT + (tokens so far + its tokens - 1) * PerToken, shifted by
// the profile (see profile.due).
func (g *simGeneration) Run(ctx context.Context, sink Sink) (Outcome, error) {
	steps, finish := g.sc.steps, g.sc.finish
	used, prev := 0, g.start
	var padded strings.Builder
	for i, st := range steps {
		if g.maxTokens > 0 && used+st.tokens > g.maxTokens {
			steps, finish = steps[:i], "length"
			break
		}
		ev := Event{Kind: st.kind, Delta: st.delta, At: g.prof.due(g.pace, g.start, i, used+st.tokens-1)}
		if err := g.prof.beforeStep(ctx, sink, i, ev.At); err != nil {
			return Outcome{}, fmt.Errorf("sim run: %w", err)
		}
		pad, err := g.prof.pad(ctx, sink, i, prev, ev.At)
		if err != nil {
			return Outcome{}, fmt.Errorf("sim run: %w", err)
		}
		padded.WriteString(pad)
		if err := sink.Emit(ctx, ev); err != nil {
			return Outcome{}, fmt.Errorf("sim run: %w", err)
		}
		used += st.tokens
		prev = ev.At
	}
	completion, reasoning := g.sc.completionTokens, g.sc.reasoningTokens
	recount := len(steps) < len(g.sc.steps) || padded.Len() > 0
	if padded.Len() > 0 {
		// An adversary's padded reasoning came before the script's: the
		// usage counts it as the harness does, so only its trick differs.
		steps = append([]step{{delta: wire.Delta{ReasoningContent: padded.String()}}}, steps...)
	}
	if recount {
		completion, reasoning = countOutput(steps)
	}
	return Outcome{FinishReason: finish, Usage: g.prof.falsify(simUsage(g.prompt, completion, reasoning))}, nil
}

// simUsage prices a request at the documented sim rates.
func simUsage(prompt, completion, reasoning int) wire.Usage {
	cost := (float64(prompt)*SimPromptUSDPerMillion + float64(completion)*SimCompletionUSDPerMillion) / 1e6
	return wire.Usage{PromptTokens: prompt, CompletionTokens: completion,
		TotalTokens: prompt + completion, ReasoningTokens: reasoning, CostUSD: &cost}
}

// buildScript turns a reference answer into steps: reasoning tokens, then
// content tokens, then each tool call as one delta with its id and name
// followed by its arguments in pieces of a few tokens.
func buildScript(taskID string, ref suites.Reference, seed uint64) *script {
	sc := &script{taskID: taskID, finish: "stop"}
	for _, t := range tokens.Split(ref.ReasoningContent) {
		sc.steps = append(sc.steps, step{kind: KindReasoning, delta: wire.Delta{ReasoningContent: t}, tokens: 1})
	}
	for _, t := range tokens.Split(ref.Content) {
		sc.steps = append(sc.steps, step{kind: KindContent, delta: wire.Delta{Content: t}, tokens: 1})
	}
	if len(ref.Artifacts) > 0 {
		sc.steps = append(sc.steps, step{kind: KindArtifact, delta: wire.Delta{Artifacts: ref.Artifacts}, tokens: 1})
	}
	for i, tc := range ref.ToolCalls {
		idx := i
		head := openai.ToolCall{Index: &idx, ID: toolCallID(seed, taskID, i), Type: openai.ToolTypeFunction,
			Function: openai.FunctionCall{Name: tc.Name}}
		sc.steps = append(sc.steps, step{kind: KindToolCall,
			delta: wire.Delta{ToolCalls: []openai.ToolCall{head}}, tokens: max(1, tokens.Count(tc.Name))})
		parts := tokens.Split(tc.Arguments)
		for len(parts) > 0 {
			n := min(argPieceTokens, len(parts))
			piece := openai.ToolCall{Index: &idx, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Arguments: strings.Join(parts[:n], "")}}
			sc.steps = append(sc.steps, step{kind: KindToolCall,
				delta: wire.Delta{ToolCalls: []openai.ToolCall{piece}}, tokens: n})
			parts = parts[n:]
		}
		sc.finish = "tool_calls"
	}
	sc.completionTokens, sc.reasoningTokens = countOutput(sc.steps)
	return sc
}

// countOutput counts the output tokens of steps the way the harness does:
// cl100k over reasoning, then content, then each tool call's name and
// arguments, concatenated in that order, so the sim's usage agrees with the
// harness's own count exactly.
func countOutput(steps []step) (completion, reasoning int) {
	var r, c, t strings.Builder
	for _, st := range steps {
		r.WriteString(st.delta.ReasoningContent)
		c.WriteString(st.delta.Content)
		for _, tc := range st.delta.ToolCalls {
			t.WriteString(tc.Function.Name)
			t.WriteString(tc.Function.Arguments)
		}
	}
	return tokens.Count(r.String() + c.String() + t.String()), tokens.Count(r.String())
}

// messagesHash is a stable FNV-1a hash of every message's role and text.
// Image parts do not take part: the oracle recognises the question, and the
// harness sends the suite's images unchanged.
func messagesHash(msgs []openai.ChatCompletionMessage) uint64 {
	h := fnv.New64a()
	for _, m := range msgs {
		h.Write([]byte(m.Role))
		h.Write([]byte{0})
		h.Write([]byte(wire.TextOf(m)))
		h.Write([]byte{0})
		// Images too: two tasks may ask one question of two pictures.
		for _, p := range m.MultiContent {
			if p.ImageURL != nil {
				h.Write([]byte(p.ImageURL.URL))
				h.Write([]byte{0})
			}
		}
	}
	return h.Sum64()
}

// toolCallID is a reproducible OpenAI-style tool call id.
func toolCallID(seed uint64, taskID string, i int) string {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(i))
	h.Write(b[:])
	h.Write([]byte(taskID))
	return fmt.Sprintf("call_%016x", h.Sum64())
}

// Phrase pools for improvised answers.
var (
	openers = []string{"Briefly", "In short", "Put simply", "To summarise", "At a high level"}
	middles = []string{
		"the key to %s is to start from the simplest case and build up from there",
		"%s comes down to a few well-understood steps",
		"the usual approach to %s is to check the assumptions first",
		"most of %s follows from one or two basic principles",
		"%s is best answered by looking at the concrete details involved",
	}
	closers = []string{
		"Once that is clear, the remaining details tend to fall into place.",
		"With more context a more specific answer is possible.",
		"That covers the main points; edge cases depend on the setup.",
		"This is the standard approach and it works well in practice.",
	}
)

// improvise is the sim's answer to a prompt it does not know: a sentence
// or two that reads like an answer, chosen by the seed and the prompt hash
// so that the same prompt always gets the same answer.
func improvise(seed, promptHash uint64, lastUser string) string {
	r := rand.New(rand.NewPCG(seed, promptHash))
	topic := "your question"
	if words := strings.Fields(lastUser); len(words) > 0 {
		words = words[:min(len(words), 6)]
		topic = `"` + strings.TrimRight(strings.Join(words, " "), ".,;:!?") + `"`
	}
	return openers[r.IntN(len(openers))] + ", " +
		fmt.Sprintf(middles[r.IntN(len(middles))], topic) + ". " +
		closers[r.IntN(len(closers))]
}
