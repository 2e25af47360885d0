package baseline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
)

// Frame kinds of the agent path, passed to an EventObserver (KindArtifact
// is declared with the others).
const (
	// KindJanus is a delta.janus structured event (tool_start, tool_end,
	// sandbox_start, sandbox_end, debug).
	KindJanus = "janus"
)

// FinishError is the finish_reason of a stream that ended because the
// provider failed (after an error chunk): it is set so that every stream
// ends with a finish reason, and it is not "stop" so that no client takes
// the partial answer for a complete one.
const FinishError = "error"

// Janus event names streamed in delta.janus.
const (
	EventToolStart    = "tool_start"
	EventToolEnd      = "tool_end"
	EventSandboxStart = "sandbox_start"
	EventSandboxEnd   = "sandbox_end"
	EventDebug        = "debug"
)

// DefaultMaxAgentSteps bounds the tool loop: model calls per request.
const DefaultMaxAgentSteps = 6

// maxToolOutput bounds what a tool's output feeds back to the model and
// what tool_end's payload repeats.
const (
	maxToolOutput  = 8 << 10
	maxEventOutput = 500
)

// Brain is the model behind the baseline: one call per step of the agent
// loop, or the single call of the fast path. The openai provider's brain is
// a go-openai client; the sim's is a deterministic script.
type Brain interface {
	// Name identifies the brain ("sim", "openai").
	Name() string
	// Turn runs one model call over t.Messages offering t.Tools. It streams
	// reasoning and content deltas through emit as they arrive and returns
	// the whole turn, tool calls included (they are not emitted). On error
	// it returns what it had so far, usage included.
	Turn(ctx context.Context, t Turn, emit func(wire.Delta) error) (TurnResult, error)
}

// Turn is one model call.
type Turn struct {
	// Chat is the client's request: sampling parameters, flags, metadata.
	Chat *wire.ChatRequest
	// Model is the upstream model to call.
	Model string
	// Messages is the conversation so far, tool results included.
	Messages []openai.ChatCompletionMessage
	// Tools are the functions offered.
	Tools []openai.Tool
	// ToolChoice is passed upstream when set.
	ToolChoice any
}

// TurnResult is what one model call produced.
type TurnResult struct {
	Content      string
	Reasoning    string
	ToolCalls    []openai.ToolCall
	FinishReason string
	// Usage is the upstream's own figures, nil when it reported none (the
	// loop counts with internal/tokens instead).
	Usage *wire.Usage
}

// Models names the upstream models per path; empty fields fall back to
// Default.
type Models struct {
	Default, Fast, Agent, Vision string
}

func (m Models) pick(d RoutingDecision, vision bool) string {
	first := func(ss ...string) string {
		for _, s := range ss {
			if s != "" {
				return s
			}
		}
		return ""
	}
	switch {
	case d.Model != "":
		return d.Model
	case vision:
		return first(m.Vision, m.Default)
	case d.Path == PathAgent:
		return first(m.Agent, m.Default)
	}
	return first(m.Fast, m.Default)
}

// router is the baseline's Provider when it has a brain: it classifies
// every request, answers the fast path with one model call (or the sim's
// own script) and the agent path with the tool loop.
type router struct {
	// inner answers the fast path and every task the oracle knows; nil
	// when the brain answers everything.
	inner Provider
	knows func([]openai.ChatCompletionMessage) bool
	brain Brain
	// models: the upstream models by path.
	models Models
	// served are the model ids a request may name to pick its upstream
	// model: the upstream's list at start and Config.Models (openai
	// provider only).
	served map[string]bool
	// images is the image provider of generation_flags.generate_image.
	images *ImageProvider
	// self is the baseline's own model id: a request naming it leaves the
	// choice to the routing.
	self     string
	tools    *agenttools.Registry
	env      *agenttools.Env
	store    *artifactStore
	prices   pricing.Prices
	maxSteps int
	log      *slog.Logger
}

var _ Provider = (*router)(nil)

// Name implements Provider.
func (r *router) Name() string {
	if r.inner != nil {
		return r.inner.Name()
	}
	return r.brain.Name()
}

// Features implements Provider.
func (r *router) Features() []string {
	var fs []string
	if r.inner != nil {
		fs = append(fs, r.inner.Features()...)
	} else {
		fs = append(fs, "reasoning_content", "tool_calls")
	}
	fs = append(fs, "routing", "agent_tools", "janus_events", "artifacts", "debug_events", "usage_on_error")
	for _, n := range r.tools.Names() {
		fs = append(fs, "tool:"+n)
	}
	return fs
}

