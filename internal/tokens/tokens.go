// Package tokens counts tokens with tiktoken's cl100k_base vocabulary, the
// one shared yardstick janus uses for every target, whatever tokenizer the
// target itself runs: counts are comparable across competitors, and the
// target's own usage figures are reported beside them, never in their place.
package tokens

import (
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	once  sync.Once
	codec tokenizer.Codec
	err   error
)

func get() (tokenizer.Codec, error) {
	once.Do(func() { codec, err = tokenizer.Get(tokenizer.Cl100kBase) })
	return codec, err
}

// Count returns the number of cl100k_base tokens in s. The vocabulary is
// embedded, so an error here means a broken build; it falls back to a
// whitespace-free rune estimate rather than failing a benchmark run.
func Count(s string) int {
	if s == "" {
		return 0
	}
	c, e := get()
	if e != nil {
		return (len([]rune(s)) + 3) / 4
	}
	n, e := c.Count(s)
	if e != nil {
		return (len([]rune(s)) + 3) / 4
	}
	return n
}

// Split cuts s into its cl100k_base token strings, so that a simulated
// target streams one real token per event and its usage figures agree with
// what the harness counts.
func Split(s string) []string {
	if s == "" {
		return nil
	}
	c, e := get()
	if e != nil {
		return []string{s}
	}
	_, parts, e := c.Encode(s)
	if e != nil || len(parts) == 0 {
		return []string{s}
	}
	return parts
}
