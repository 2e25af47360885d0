package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// multiTurnPrompt opens multiTurnTask's conversation.
const multiTurnPrompt = "Weather in Oslo? Use the tool, reply with °C only."

// multiTurnTask asks for the weather through a tool and wants the scripted
// temperature back.
func multiTurnTask(t *testing.T) *suites.Suite {
	t.Helper()
	one := 1
	s := &suites.Suite{Name: "mt", Version: "1.0.0", Tasks: []suites.Task{{
		ID: "mt-weather", Category: suites.CatTools, Split: "public",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: multiTurnPrompt}},
		Request: suites.RequestOptions{MaxTokens: &one, Tools: []openai.Tool{{Type: openai.ToolTypeFunction,
			Function: &openai.FunctionDefinition{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}}},
		ToolResults: []suites.ToolResult{{Name: "get_weather", Arguments: map[string]any{"city": "Oslo"}, Content: `{"temp_c":-7.5}`}},
		Expect: suites.Expect{Checks: []suites.Check{
			{Type: "tool_call", Name: "get_weather", Arguments: map[string]any{"city": "Oslo"}},
			{Type: "number", Value: -7.5},
		}},
		Reference: suites.Reference{Content: "-7.5", ToolCalls: []suites.ToolCallSpec{{Name: "get_weather", Arguments: `{"city":"Oslo"}`}}},
	}}}
	var err error
	if s.SHA256, err = suites.Hash(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// scriptedTarget answers non-streamed requests with answer(request) and
// keeps every request it saw.
func scriptedTarget(t *testing.T, answer func(req wire.ChatRequest) wire.Message) (string, func() []wire.ChatRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []wire.ChatRequest
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/models") {
			_ = json.NewEncoder(w).Encode(wire.ModelList{Object: "list", Data: []wire.Model{{ID: "m", Object: "model"}}})
			return
		}
		var req wire.ChatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		// The run's warm-up wears no mark: it is told apart from the task's
		// turns by its conversation, which is not the task's.
		if len(req.Messages) > 0 && req.Messages[0].Content == multiTurnPrompt {
			mu.Lock()
			seen = append(seen, req)
			mu.Unlock()
		}
		m := answer(req)
		m.Role = "assistant"
		finish := "stop"
		if len(m.ToolCalls) > 0 {
			finish = "tool_calls"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(wire.Completion{ID: "c", Object: wire.ObjectCompletion, Model: "m",
			Usage:   &wire.Usage{PromptTokens: 10, CompletionTokens: 2, TotalTokens: 12},
			Choices: []wire.Choice{{Message: m, FinishReason: finish}}})
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/v1", func() []wire.ChatRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]wire.ChatRequest(nil), seen...)
	}
}

func weatherCall(id string) []openai.ToolCall {
	return []openai.ToolCall{{ID: id, Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: "get_weather", Arguments: `{"city":"Oslo"}`}}}
}

// TestMultiTurnToolTasks drives the runner against targets that use the
// tool's result, ignore it, or never stop calling tools.
func TestMultiTurnToolTasks(t *testing.T) {
	lastIsTool := func(req wire.ChatRequest) (string, bool) {
		m := req.Messages[len(req.Messages)-1]
		return m.Content, m.Role == openai.ChatMessageRoleTool
	}
	cases := []struct {
		name      string
		answer    func(req wire.ChatRequest) wire.Message
		wantScore float64
		wantReqs  int
	}{
		// uses the scripted result: both checks pass in two requests
		{"uses result", func(req wire.ChatRequest) wire.Message {
			if c, ok := lastIsTool(req); ok {
				var v struct {
					TempC float64 `json:"temp_c"`
				}
				_ = json.Unmarshal([]byte(c), &v)
				b, _ := json.Marshal(v.TempC)
				return wire.Message{Content: string(b)}
			}
			return wire.Message{ToolCalls: weatherCall("call_1")}
		}, 1, 2},
		// calls the tool but then guesses a plausible temperature: fails
		{"ignores result", func(req wire.ChatRequest) wire.Message {
			if _, ok := lastIsTool(req); ok {
				return wire.Message{Content: "-7"}
			}
			return wire.Message{ToolCalls: weatherCall("call_1")}
		}, 0, 2},
		// answers without calling the tool: one request, tool check fails
		{"no tool call", func(wire.ChatRequest) wire.Message { return wire.Message{Content: "-7.5"} }, 0, 1},
		// calls the tool forever: cut at DefaultMaxTurns requests
		{"loops", func(wire.ChatRequest) wire.Message { return wire.Message{ToolCalls: weatherCall("")} }, 0, suites.DefaultMaxTurns},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, seen := scriptedTarget(t, tc.answer)
			s := multiTurnTask(t)
			out := filepath.Join(t.TempDir(), "r.json")
			rep, err := Run(context.Background(), RunOptions{Evaluator: testEval, Target: url, Model: "m", NoStream: true, Loader: staticLoader{s},
				Out: out})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			readValid(t, out) // turn_metrics included
			if got := rep.Tasks[0].Score; got != tc.wantScore {
				t.Errorf("score %v, want %v (%s)", got, tc.wantScore, rep.Tasks[0].Reason)
			}
			reqs := seen()
			if len(reqs) != tc.wantReqs {
				t.Fatalf("%d requests, want %d", len(reqs), tc.wantReqs)
			}
			if u := rep.Tasks[0].Usage; u == nil || u.TotalTokens != 12*tc.wantReqs {
				t.Errorf("usage %+v, want the %d turns summed", u, tc.wantReqs)
			}
			// Every follow-up turn's metrics are kept for speed, streaming
			// and cost to score, its prompt counted by janus.
			if tm := rep.Tasks[0].TurnMetrics; len(tm) != tc.wantReqs-1 {
				t.Errorf("%d turn metrics, want %d", len(tm), tc.wantReqs-1)
			} else if len(tm) > 0 && (tm[0].E2EMs == nil || tm[0].PromptTokens <= rep.Tasks[0].Metrics.PromptTokens) {
				t.Errorf("second turn: e2e %v, prompt %d counted (first turn %d): want timed, and longer",
					tm[0].E2EMs, tm[0].PromptTokens, rep.Tasks[0].Metrics.PromptTokens)
			}
			if len(reqs) < 2 {
				return
			}
			// The follow-up carries the assistant's call and janus's scripted
			// result, answering the call's id (or one janus made up).
			second := reqs[1].Messages
			asst, tool := second[len(second)-2], second[len(second)-1]
			if asst.Role != "assistant" || len(asst.ToolCalls) != 1 || tool.Role != "tool" ||
				tool.Content != `{"temp_c":-7.5}` || tool.ToolCallID == "" || tool.ToolCallID != asst.ToolCalls[0].ID {
				t.Errorf("follow-up ends with %+v, %+v", asst, tool)
			}
		})
	}
}