// Open implements Provider.
func (r *router) Open(ctx context.Context, req *Request) (Generation, error) {
	d, err := Classify(req.Chat)
	if err != nil {
		return nil, err
	}
	vision := hasImage(lastUserMessage(req.Chat.Messages))
	d.Model = r.resolveModel(req, d, vision)
	req.Routing = &d
	known := r.inner != nil && r.knows(req.Chat.Messages)
	if r.inner != nil && (known || (d.Path == PathFast && forcedTool(req.Chat.ToolChoice, req.Chat.Tools) == nil)) {
		if d.Path == PathAgent {
			d.Reason += "; oracle knows the task"
		}
		g, err := r.inner.Open(ctx, req)
		if err != nil || !req.Chat.Debug {
			return g, err
		}
		return &debugGen{Generation: g, payload: map[string]any{"path": d.Path, "reason": d.Reason,
			"model": d.Model, "provider": r.inner.Name(), "oracle": known}}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if flags := flagsOf(req.Chat); len(flags) > 0 {
		return &flagGen{req: req, flags: flags, images: r.images, store: r.store, prices: r.prices, model: d.Model}, nil
	}
	g := &agentGen{r: r, req: req, model: d.Model, agent: d.Path == PathAgent}
	return g, nil
}

// resolveModel picks the upstream model of a request, first match wins
// (README, Jangar mode): the request's model when a model list serves it
// (Config.Models, the upstream's GET /v1/models) or a Jan model.json named
// it (req.FileModel); the routing pin's model; the per-path default
// (vision, agent, fast), then Models.Default. The sim's router keeps its
// one model.
func (r *router) resolveModel(req *Request, d RoutingDecision, vision bool) string {
	if r.inner == nil {
		if req.FileModel != "" {
			return req.FileModel
		}
		if m := req.Chat.Model; m != "" && m != r.self && r.served[m] {
			return m
		}
	}
	return r.models.pick(d, vision)
}

// agentGen answers one request with the brain: one turn on the fast path,
// the tool loop on the agent path.
type agentGen struct {
	r     *router
	req   *Request
	model string
	agent bool

	prompt, completion int
	upstreamUsage      bool
	sandbox            time.Duration
	usedSandbox        bool
}

// Run implements Generation. Whatever happens, the returned Outcome holds
// the usage so far, so a failed turn still reports what it cost.
func (g *agentGen) Run(ctx context.Context, sink Sink) (out Outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("agent loop panicked: %v", v)
			g.r.log.LogAttrs(ctx, slog.LevelError, "agent loop panicked", slog.String("request_id", g.req.ID),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		}
		out.Usage = g.usage()
	}()
	chat := g.req.Chat
	msgs := append([]openai.ChatCompletionMessage(nil), chat.Messages...)
	clientTools, offered, choice := g.offeredTools()
	emit := func(d wire.Delta) error {
		return sink.Emit(ctx, Event{Kind: deltaKind(d), Delta: d})
	}
	if err := g.emitRouting(emit); err != nil {
		return out, err
	}
	steps := 1
	if g.agent {
		steps = g.r.maxSteps
	}
	for step := 0; step < steps; step++ {
		if chat.Debug {
			if err := g.event(ctx, sink, EventDebug, map[string]any{"step": step, "model": g.model,
				"messages": len(msgs), "tools": toolNames(offered), "path": pathOf(g.agent)}); err != nil {
				return out, err
			}
		}
		t := Turn{Chat: chat, Model: g.model, Messages: msgs, Tools: offered, ToolChoice: choice}
		if step == steps-1 && g.agent && step > 0 {
			// Last step: no more tools, the model must answer.
			t.Tools, t.ToolChoice = chat.Tools, chat.ToolChoice
		}
		res, err := g.r.brain.Turn(ctx, t, emit)
		if err != nil && g.agent && toolsRefused(err) && len(offered) > len(chat.Tools) {
			// A model without function calling (many local ones) refuses
			// the request outright: answer without the local tools rather
			// than fail it.
			if e := g.noteToolsRefused(ctx, emit, err); e != nil {
				return out, e
			}
			offered, choice = chat.Tools, chat.ToolChoice
			t.Tools, t.ToolChoice = offered, choice
			res, err = g.r.brain.Turn(ctx, t, emit)
		}
		g.account(msgs, offered, res)
		if err != nil {
			return out, fmt.Errorf("%s turn %d: %w", g.r.brain.Name(), step+1, err)
		}
		local, client := g.splitToolCalls(res.ToolCalls, clientTools)
		if len(client) > 0 {
			// The client runs its own tools: hand the calls over and stop.
			if err := handOverToolCalls(ctx, sink, client); err != nil {
				return out, err
			}
			out.FinishReason = "tool_calls"
			return out, nil
		}
		if len(local) == 0 {
			out.FinishReason = finishReason(res)
			return out, nil
		}
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant,
			Content: res.Content, ToolCalls: local})
		for _, tc := range local {
			result, err := g.runTool(ctx, sink, tc)
			if err != nil {
				return out, err
			}
			// No "name" on the tool message: OpenAI's schema has only
			// tool_call_id, and strict upstreams reject extra fields.
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool,
				ToolCallID: tc.ID, Content: result})
		}
	}
	out.FinishReason = "length"
	return out, nil
}

