package suites_test

import (
	"context"
	"fmt"

	"github.com/janus-bench/janus/suites"
)

// Loading a built-in suite and drawing a seeded sample of its tasks.
func ExampleLoad() {
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := suites.Summarize(s)
	fmt.Printf("%s@%s: %d tasks, %d quality/chat\n", sum.Name, sum.Version, sum.Tasks, sum.Categories[suites.CatChat])
	// The same seed picks the same tasks in the same order on every run.
	a, b := suites.Select(s.Tasks, 7, 3), suites.Select(s.Tasks, 7, 3)
	fmt.Println(len(a), a[0].ID == b[0].ID && a[2].ID == b[2].ID)
	// Output:
	// smoke@1.1.0: 10 tasks, 2 quality/chat
	// 3 true
}

// A suite of one's own, from the bytes of a tasks file (YAML or JSONL,
// by the name's extension); the file's base name names the suite.
func ExampleLoadBytes() {
	s, err := suites.LoadBytes([]byte(`
- id: ping
  category: quality/chat
  messages: [{role: user, content: "Reply with the word pong."}]
  expect: {checks: [{type: exact, value: pong}]}
  reference: {content: pong}
`), "mine.yaml", "example", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, len(s.Tasks), s.Tasks[0].ID)
	// Output:
	// mine 1 ping
}
