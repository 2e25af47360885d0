package baseline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// TestOracleStreamsEverySmokeReference checks that each smoke task's
// reference answer comes back exactly, token by token, with usage that
// agrees with the harness's count.
func TestOracleStreamsEverySmokeReference(t *testing.T) {
	ts := serve(t, fast())
	for _, tk := range smoke(t).Tasks {
		t.Run(tk.ID, func(t *testing.T) {
			req := tk.ChatRequest("any-model-name", true)
			s := stream(t, ts.URL, req, nil)
			ref := firstTurn(tk)

			if s.content != ref.Content {
				t.Errorf("content = %q, want %q", s.content, ref.Content)
			}
			if s.reasoning != ref.ReasoningContent {
				t.Errorf("reasoning = %q, want %q", s.reasoning, ref.ReasoningContent)
			}
			if len(s.names) != len(ref.ToolCalls) {
				t.Fatalf("%d tool calls, want %d", len(s.names), len(ref.ToolCalls))
			}
			for i, want := range ref.ToolCalls {
				if s.names[i] != want.Name || s.args[i] != want.Arguments {
					t.Errorf("tool call %d = %s(%s), want %s(%s)", i, s.names[i], s.args[i], want.Name, want.Arguments)
				}
				if !strings.HasPrefix(s.ids[i], "call_") {
					t.Errorf("tool call %d id = %q", i, s.ids[i])
				}
			}
			wantFinish := "stop"
			if len(ref.ToolCalls) > 0 {
				wantFinish = "tool_calls"
			}
			if s.finish != wantFinish {
				t.Errorf("finish_reason = %q, want %q", s.finish, wantFinish)
			}

			// One cl100k token per content event.
			contentEvents := 0
			for _, c := range s.chunks {
				if len(c.Choices) == 1 && c.Choices[0].Delta.Content != "" {
					contentEvents++
				}
			}
			if want := tokens.Count(ref.Content); contentEvents != want {
				t.Errorf("%d content events, want one per token (%d)", contentEvents, want)
			}

			if len(s.usage) != 1 {
				t.Fatalf("%d usage chunks, want 1", len(s.usage))
			}
			u := s.usage[0]
			if want := tokens.Count(output(s.reasoning, s.content, s.names, s.args)); u.CompletionTokens != want {
				t.Errorf("completion_tokens = %d, harness counts %d", u.CompletionTokens, want)
			}
			if want := promptTokens(req); u.PromptTokens != want {
				t.Errorf("prompt_tokens = %d, want %d", u.PromptTokens, want)
			}
			if u.TotalTokens != u.PromptTokens+u.CompletionTokens {
				t.Errorf("total_tokens = %d", u.TotalTokens)
			}
			wantCost := (float64(u.PromptTokens)*baseline.SimPromptUSDPerMillion +
				float64(u.CompletionTokens)*baseline.SimCompletionUSDPerMillion) / 1e6
			if u.CostUSD == nil || *u.CostUSD != wantCost {
				t.Errorf("cost_usd = %v, want %v", u.CostUSD, wantCost)
			}
			if u.SandboxSeconds != nil {
				t.Errorf("sandbox_seconds = %v, want it omitted", *u.SandboxSeconds)
			}
		})
	}
}