// offeredTools is the tools the model is offered: on the agent path the
// local tools the client does not define itself, then the client's; and
// the tool choice (on the agent path, "none" leaves the choice to the
// model). clientTools names the client's agenttools.
func (g *agentGen) offeredTools() (clientTools map[string]bool, offered []openai.Tool, choice any) {
	chat := g.req.Chat
	clientTools = map[string]bool{}
	for _, t := range chat.Tools {
		if t.Function != nil {
			clientTools[t.Function.Name] = true
		}
	}
	choice = chat.ToolChoice
	if g.agent {
		for _, t := range g.r.tools.Specs() {
			if !clientTools[t.Function.Name] {
				offered = append(offered, t)
			}
		}
		if choice == nil || choice == "none" {
			choice = nil
		}
	}
	return clientTools, append(offered, chat.Tools...), choice
}

// deltaKind is the frame kind of a delta the brain emits.
func deltaKind(d wire.Delta) string {
	switch {
	case d.Janus != nil && d.Content == "" && d.ReasoningContent == "":
		return KindJanus
	case d.Content == "" && d.ReasoningContent != "":
		return KindReasoning
	case d.Content == "" && len(d.Artifacts) > 0:
		return KindArtifact
	}
	return KindContent
}

// splitToolCalls parts the model's tool calls into those janus runs (local
// tools, on the agent path, that the client does not define) and those
// the client runs.
func (g *agentGen) splitToolCalls(calls []openai.ToolCall, clientTools map[string]bool) (local, client []openai.ToolCall) {
	for _, tc := range calls {
		if _, ok := g.r.tools.Get(tc.Function.Name); ok && g.agent && !clientTools[tc.Function.Name] {
			local = append(local, tc)
		} else {
			client = append(client, tc)
		}
	}
	return local, client
}

// handOverToolCalls emits the client's tool calls, indexed in order.
func handOverToolCalls(ctx context.Context, sink Sink, calls []openai.ToolCall) error {
	for i, tc := range calls {
		idx := i
		tc.Index = &idx
		if tc.Type == "" {
			tc.Type = openai.ToolTypeFunction
		}
		if err := sink.Emit(ctx, Event{Kind: KindToolCall, Delta: wire.Delta{ToolCalls: []openai.ToolCall{tc}}}); err != nil {
			return err
		}
	}
	return nil
}

// emitRouting emits the routing decision, when there is one, as the
// answer's first reasoning step, on the fast path too:
// janus-openai-compat.md has reasoning_content emitted for every model.
// Its tokens are output the client is billed for.
func (g *agentGen) emitRouting(emit func(wire.Delta) error) error {
	d := g.req.Routing
	if d == nil {
		return nil
	}
	note := fmt.Sprintf("Route: %s path (%s); model %s.\n", d.Path, d.Reason, g.model)
	g.completion += tokens.Count(note)
	return emit(wire.Delta{ReasoningContent: note})
}

// noteToolsRefused logs that the model refused the request for its tools
// and tells the client, in the reasoning, that it answers without them.
func (g *agentGen) noteToolsRefused(ctx context.Context, emit func(wire.Delta) error, refusal error) error {
	g.r.log.LogAttrs(ctx, slog.LevelWarn, "upstream refused tools; answering without local tools",
		slog.String("request_id", g.req.ID), slog.String("model", g.model), slog.Any("error", refusal))
	return emit(wire.Delta{ReasoningContent: "The model cannot call tools; answering directly.\n"})
}

