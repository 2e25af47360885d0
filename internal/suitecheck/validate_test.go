package suitecheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/suites"
)

func TestShippedSuitesAreValid(t *testing.T) {
	for _, name := range suites.Builtin() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := suites.Load(context.Background(), name)
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			if err := Suite(s, testEval); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
}

func pngURL(w, h int) string {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)))
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

const meta = "name: t\nversion: 1.0.0\n"

// good is a sound task other rows are compared against (its reference must
// fail their checks).
const good = `- id: good
  category: quality/chat
  messages: [{role: user, content: "Capital of Italy?"}]
  expect: {checks: [{type: exact, value: Rome}]}
  reference: {content: Rome}
`

func TestBrokenSuitesNameFileLineAndTask(t *testing.T) {
	cases := []struct {
		name string
		task string
		want string
	}{
		// A reference that fails its own check.
		{"reference fails", `- id: bad
  category: quality/chat
  messages: [{role: user, content: "2+2?"}]
  expect: {checks: [{type: number, value: 4}]}
  reference: {content: "five"}
`, "tasks.yaml:6: task bad: reference scores 0.000"},
		// A regex that does not compile.
		{"bad regex", `- id: bad
  category: quality/code
  messages: [{role: user, content: "code?"}]
  expect: {checks: [{type: regex, pattern: "([a-z"}]}
  reference: {content: "x"}
`, "task bad: expect.checks[0]: invalid regex check"},
		// A memory task whose earlier conversation never tells the fact.
		{"memory fact not told", `- id: bad
  category: quality/memory
  messages: [{role: user, content: "What is my locker code?"}]
  expect: {checks: [{type: contains, values: ["482193"]}]}
  reference: {content: "482193"}
  memory: {earlier: [[{role: user, content: "My dog is called Pixel."}]]}
`, "task bad: memory.earlier does not tell the reference answer"},
		// A decoy told the same fact cannot tell a shared memory apart.
		{"memory decoy same fact", `- id: bad
  category: quality/memory
  messages: [{role: user, content: "What is my locker code?"}]
  expect: {checks: [{type: contains, values: ["482193"]}]}
  reference: {content: "482193"}
  memory:
    earlier: [[{role: user, content: "My locker code is 482193."}]]
    decoy: {earlier: [[{role: user, content: "My locker code is 482193."}]], expect: {checks: [{type: contains, values: ["482193"]}]}, reference: {content: "482193"}}
`, "task bad: the reference passes memory.decoy.expect"},
		// A check type nobody implements.
		{"unknown check", `- id: bad
  category: quality/chat
  messages: [{role: user, content: "hi"}]
  expect: {checks: [{type: vibes}]}
  reference: {content: "x"}
`, `unknown check type "vibes"`},
		// A check so lax that "I don't know" passes.
		{"lax check", `- id: bad
  category: quality/chat
  messages: [{role: user, content: "say anything"}]
  expect: {checks: [{type: regex, pattern: ".*"}]}
  reference: {content: "anything"}
`, "the checks are too lax"},
		// A category outside the schema's list.
		{"schema", `- id: bad
  category: quality/chatt
  messages: [{role: user, content: "Capital of Spain?"}]
  expect: {checks: [{type: exact, value: Madrid}]}
  reference: {content: Madrid}
`, "does not match internal/schemas/suite.schema.json"},
		// A 1×1 image tests nothing (the Janus PoC's weakness).
		{"tiny image", `- id: bad
  category: multimodal
  messages:
    - role: user
      content: [{type: text, text: "colour?"}, {type: image_url, image_url: {url: "` + pngURL(1, 1) + `"}}]
  expect: {checks: [{type: exact, value: black}]}
  reference: {content: black}
`, "image is 1×1, want at least 32×32"},
		// An image that does not decode.
		{"corrupt image", `- id: bad
  category: multimodal
  messages:
    - role: user
      content: [{type: text, text: "colour?"}, {type: image_url, image_url: {url: "data:image/png;base64,aGVsbG8="}}]
  expect: {checks: [{type: exact, value: black}]}
  reference: {content: black}
`, "image does not decode"},
		// A scripted result for a tool the request does not declare.
		{"undeclared tool", `- id: bad
  category: tools
  messages: [{role: user, content: "Weather in Oslo?"}]
  request: {tools: [{type: function, function: {name: get_weather, parameters: {type: object}}}]}
  tool_results: [{name: get_forecast, content: "{}"}]
  expect: {checks: [{type: tool_call, name: get_weather}, {type: number, value: 3}]}
  reference: {content: "3", tool_calls: [{name: get_weather, arguments: "{}"}]}
`, `tool_results[0]: tool "get_forecast" is not declared`},
		// A multi-turn reference without the final answer.
		{"multi-turn reference", `- id: bad
  category: tools
  messages: [{role: user, content: "Weather in Oslo?"}]
  request: {tools: [{type: function, function: {name: get_weather, parameters: {type: object}}}]}
  tool_results: [{name: get_weather, content: "{}"}]
  expect: {checks: [{type: tool_call, name: get_weather}]}
  reference: {tool_calls: [{name: get_weather, arguments: "{}"}]}
`, "needs tool_calls (first turn) and content (final answer)"},
		// Hidden tests so lax that another code task's program passes
		// them (the capped cross-checks of a code task must still see it).
		{"lax code tests", `- id: bad
  category: quality/code
  messages: [{role: user, content: "Write a JavaScript function add(a, b)."}]
  expect: {checks: [{type: code, language: javascript, tests: "assert(true);"}]}
  reference: {content: "function add(a, b) { return a + b; }"}
- id: other
  category: quality/code
  messages: [{role: user, content: "Write a JavaScript function mul(a, b)."}]
  expect: {checks: [{type: code, language: javascript, tests: "assertEqual(mul(2, 3), 6);"}]}
  reference: {content: "function mul(a, b) { return a * b; }"}
`, "task other's reference scores 1.000 here, want < 0.5: the checks are too lax"},
		// An image-output task whose reference has no image.
		{"artifact missing", `- id: bad
  category: multimodal
  messages: [{role: user, content: "Draw a red square; reply with its colour."}]
  request: {generation_flags: {generate_image: true}}
  expect: {checks: [{type: artifact, value: image, mime: image/png}, {type: exact, value: red}]}
  reference: {content: red}
`, "no artifacts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte(meta), 0o644)
			os.WriteFile(filepath.Join(dir, "tasks.yaml"), []byte(good+tc.task), 0o644)
			s, err := suites.Load(context.Background(), dir)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			err = Suite(s, testEval)
			var ve *suites.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
			for _, p := range ve.Problems {
				if p.TaskID != "bad" || p.Line != 6 {
					t.Errorf("problem blamed on %s:%d task %s, want line 6 task bad: %s", p.File, p.Line, p.TaskID, p.Msg)
				}
			}
		})
	}
}
