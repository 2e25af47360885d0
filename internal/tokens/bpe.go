package tokens

import (
	"fmt"

	"github.com/dlclark/regexp2/v2"
	// The codec package registers regexp2 code compiled from cl100k's
	// split pattern (its init); nothing else of it is linked, since its
	// vocabulary is built only by constructors this package never calls.
	_ "github.com/tiktoken-go/tokenizer/codec"
)

// cl100kSplit is cl100k_base's pre-tokenizer, as tiktoken-go compiles it:
// text is cut into pieces at this pattern's matches, and byte-pair
// encoding runs within each piece.
const cl100kSplit = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// encoder is cl100k_base: the split pattern and the vocabulary. Its
// tokens are tiktoken-go's codec's, token for token (FuzzCountMatchesTiktoken).
type encoder struct {
	split *regexp2.Regexp
	vocab *vocab
}

func newEncoder() (*encoder, error) {
	v, err := newVocab(cl100kVocab)
	if err != nil {
		return nil, err
	}
	// MustCompile, not Compile: only MustCompile looks up the code the
	// codec registered, and that code and regexp2's interpreter split some
	// whitespace runs differently ("\n \n": two pieces compiled, one
	// interpreted); tiktoken-go's counts are the compiled code's. The
	// pattern is a constant, so it cannot fail to compile.
	return &encoder{split: regexp2.MustCompile(cl100kSplit, regexp2.None), vocab: v}, nil
}

// each calls yield with each of s's tokens in order.
func (e *encoder) each(s string, yield func(tok string)) error {
	m, err := e.split.FindStringMatch(s)
	for ; err == nil && m != nil; m, err = e.split.FindNextMatch(m) {
		piece := m.String()
		if e.vocab.rank(piece) != noRank {
			yield(piece)
			continue
		}
		e.merge(piece, yield)
	}
	if err != nil {
		return fmt.Errorf("tokens: split: %w", err)
	}
	return nil
}

// mergeNode is a part boundary in merge's doubly linked list; rank is the
// rank of the token this part and the next would merge into.
type mergeNode struct {
	prev, next int32
	rank       uint32
}

// merge byte-pair encodes one piece: the pair of adjacent parts whose
// merge has the lowest rank (the leftmost among equals) merges first,
// until no pair is a token. It follows tiktoken-go's mergePairsHeap
// (MIT licence), which returns what tiktoken's linear scan does in
// O(n log n).
func (e *encoder) merge(piece string, yield func(tok string)) {
	n := int32(len(piece))
	nodes := make([]mergeNode, n+1)
	for i := range nodes {
		nodes[i] = mergeNode{prev: int32(i) - 1, next: int32(i) + 1, rank: noRank}
	}
	nodes[n].next = -1
	rankOf := func(i int32) uint32 {
		j := nodes[i].next
		if j < 0 || nodes[j].next < 0 {
			return noRank
		}
		return e.vocab.rank(piece[i:nodes[j].next])
	}
	h := make(mergeHeap, 0, n)
	for i := int32(0); i+2 <= n; i++ {
		if r := rankOf(i); r != noRank {
			nodes[i].rank = r
			h = append(h, mergeCandidate{r, i})
		}
	}
	h.init()
	for len(h) > 0 {
		top := h.pop()
		i := top.offset
		if nodes[i].rank != top.rank {
			continue // stale: its parts merged since
		}
		j := nodes[i].next
		k := nodes[j].next
		nodes[j].rank = noRank
		nodes[i].next = k
		if k >= 0 {
			nodes[k].prev = i
		}
		for _, b := range [2]int32{i, nodes[i].prev} {
			if b < 0 {
				continue
			}
			nodes[b].rank = rankOf(b)
			if nodes[b].rank != noRank {
				h.push(mergeCandidate{nodes[b].rank, b})
			}
		}
	}
	for i := int32(0); nodes[i].next >= 0; i = nodes[i].next {
		yield(piece[i:nodes[i].next])
	}
}

type mergeCandidate struct {
	rank   uint32
	offset int32
}

// mergeHeap is a binary min-heap of merge candidates by rank, then
// offset, so among equal ranks the leftmost pair merges first.
type mergeHeap []mergeCandidate

func (h mergeHeap) less(a, b int) bool {
	if h[a].rank != h[b].rank {
		return h[a].rank < h[b].rank
	}
	return h[a].offset < h[b].offset
}

func (h mergeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *mergeHeap) push(c mergeCandidate) {
	*h = append(*h, c)
	h.up(len(*h) - 1)
}

func (h *mergeHeap) pop() mergeCandidate {
	old := *h
	top := old[0]
	last := len(old) - 1
	old[0] = old[last]
	*h = old[:last]
	h.down(0)
	return top
}

func (h mergeHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (h mergeHeap) down(i int) {
	for {
		child := 2*i + 1
		if child >= len(h) {
			return
		}
		if right := child + 1; right < len(h) && h.less(right, child) {
			child = right
		}
		if !h.less(child, i) {
			return
		}
		h[i], h[child] = h[child], h[i]
		i = child
	}
}
