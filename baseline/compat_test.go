package baseline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
)

// TestGoOpenAI checks the server against sashabaranov/go-openai, both
// whole and streamed with include_usage, for text and a tool call.
func TestGoOpenAI(t *testing.T) {
	ts := serve(t, fast())
	cfg := goopenai.DefaultConfig("test-key")
	cfg.BaseURL = ts.URL + "/v1"
	client := goopenai.NewClientWithConfig(cfg)
	ctx := context.Background()

	capital := task(t, "smoke-chat-capital")
	wantPrompt := promptTokens(capital.ChatRequest(testModel, false))
	req := goopenai.ChatCompletionRequest{Model: testModel, Messages: capital.Messages}

	t.Run("whole", func(t *testing.T) {
		resp, err := client.CreateChatCompletion(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Choices[0].Message.Content; got != "Paris" {
			t.Errorf("content = %q", got)
		}
		if resp.Choices[0].FinishReason != goopenai.FinishReasonStop {
			t.Errorf("finish = %q", resp.Choices[0].FinishReason)
		}
		if u := resp.Usage; u.PromptTokens != wantPrompt || u.CompletionTokens != 1 || u.TotalTokens != wantPrompt+1 {
			t.Errorf("usage = %+v", u)
		}
		if resp.Header().Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
	})

	t.Run("stream", func(t *testing.T) {
		sreq := req
		sreq.Stream = true
		sreq.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
		st, err := client.CreateChatCompletionStream(ctx, sreq)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var content, finish string
		var usage *goopenai.Usage
		for {
			r, err := st.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Choices {
				content += c.Delta.Content
				if c.FinishReason != "" {
					finish = string(c.FinishReason)
				}
			}
			if r.Usage != nil {
				usage = r.Usage
			}
		}
		if content != "Paris" || finish != "stop" {
			t.Errorf("content %q finish %q", content, finish)
		}
		if usage == nil || usage.PromptTokens != wantPrompt || usage.CompletionTokens != 1 {
			t.Errorf("usage = %+v", usage)
		}
	})

	t.Run("stream tool call", func(t *testing.T) {
		weather := task(t, "smoke-tool-weather")
		st, err := client.CreateChatCompletionStream(ctx, goopenai.ChatCompletionRequest{Model: testModel,
			Messages: weather.Messages, Tools: weather.Request.Tools, Stream: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var name, args, finish string
		for {
			r, err := st.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Choices {
				for _, tc := range c.Delta.ToolCalls {
					name += tc.Function.Name
					args += tc.Function.Arguments
				}
				if c.FinishReason != "" {
					finish = string(c.FinishReason)
				}
			}
		}
		want := weather.Reference.ToolCalls[0]
		if name != want.Name || args != want.Arguments || finish != "tool_calls" {
			t.Errorf("tool call %s(%s) finish %q, want %s(%s)", name, args, finish, want.Name, want.Arguments)
		}
	})
}

// TestOpenAIGo checks the server against the official openai-go client,
// both whole and streamed through its accumulator with include_usage.
func TestOpenAIGo(t *testing.T) {
	ts := serve(t, fast())
	client := oai.NewClient(option.WithBaseURL(ts.URL+"/v1"), option.WithAPIKey("test-key"), option.WithMaxRetries(0))
	ctx := context.Background()

	capital := task(t, "smoke-chat-capital")
	wantPrompt := int64(promptTokens(capital.ChatRequest(testModel, false)))
	params := oai.ChatCompletionNewParams{
		Model: testModel,
		Messages: []oai.ChatCompletionMessageParamUnion{
			oai.SystemMessage(wire.TextOf(capital.Messages[0])),
			oai.UserMessage(wire.TextOf(capital.Messages[1])),
		},
		Temperature: oai.Float(0),
	}

	t.Run("whole", func(t *testing.T) {
		resp, err := client.Chat.Completions.New(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Choices[0].Message.Content; got != "Paris" {
			t.Errorf("content = %q", got)
		}
		if resp.Choices[0].FinishReason != "stop" || resp.Model != testModel {
			t.Errorf("finish %q model %q", resp.Choices[0].FinishReason, resp.Model)
		}
		if u := resp.Usage; u.PromptTokens != wantPrompt || u.CompletionTokens != 1 || u.TotalTokens != wantPrompt+1 {
			t.Errorf("usage = %+v", u)
		}
	})

	t.Run("stream", func(t *testing.T) {
		p := params
		p.StreamOptions = oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)}
		st := client.Chat.Completions.NewStreaming(ctx, p)
		defer st.Close()
		var acc oai.ChatCompletionAccumulator
		for st.Next() {
			if !acc.AddChunk(st.Current()) {
				t.Fatalf("accumulator rejected chunk %s", st.Current().RawJSON())
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		if got := acc.Choices[0].Message.Content; got != "Paris" {
			t.Errorf("content = %q", got)
		}
		if acc.Choices[0].FinishReason != "stop" {
			t.Errorf("finish = %q", acc.Choices[0].FinishReason)
		}
		if u := acc.Usage; u.PromptTokens != wantPrompt || u.CompletionTokens != 1 || u.TotalTokens != wantPrompt+1 {
			t.Errorf("usage = %+v", u)
		}
	})

	t.Run("stream tool call", func(t *testing.T) {
		weather := task(t, "smoke-tool-weather")
		p := oai.ChatCompletionNewParams{
			Model:    testModel,
			Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage(wire.TextOf(weather.Messages[0]))},
			Tools: []oai.ChatCompletionToolUnionParam{oai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
				Name: "get_weather", Description: oai.String("Current weather for a city."),
				Parameters: shared.FunctionParameters{"type": "object",
					"properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
			})},
			StreamOptions: oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)},
		}
		st := client.Chat.Completions.NewStreaming(ctx, p)
		defer st.Close()
		var acc oai.ChatCompletionAccumulator
		for st.Next() {
			acc.AddChunk(st.Current())
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		calls := acc.Choices[0].Message.ToolCalls
		want := weather.Reference.ToolCalls[0]
		if len(calls) != 1 || calls[0].Function.Name != want.Name || calls[0].Function.Arguments != want.Arguments ||
			calls[0].ID == "" || calls[0].Type != "function" {
			t.Fatalf("tool calls = %+v, want %s(%s)", calls, want.Name, want.Arguments)
		}
		if acc.Choices[0].FinishReason != "tool_calls" {
			t.Errorf("finish = %q", acc.Choices[0].FinishReason)
		}
		if want := int64(tokens.Count(want.Name + want.Arguments)); acc.Usage.CompletionTokens != want {
			t.Errorf("completion_tokens = %d, want %d", acc.Usage.CompletionTokens, want)
		}
	})
}

// TestOpenAIGoKeepAliveLineOnly streams an answer whose 30 s first token
// is bridged by keep-alives, on both settings of Config.KeepAliveLineOnly,
// and reads it with the current openai-go's own event-stream decoder. The
// contract's ": ping\n\n" blocks and the line-only ": ping\n" lines must
// both get through it; the line-only stream must hold no blank line that
// ends a comment (what openai-go v1.12 dispatched as an empty event and
// failed on; gateway/keepalive_test.go replays that rule). It runs in a
// synctest bubble (no socket: the handler answers a recorder), so the pings
// are exact whatever the machine's load.
func TestOpenAIGoKeepAliveLineOnly(t *testing.T) {
	for _, lineOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("line-only=%v", lineOnly), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := fast()
				cfg.Pace = baseline.Pace{TTFT: 30 * time.Second, PerToken: -1}
				cfg.KeepAlive = 5 * time.Second
				cfg.KeepAliveLineOnly = lineOnly
				body := recordStream(t, cfg, task(t, "smoke-chat-capital").ChatRequest(testModel, true))
				pings, blocks := strings.Count(body, ": ping\n"), strings.Count(body, ": ping\n\n")
				if pings < 5 || (lineOnly && blocks != 0) || (!lineOnly && blocks != pings) {
					t.Fatalf("%d pings, %d of them ending a frame; line-only %v", pings, blocks, lineOnly)
				}
				resp := &http.Response{Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(strings.NewReader(body))}
				st := ssestream.NewStream[oai.ChatCompletionChunk](ssestream.NewDecoder(resp), nil)
				var acc oai.ChatCompletionAccumulator
				for st.Next() {
					acc.AddChunk(st.Current())
				}
				if err := st.Err(); err != nil || len(acc.Choices) == 0 || acc.Choices[0].Message.Content != "Paris" {
					t.Fatalf("openai-go v3: err %v, choices %+v", err, acc.Choices)
				}
			})
		})
	}
}

// recordStream serves req with a baseline built from cfg into a recorder
// and returns the raw body.
func recordStream(t *testing.T, cfg baseline.Config, req any) string {
	t.Helper()
	srv, err := baseline.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal request: %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	return w.Body.String()
}