// finishReason is the reason a turn that called no tool ends with: the
// model's, with "stop" for none or for tool calls it did not make.
func finishReason(res TurnResult) string {
	if res.FinishReason == "" || res.FinishReason == "tool_calls" {
		return "stop"
	}
	return res.FinishReason
}

func pathOf(agent bool) string {
	if agent {
		return PathAgent
	}
	return PathFast
}

func toolNames(ts []openai.Tool) []string {
	var ns []string
	for _, t := range ts {
		if t.Function != nil {
			ns = append(ns, t.Function.Name)
		}
	}
	return ns
}

// event streams one delta.janus event.
func (g *agentGen) event(ctx context.Context, sink Sink, name string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", name, err)
	}
	return sink.Emit(ctx, Event{Kind: KindJanus, Delta: wire.Delta{Janus: &wire.JanusEvent{Event: name, Payload: b}}})
}

// runTool runs one local tool call with its events and returns the text
// fed back to the model. A failing or panicking tool is an answer for the
// model ("error: …"), not a failed request; only a sink error (the client
// is gone) stops the loop.
func (g *agentGen) runTool(ctx context.Context, sink Sink, tc openai.ToolCall) (string, error) {
	name := tc.Function.Name
	tool, _ := g.r.tools.Get(name)
	if err := sink.Emit(ctx, Event{Kind: KindReasoning, Delta: wire.Delta{
		ReasoningContent: fmt.Sprintf("Calling %s(%s).\n", name, clip.Bytes(tc.Function.Arguments, 200, clip.Ellipsis))}}); err != nil {
		return "", err
	}
	if err := g.event(ctx, sink, EventToolStart, map[string]any{"id": tc.ID, "name": name,
		"arguments": json.RawMessage(validJSON(tc.Function.Arguments))}); err != nil {
		return "", err
	}
	if tool.Sandbox {
		if err := g.event(ctx, sink, EventSandboxStart, map[string]any{"tool": name, "id": tc.ID}); err != nil {
			return "", err
		}
	}
	start := time.Now()
	res, terr := g.r.tools.Call(ctx, g.r.env, name, json.RawMessage(tc.Function.Arguments))
	took := time.Since(start)
	if tool.Sandbox {
		g.usedSandbox = true
		sb := res.Sandbox
		if sb == 0 {
			sb = took
		}
		g.sandbox += sb
		if err := g.event(ctx, sink, EventSandboxEnd, map[string]any{"tool": name, "id": tc.ID,
			"sandbox_seconds": sb.Seconds(), "ok": terr == nil}); err != nil {
			return "", err
		}
	}
	var arts []wire.Artifact
	for _, f := range res.Files {
		arts = append(arts, g.r.store.put(f.Type, f.MimeType, f.Name, f.Data, g.req.BaseURL))
	}
	if len(arts) > 0 {
		if err := sink.Emit(ctx, Event{Kind: KindArtifact, Delta: wire.Delta{Artifacts: arts}}); err != nil {
			return "", err
		}
	}
	output := res.Output
	end := map[string]any{"id": tc.ID, "name": name, "ok": terr == nil, "duration_ms": took.Milliseconds()}
	if terr != nil {
		output = "error: " + terr.Error()
		end["error"] = terr.Error()
		g.r.log.LogAttrs(ctx, slog.LevelWarn, "tool failed", slog.String("request_id", g.req.ID),
			slog.String("tool", name), slog.Any("error", terr))
	}
	for _, a := range arts {
		output += fmt.Sprintf("\nartifact %s (%s, %d bytes): %s", a.DisplayName, a.MimeType, a.SizeBytes, a.URL)
	}
	end["output"] = clip.Bytes(output, maxEventOutput, clip.Ellipsis)
	if len(arts) > 0 {
		ids := make([]string, len(arts))
		for i, a := range arts {
			ids[i] = a.ID
		}
		end["artifacts"] = ids
	}
	if err := g.event(ctx, sink, EventToolEnd, end); err != nil {
		return "", err
	}
	return clip.Bytes(output, maxToolOutput, clip.Ellipsis), nil
}