// TestOracleNonStreamEverySmokeReference checks the same answers as whole
// completions.
func TestOracleNonStreamEverySmokeReference(t *testing.T) {
	ts := serve(t, fast())
	for _, tk := range smoke(t).Tasks {
		t.Run(tk.ID, func(t *testing.T) {
			req := tk.ChatRequest(testModel, false)
			c := complete(t, ts.URL, req)
			if len(c.Choices) != 1 {
				t.Fatalf("%d choices", len(c.Choices))
			}
			m := c.Choices[0].Message
			ref := firstTurn(tk)
			if m.Role != "assistant" || m.Content != ref.Content || m.ReasoningContent != ref.ReasoningContent {
				t.Errorf("message = %+v, want reference %+v", m, ref)
			}
			if len(m.Artifacts) != len(ref.Artifacts) || (len(ref.Artifacts) > 0 && m.Artifacts[0] != ref.Artifacts[0]) {
				t.Errorf("artifacts = %+v, want %+v", m.Artifacts, ref.Artifacts)
			}
			if len(m.ToolCalls) != len(tk.Reference.ToolCalls) {
				t.Fatalf("%d tool calls, want %d", len(m.ToolCalls), len(tk.Reference.ToolCalls))
			}
			names, args := []string{}, []string{}
			for i, want := range tk.Reference.ToolCalls {
				got := m.ToolCalls[i]
				if got.Function.Name != want.Name || got.Function.Arguments != want.Arguments ||
					got.Type != openai.ToolTypeFunction || got.ID == "" || got.Index != nil {
					t.Errorf("tool call %d = %+v, want %+v", i, got, want)
				}
				names, args = append(names, got.Function.Name), append(args, got.Function.Arguments)
			}
			if c.Usage == nil {
				t.Fatal("no usage")
			}
			if want := tokens.Count(output(m.ReasoningContent, m.Content, names, args)); c.Usage.CompletionTokens != want {
				t.Errorf("completion_tokens = %d, want %d", c.Usage.CompletionTokens, want)
			}
			if want := promptTokens(req); c.Usage.PromptTokens != want {
				t.Errorf("prompt_tokens = %d, want %d", c.Usage.PromptTokens, want)
			}
		})
	}
}

// firstTurn is what the oracle answers to a task's own messages: the
// reference, but for a multi-turn task only its tool calls (the final
// content comes once the tool results are back).
func firstTurn(tk suites.Task) suites.Reference {
	ref := tk.Reference
	if len(tk.ToolResults) > 0 {
		ref.Content, ref.Artifacts = "", nil
	}
	return ref
}

// TestOracleFollowUpTurn checks the second turn of a multi-turn task: after
// the tool results come back, the oracle gives the final answer, and a
// conversation it does not know gets no scripted answer.
func TestOracleFollowUpTurn(t *testing.T) {
	ts := serve(t, fast())
	var tk suites.Task
	for _, x := range smoke(t).Tasks {
		if len(x.ToolResults) > 0 {
			tk = x
		}
	}
	if tk.ID == "" {
		t.Fatal("smoke has no multi-turn task")
	}
	first := complete(t, ts.URL, tk.ChatRequest(testModel, false)).Choices[0].Message
	if len(first.ToolCalls) == 0 {
		t.Fatalf("first turn made no tool call: %+v", first)
	}
	conv := func(result string) []openai.ChatCompletionMessage {
		msgs := append([]openai.ChatCompletionMessage(nil), tk.Messages...)
		msgs = append(msgs, openai.ChatCompletionMessage{Role: "assistant", ToolCalls: first.ToolCalls})
		return append(msgs, openai.ChatCompletionMessage{Role: "tool", ToolCallID: first.ToolCalls[0].ID, Content: result})
	}
	res, _ := tk.ToolResultFor(first.ToolCalls[0].Function.Name, first.ToolCalls[0].Function.Arguments)
	req := tk.ChatRequest(testModel, false)
	req.Messages = conv(res)
	if got := complete(t, ts.URL, req).Choices[0].Message; got.Content != tk.Reference.Content || len(got.ToolCalls) != 0 {
		t.Errorf("follow-up answer = %+v, want %q and no tool call", got, tk.Reference.Content)
	}
	// A different question before the tool turn is not the task: no oracle.
	req.Messages[0].Content = "Use the get_weather tool to look up Atlantis."
	if got := complete(t, ts.URL, req).Choices[0].Message; got.Content == tk.Reference.Content {
		t.Errorf("an unknown conversation got the task's answer %q", got.Content)
	}
}

// complete posts a non-streaming request and decodes the completion.
func complete(t *testing.T, base string, req any) wire.Completion {
	t.Helper()
	resp := post(t, context.Background(), base, req, nil)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var c wire.Completion
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("decode completion %s: %v", b, err)
	}
	if c.Object != wire.ObjectCompletion || c.Model != testModel || !strings.HasPrefix(c.ID, "chatcmpl-") {
		t.Errorf("envelope %+v", c)
	}
	return c
}

func userRequest(text string, stream bool) wire.ChatRequest {
	return wire.ChatRequest{Model: testModel, Stream: stream,
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: text}}}
}

