// Package tokens counts tokens with tiktoken's cl100k_base vocabulary, the
// one shared yardstick janus uses for every target, whatever tokenizer the
// target itself runs: counts are comparable across competitors, and the
// target's own usage figures are reported beside them, never in their place.
package tokens

import (
	"sync"
	"sync/atomic"
)

//go:generate go run gen_vocab.go

// get builds cl100k_base once, on first use: the embedded vocabulary
// (gen_vocab.go writes it from tiktoken-go's codec) indexed in ~0.9 MB,
// where the codec's own map literal was ~3 MB of read-only data filling a
// 2.6 MB map (docs/PERFORMANCE.md, the load client's RSS).
var get = sync.OnceValues(newEncoder)

// Count returns the number of cl100k_base tokens in s. The vocabulary is
// embedded, so an error here means a broken build; it falls back to a
// whitespace-free rune estimate rather than failing a benchmark run.
func Count(s string) int {
	if s == "" {
		return 0
	}
	if len(s) <= countCacheBytes {
		if n, ok := counted.Load(s); ok {
			return n.(int)
		}
	}
	c, e := get()
	if e != nil {
		return (len([]rune(s)) + 3) / 4
	}
	n := 0
	if e := c.each(s, func(string) { n++ }); e != nil {
		return (len([]rune(s)) + 3) / 4
	}
	remember(s, n)
	return n
}

// Load runs score the same answers over and over (a sim, a deterministic
// model at temperature 0), and counting one with the tokenizer's regexp
// was a third of a load run's allocations per request; so the counts of
// recent short texts are kept. The cache is bounded in entries and entry
// size (at most countCacheMax × countCacheBytes of keys) and simply
// starts over when full: varied answers pay what they always did.
const (
	countCacheMax   = 1024
	countCacheBytes = 4 << 10
)

var (
	counted  sync.Map // text → count
	nCounted atomic.Int64
)

func remember(s string, n int) {
	if len(s) > countCacheBytes {
		return
	}
	if nCounted.Add(1) > countCacheMax {
		counted.Clear()
		nCounted.Store(1)
	}
	counted.Store(s, n)
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
	var parts []string
	if e := c.each(s, func(tok string) { parts = append(parts, tok) }); e != nil || len(parts) == 0 {
		return []string{s}
	}
	return parts
}
