package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// pngDataURL is a 1×1 PNG, as a client would inline an image.
const pngDataURL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

// janusUpstream is a competitor that uses every Janus extension: reasoning
// deltas, a structured janus event, artifacts on deltas and chunks, cost
// and sandbox usage, an upstream keep-alive comment, and a tool call when
// the request offers tools. ping is sent verbatim mid-stream, after a
// pause of idle; either may be empty.
func janusUpstream(t *testing.T, ping string, idle time.Duration) *upstream {
	return newUpstream(t, []string{"janus-m"}, func(w http.ResponseWriter, r *http.Request) {
		var req wire.ChatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		art := `{"id":"art_1","type":"image","mime_type":"image/png","display_name":"plot.png","url":"https://gw/v1/artifacts/art_1","size_bytes":68,"sha256":"ab"}`
		usage := `"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13,"cost_usd":0.00042,"sandbox_seconds":1.5}`
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			msg := `{"role":"assistant","content":"Hello world","reasoning_content":"thinking...","artifacts":[` + art + `]}`
			finish := "stop"
			if len(req.Tools) > 0 {
				msg = `{"role":"assistant","content":null,"reasoning_content":"thinking...","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Berlin\"}"}}]}`
				finish = "tool_calls"
			}
			_, _ = io.WriteString(w, `{"id":"chatcmpl-j","object":"chat.completion","created":1,"model":"janus-m","choices":[{"index":0,"message":`+
				msg+`,"finish_reason":"`+finish+`"}],`+usage+`}`)
			return
		}
		head := `data: {"id":"chatcmpl-j","object":"chat.completion.chunk","created":1,"model":"janus-m","choices":[{"index":0,"delta":`
		sseHeaders(w)
		send(w, head+`{"role":"assistant"},"finish_reason":null}]}`+"\n\n")
		send(w, head+`{"reasoning_content":"thinking..."},"finish_reason":null}]}`+"\n\n")
		if ping != "" {
			send(w, ping)
		}
		// A real pause between real bytes: the gateway under test reads this
		// over loopback TCP, which a synctest bubble cannot host.
		time.Sleep(idle)
		send(w, head+`{"janus":{"event":"tool_start","payload":{"tool":"search"}}},"finish_reason":null}]}`+"\n\n")
		finish := "stop"
		if len(req.Tools) > 0 {
			send(w, head+`{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`+"\n\n")
			send(w, head+`{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Berlin\"}"}}]},"finish_reason":null}]}`+"\n\n")
			finish = "tool_calls"
		} else {
			send(w, head+`{"content":"Hello"},"finish_reason":null}]}`+"\n\n")
			send(w, head+`{"content":" world","artifacts":[`+art+`]},"finish_reason":null}]}`+"\n\n")
		}
		send(w, head+`{},"finish_reason":"`+finish+`"}],"artifacts":[`+art+`]}`+"\n\n")
		if req.WantsUsage() {
			send(w, `data: {"id":"chatcmpl-j","object":"chat.completion.chunk","created":1,"model":"janus-m","choices":[],`+usage+"}\n\n")
		}
		send(w, "data: [DONE]\n\n")
	})
}