// account adds one turn's usage: the upstream's when it reported it, else
// cl100k counts of what was sent and received.
func (g *agentGen) account(msgs []openai.ChatCompletionMessage, offered []openai.Tool, res TurnResult) {
	if res.Usage != nil && res.Usage.TotalTokens > 0 {
		g.upstreamUsage = true
		g.prompt += res.Usage.PromptTokens
		g.completion += res.Usage.CompletionTokens
		return
	}
	for _, m := range msgs {
		g.prompt += tokens.Count(wire.TextOf(m))
		for _, tc := range m.ToolCalls {
			g.prompt += tokens.Count(tc.Function.Name + tc.Function.Arguments)
		}
	}
	if len(offered) > 0 {
		if b, err := json.Marshal(offered); err == nil {
			g.prompt += tokens.Count(string(b))
		}
	}
	out := res.Reasoning + res.Content
	for _, tc := range res.ToolCalls {
		out += tc.Function.Name + tc.Function.Arguments
	}
	g.completion += tokens.Count(out)
}

// usage prices the tokens and sandbox time with the router's table.
func (g *agentGen) usage() wire.Usage {
	p := g.r.prices.For(g.model)
	sb := g.sandbox.Seconds()
	cost := (float64(g.prompt)*p.PromptUSDPerMTok+float64(g.completion)*p.CompletionUSDPerMTok)/1e6 +
		sb*g.r.prices.SandboxUSDPerSecond
	u := wire.Usage{PromptTokens: g.prompt, CompletionTokens: g.completion,
		TotalTokens: g.prompt + g.completion, CostUSD: &cost}
	if g.agent {
		u.SandboxSeconds = &sb
	}
	return u
}

// validJSON returns s when it is JSON, else s as a JSON string, so an
// event payload stays valid whatever arguments a model produced.
func validJSON(s string) string {
	if json.Valid([]byte(s)) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// runSafely runs gen, turning a panic into an error so the handler can
// still close the stream properly.
func runSafely(ctx context.Context, gen Generation, sink Sink) (out Outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("provider panicked: %v", v)
		}
	}()
	return gen.Run(ctx, sink)
}

// countedUsage is the handler's last resort when a provider failed without
// reporting usage: cl100k counts of the prompt and of what was streamed.
func (s *Server) countedUsage(chat *wire.ChatRequest, emitted string) wire.Usage {
	prompt := 0
	for _, m := range chat.Messages {
		prompt += tokens.Count(wire.TextOf(m))
	}
	completion := tokens.Count(emitted)
	p := s.prices.For(s.cfg.Model)
	cost := (float64(prompt)*p.PromptUSDPerMTok + float64(completion)*p.CompletionUSDPerMTok) / 1e6
	return wire.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion, CostUSD: &cost}
}

// forceWrite lets the closing frames be attempted after a failed write.
func (s *streamSink) forceWrite() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = nil
}

// knownTask reports whether the sim's oracle has a script for msgs.
//
// A question its recalled memories answer (recalled) is known too: the
// answer is in the conversation, the tool loop has nothing to add.
func (p *sim) knownTask(msgs []openai.ChatCompletionMessage) bool {
	return p.lookup(msgs, messagesHash(msgs)) != nil || recalled(msgs) != nil
}

// simPrices is the sim's documented price table as a pricing.Prices.
func simPrices() pricing.Prices {
	return pricing.Prices{Default: pricing.Price{PromptUSDPerMTok: SimPromptUSDPerMillion,
		CompletionUSDPerMTok: SimCompletionUSDPerMillion}, SandboxUSDPerSecond: pricing.SandboxUSDPerSecond}
}

// joinLines is strings.Join for tool summaries.
func joinLines(ss []string) string { return strings.Join(ss, "\n") }

// newSimRouter puts the classifier and the sim's scripted agent in front
// of the sim: the fast path and every task the oracle knows stay the
// sim's (profiles included), unknown agent-worthy requests run the tool
// loop.
func newSimRouter(cfg Config, sp *sim, store *artifactStore, prices pricing.Prices) *router {
	return &router{inner: sp, knows: sp.knownTask, brain: simBrain{}, models: Models{Default: cfg.Model}, images: cfg.Image,
		tools: toolsOf(cfg), env: &agenttools.Env{Corpus: cfg.Corpus}, store: store, prices: prices,
		maxSteps: stepsOf(cfg), log: cfg.Logger}
}