// TestUnknownPromptIsDeterministic checks the improvised answer: the same
// for the same seed and prompt, dependent on the seed, and the same whether
// streamed or not.
func TestUnknownPromptIsDeterministic(t *testing.T) {
	cfg := fast()
	cfg.Seed = 7
	a, b := serve(t, cfg), serve(t, cfg)
	cfg.Seed = 8
	other := serve(t, cfg)

	prompts := []string{"Explain how a hash map handles collisions.", "Why is the sky blue?", "Tell me about gophers"}
	for _, p := range prompts {
		t.Run(p, func(t *testing.T) {
			first := complete(t, a.URL, userRequest(p, false))
			got := first.Choices[0].Message.Content
			if got == "" || first.Choices[0].FinishReason != "stop" {
				t.Fatalf("%q: answer %q finish %q", p, got, first.Choices[0].FinishReason)
			}
			if again := complete(t, b.URL, userRequest(p, false)).Choices[0].Message.Content; again != got {
				t.Errorf("%q: same seed answered %q then %q", p, got, again)
			}
			if s := stream(t, a.URL, userRequest(p, true), nil); s.content != got || s.finish != "stop" {
				t.Errorf("%q: streamed %q (%s), non-streamed %q", p, s.content, s.finish, got)
			}
		})
	}
	differs := false
	for _, p := range prompts {
		t.Run(p, func(t *testing.T) {
			if complete(t, a.URL, userRequest(p, false)).Choices[0].Message.Content !=
				complete(t, other.URL, userRequest(p, false)).Choices[0].Message.Content {
				differs = true
			}
		})
	}
	if !differs {
		t.Error("seed 7 and seed 8 gave identical answers to every prompt")
	}
}

// TestOracleMatching checks which conversations the oracle recognises.
func TestOracleMatching(t *testing.T) {
	ts := serve(t, fast())
	capital := task(t, "smoke-chat-capital")
	weather := task(t, "smoke-tool-weather")

	t.Run("same question without the system prompt", func(t *testing.T) {
		req := userRequest(wire.LastUser(capital.Messages), false)
		if got := complete(t, ts.URL, req).Choices[0].Message.Content; got != "Paris" {
			t.Errorf("content = %q, want Paris", got)
		}
	})
	t.Run("tool result after the tool call is not asked again", func(t *testing.T) {
		req := weather.ChatRequest(testModel, false)
		idx := 0
		req.Messages = append(append([]openai.ChatCompletionMessage(nil), req.Messages...),
			openai.ChatCompletionMessage{Role: "assistant", ToolCalls: []openai.ToolCall{{Index: &idx, ID: "call_1",
				Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Berlin"}`}}}},
			openai.ChatCompletionMessage{Role: "tool", ToolCallID: "call_1", Content: `{"temp_c": 21}`})
		c := complete(t, ts.URL, req)
		if len(c.Choices[0].Message.ToolCalls) != 0 || c.Choices[0].FinishReason != "stop" || c.Choices[0].Message.Content == "" {
			t.Errorf("answer to the tool result = %+v", c.Choices[0])
		}
	})
	t.Run("no oracle", func(t *testing.T) {
		cfg := fast()
		cfg.Suites = []*suites.Suite{}
		bare := serve(t, cfg)
		if got := complete(t, bare.URL, capital.ChatRequest(testModel, false)).Choices[0].Message.Content; got == "Paris" {
			t.Error("an empty oracle still knew the smoke answer")
		}
	})
}

// TestMaxTokensTruncates checks that max_tokens cuts the answer and says so.
func TestMaxTokensTruncates(t *testing.T) {
	ts := serve(t, fast())
	tk := task(t, "smoke-stream-count")
	for i, streamIt := range []bool{true, false} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			req := tk.ChatRequest(testModel, streamIt)
			three := 3
			req.MaxTokens = &three
			want := strings.Join(tokens.Split(tk.Reference.Content)[:3], "")
			var content, finish string
			var usage *wire.Usage
			if streamIt {
				s := stream(t, ts.URL, req, nil)
				content, finish, usage = s.content, s.finish, s.usage[0]
			} else {
				c := complete(t, ts.URL, req)
				content, finish, usage = c.Choices[0].Message.Content, c.Choices[0].FinishReason, c.Usage
			}
			if content != want || finish != "length" || usage.CompletionTokens != tokens.Count(want) {
				t.Errorf("stream=%v: %q finish %q completion_tokens %d, want %q length %d",
					streamIt, content, finish, usage.CompletionTokens, want, tokens.Count(want))
			}
		})
	}
}