// TestGoOpenAICompat drives the gateway with sashabaranov/go-openai:
// plain and streamed, text and tools, with an image part, reading the
// Janus extensions from the raw events.
func TestGoOpenAICompat(t *testing.T) {
	up := janusUpstream(t, ": upstream ping\n\n", 0)
	gw := startGateway(t, Options{Competitors: []string{"j=" + up.URL + ",default"}})
	cfg := goopenai.DefaultConfig("client-key")
	cfg.BaseURL = gw.URL
	client := goopenai.NewClientWithConfig(cfg)
	ctx := context.Background()
	msgs := []goopenai.ChatCompletionMessage{{Role: "user", MultiContent: []goopenai.ChatMessagePart{
		{Type: goopenai.ChatMessagePartTypeText, Text: "What is in this image?"},
		{Type: goopenai.ChatMessagePartTypeImageURL, ImageURL: &goopenai.ChatMessageImageURL{URL: pngDataURL, Detail: goopenai.ImageURLDetailLow}},
	}}}
	tools := []goopenai.Tool{{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{Name: "get_weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}}

	t.Run("plain", func(t *testing.T) {
		resp, err := client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "janus-m", Messages: msgs})
		if err != nil {
			t.Fatal(err)
		}
		m := resp.Choices[0].Message
		if m.Content != "Hello world" || m.ReasoningContent != "thinking..." || resp.Usage.TotalTokens != 13 {
			t.Errorf("message %+v usage %+v", m, resp.Usage)
		}
		if resp.Header().Get("X-Janus-Competitor") != "j" || resp.Header().Get("X-Request-Id") == "" {
			t.Errorf("headers %v", resp.Header())
		}
		last := up.received()[len(up.received())-1]
		if !strings.Contains(string(last.body), `"image_url":{"url":"`+pngDataURL+`","detail":"low"}`) {
			t.Errorf("image part not forwarded intact: %s", last.body)
		}
	})

	t.Run("plain tools", func(t *testing.T) {
		resp, err := client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{Model: "janus-m", Messages: msgs, Tools: tools})
		if err != nil {
			t.Fatal(err)
		}
		c := resp.Choices[0]
		if c.FinishReason != goopenai.FinishReasonToolCalls || len(c.Message.ToolCalls) != 1 ||
			c.Message.ToolCalls[0].Function.Arguments != `{"city":"Berlin"}` {
			t.Errorf("choice %+v", c)
		}
	})

	for _, withTools := range []bool{false, true} {
		name := map[bool]string{false: "stream", true: "stream tools"}[withTools]
		t.Run(name, func(t *testing.T) {
			req := goopenai.ChatCompletionRequest{Model: "janus-m", Messages: msgs, Stream: true,
				StreamOptions: &goopenai.StreamOptions{IncludeUsage: true}}
			if withTools {
				req.Tools = tools
			}
			st, err := client.CreateChatCompletionStream(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var content, reasoning, args, finish string
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
					reasoning += c.Delta.ReasoningContent
					for _, tc := range c.Delta.ToolCalls {
						args += tc.Function.Arguments
					}
					if c.FinishReason != "" {
						finish = string(c.FinishReason)
					}
				}
				if r.Usage != nil {
					usage = r.Usage
				}
			}
			want, wantFinish := "Hello world", "stop"
			if withTools {
				want, wantFinish = "", "tool_calls"
				if args != `{"city":"Berlin"}` {
					t.Errorf("tool arguments %q", args)
				}
			}
			if content != want || reasoning != "thinking..." || finish != wantFinish || usage == nil || usage.TotalTokens != 13 {
				t.Errorf("content %q reasoning %q finish %q usage %+v", content, reasoning, finish, usage)
			}
		})
	}

	t.Run("stream extensions raw", func(t *testing.T) {
		st, err := client.CreateChatCompletionStream(ctx, goopenai.ChatCompletionRequest{Model: "janus-m", Messages: msgs,
			Stream: true, StreamOptions: &goopenai.StreamOptions{IncludeUsage: true}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var events []string
		artifacts := 0
		var cost, sandbox float64
		for {
			raw, err := st.RecvRaw()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			var ch wire.Chunk
			if err := json.Unmarshal(raw, &ch); err != nil {
				t.Fatalf("raw event %s: %v", raw, err)
			}
			artifacts += len(ch.Artifacts)
			for _, c := range ch.Choices {
				artifacts += len(c.Delta.Artifacts)
				if c.Delta.Janus != nil {
					events = append(events, c.Delta.Janus.Event+string(c.Delta.Janus.Payload))
				}
			}
			if ch.Usage != nil && ch.Usage.CostUSD != nil && ch.Usage.SandboxSeconds != nil {
				cost, sandbox = *ch.Usage.CostUSD, *ch.Usage.SandboxSeconds
			}
		}
		if len(events) != 1 || events[0] != `tool_start{"tool":"search"}` || artifacts != 2 || cost != 0.00042 || sandbox != 1.5 {
			t.Errorf("janus events %q artifacts %d cost %g sandbox %g", events, artifacts, cost, sandbox)
		}
	})
}

// TestOpenAIGoCompat drives the gateway with the official openai-go SDK:
// plain and streamed through its accumulator, text and tools, with image
// parts, reading the Janus extensions through its raw JSON fields.
func TestOpenAIGoCompat(t *testing.T) {
	up := janusUpstream(t, "", 0)
	gw := startGateway(t, Options{Competitors: []string{"j=" + up.URL + ",default"}})
	client := oai.NewClient(option.WithBaseURL(gw.URL+"/"), option.WithAPIKey("client-key"), option.WithMaxRetries(0))
	ctx := context.Background()
	msgs := []oai.ChatCompletionMessageParamUnion{
		oai.SystemMessage("Be brief."),
		oai.UserMessage([]oai.ChatCompletionContentPartUnionParam{
			oai.TextContentPart("What is in these images?"),
			oai.ImageContentPart(oai.ChatCompletionContentPartImageImageURLParam{URL: pngDataURL}),
			oai.ImageContentPart(oai.ChatCompletionContentPartImageImageURLParam{URL: "https://example.com/cat.jpg", Detail: "high"}),
		}),
	}
	tools := []oai.ChatCompletionToolUnionParam{oai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "get_weather",
		Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}})}

	t.Run("plain", func(t *testing.T) {
		resp, err := client.Chat.Completions.New(ctx, oai.ChatCompletionNewParams{Model: "janus-m", Messages: msgs})
		if err != nil {
			t.Fatal(err)
		}
		m := resp.Choices[0].Message
		if m.Content != "Hello world" || resp.Usage.TotalTokens != 13 {
			t.Errorf("content %q usage %+v", m.Content, resp.Usage)
		}
		if got := m.JSON.ExtraFields["reasoning_content"].Raw(); got != `"thinking..."` {
			t.Errorf("reasoning_content %s", got)
		}
		var arts []wire.Artifact
		if err := json.Unmarshal([]byte(m.JSON.ExtraFields["artifacts"].Raw()), &arts); err != nil || len(arts) != 1 || arts[0].MimeType != "image/png" {
			t.Errorf("artifacts %+v: %v", arts, err)
		}
		if got := resp.Usage.JSON.ExtraFields["cost_usd"].Raw(); got != "0.00042" {
			t.Errorf("cost_usd %s", got)
		}
		last := up.received()[len(up.received())-1]
		if !strings.Contains(string(last.body), `"url":"https://example.com/cat.jpg","detail":"high"`) {
			t.Errorf("image parts not forwarded: %s", last.body)
		}
	})

	t.Run("plain tools", func(t *testing.T) {
		resp, err := client.Chat.Completions.New(ctx, oai.ChatCompletionNewParams{Model: "janus-m", Messages: msgs, Tools: tools})
		if err != nil {
			t.Fatal(err)
		}
		c := resp.Choices[0]
		if c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 1 || c.Message.ToolCalls[0].Function.Name != "get_weather" {
			t.Errorf("choice %+v", c)
		}
	})

	for _, withTools := range []bool{false, true} {
		name := map[bool]string{false: "stream", true: "stream tools"}[withTools]
		t.Run(name, func(t *testing.T) {
			p := oai.ChatCompletionNewParams{Model: "janus-m", Messages: msgs,
				StreamOptions: oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)}}
			if withTools {
				p.Tools = tools
			}
			st := client.Chat.Completions.NewStreaming(ctx, p)
			defer st.Close()
			var acc oai.ChatCompletionAccumulator
			var reasoning, janus, sandbox string
			artifacts := 0
			for st.Next() {
				ch := st.Current()
				if !acc.AddChunk(ch) {
					t.Fatalf("accumulator rejected %s", ch.RawJSON())
				}
				if f, ok := ch.JSON.ExtraFields["artifacts"]; ok && f.Raw() != "" {
					artifacts++
				}
				for _, c := range ch.Choices {
					var s string
					if json.Unmarshal([]byte(c.Delta.JSON.ExtraFields["reasoning_content"].Raw()), &s) == nil {
						reasoning += s
					}
					if f := c.Delta.JSON.ExtraFields["janus"].Raw(); f != "" {
						janus += f
					}
				}
				if f := ch.Usage.JSON.ExtraFields["sandbox_seconds"].Raw(); f != "" {
					sandbox = f
				}
			}
			if err := st.Err(); err != nil {
				t.Fatal(err)
			}
			c := acc.Choices[0]
			if withTools {
				if c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 1 || c.Message.ToolCalls[0].Function.Arguments != `{"city":"Berlin"}` {
					t.Errorf("tool call %+v finish %q", c.Message.ToolCalls, c.FinishReason)
				}
			} else if c.Message.Content != "Hello world" || c.FinishReason != "stop" {
				t.Errorf("content %q finish %q", c.Message.Content, c.FinishReason)
			}
			if reasoning != "thinking..." || janus != `{"event":"tool_start","payload":{"tool":"search"}}` || sandbox != "1.5" ||
				artifacts != 1 || acc.Usage.TotalTokens != 13 {
				t.Errorf("reasoning %q janus %s sandbox %s chunk artifacts %d usage %+v", reasoning, janus, sandbox, artifacts, acc.Usage)
			}
		})
	}
}