// newUpstreamRouter builds the openai provider, or returns nil (after a
// warning) when no upstream URL is set and no local server answers, so
// that New falls back to the sim.
func newUpstreamRouter(cfg *Config, store *artifactStore) (*router, error) {
	uc := cfg.Upstream
	if uc.URL == "" {
		urls := uc.ProbeURLs
		if urls == nil {
			urls = DefaultProbeURLs
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(urls)+1)*max(uc.ProbeTimeout, DefaultProbeTimeout))
		defer cancel()
		u, model, err := Probe(ctx, urls, uc.ProbeTimeout, uc.APIKey)
		if err != nil {
			cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "provider openai: no upstream URL set ("+EnvUpstreamURL+
				") and no local server found; falling back to the sim provider",
				slog.String("probed", strings.Join(urls, ", ")), slog.Any("error", err))
			return nil, nil
		}
		uc.URL = u
		if uc.Models.Default == "" {
			uc.Models.Default = model
		}
		cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "provider openai: using local server",
			slog.String("url", u), slog.String("model", uc.Models.Default))
	}
	var listed []string
	if uc.Models.Default == "" {
		// Ask the upstream which models it serves and take the first,
		// waiting for one that is still starting.
		ids, err := waitModels(context.Background(), cfg.Logger, strings.TrimRight(uc.URL, "/"), uc.APIKey, uc.WaitTimeout, uc.WaitBase)
		if err != nil {
			return nil, fmt.Errorf("provider openai: no model: set %s (or --upstream-model); asking %s/models: %w",
				EnvUpstreamModel, uc.URL, err)
		}
		uc.Models.Default, listed = ids[0], ids
	} else {
		// Only for resolving request models: one quick look, no wait.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ids, err := listModels(ctx, strings.TrimRight(uc.URL, "/"), 2*time.Second, uc.APIKey)
		cancel()
		if err != nil {
			cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "provider openai: upstream model list unavailable; request models resolve through --models and model.json only",
				slog.String("url", uc.URL), slog.Any("error", err))
		}
		listed = ids
	}
	prices := pricing.DefaultPrices()
	if cfg.Prices != nil {
		prices = *cfg.Prices
	}
	served := map[string]bool{}
	for _, m := range append(listed, cfg.Models...) {
		served[m] = true
	}
	return &router{brain: newUpstream(uc), models: uc.Models, served: served, self: cfg.Model, images: cfg.Image, tools: toolsOf(*cfg),
		env: &agenttools.Env{Corpus: cfg.Corpus}, store: store, prices: prices, maxSteps: stepsOf(*cfg), log: cfg.Logger}, nil
}

// toolsOf is the agent path's tool box: cfg.Tools, else the default one,
// without run_code unless cfg.EnableCodeTool.
func toolsOf(cfg Config) *agenttools.Registry {
	if cfg.Tools != nil {
		return cfg.Tools
	}
	if cfg.EnableCodeTool {
		return agenttools.Default()
	}
	return agenttools.Default().Without(agenttools.NameRunCode)
}

func stepsOf(cfg Config) int {
	if cfg.MaxAgentSteps > 0 {
		return cfg.MaxAgentSteps
	}
	return DefaultMaxAgentSteps
}

// debugGen adds a debug event before an inner provider's answer, for
// requests with debug: true that the agent loop does not handle.
type debugGen struct {
	Generation
	payload map[string]any
}

// Run implements Generation.
func (g *debugGen) Run(ctx context.Context, sink Sink) (Outcome, error) {
	b, err := json.Marshal(g.payload)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode debug event: %w", err)
	}
	if err := sink.Emit(ctx, Event{Kind: KindJanus, Delta: wire.Delta{Janus: &wire.JanusEvent{Event: EventDebug, Payload: b}}}); err != nil {
		return Outcome{}, err
	}
	return g.Generation.Run(ctx, sink)
}

// toolsRefused reports an upstream 400 that names tools or functions: the
// model does not support function calling.
func toolsRefused(err error) bool {
	var ae *openai.APIError
	if errors.As(err, &ae) && ae.HTTPStatusCode == http.StatusBadRequest {
		m := strings.ToLower(ae.Message)
		return strings.Contains(m, "tool") || strings.Contains(m, "function")
	}
	var re *openai.RequestError
	if errors.As(err, &re) && re.HTTPStatusCode == http.StatusBadRequest {
		m := strings.ToLower(string(re.Body) + " " + re.Error())
		return strings.Contains(m, "tool") || strings.Contains(m, "function")
	}
	return false
}
