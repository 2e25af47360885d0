package tokens

import (
	_ "embed" // the vocabulary file
	"encoding/binary"
	"errors"
	"math"
)

// cl100kVocab is cl100k_base's vocabulary as gen_vocab.go writes it from
// tiktoken-go's codec: a uint32 count, one length byte a rank, then the
// tokens' bytes in rank order. It is 0.7 MB of read-only data where
// tiktoken-go's map literal was ~3 MB of data and code run once to fill a
// 2.6 MB map (docs/PERFORMANCE.md, the load client's RSS).
//
//go:embed cl100k.vocab
var cl100kVocab string

// vocabSlots is the size of the rank index: the power of two above the
// ~100k ranks (three quarters full: a hit probes ~2.5 slots, a miss ~8.5,
// each a length compare at most), 0.5 MB where twice it would halve the
// probes for another 0.5 MB of live heap, which the soft memory limit,
// sized to the live heap, counts twice (internal/loadapp).
const vocabSlots = 1 << 17

// vocab looks a token's bytes up to its rank. The tokens are substrings
// of the embedded data (no copies); offs[r]..offs[r+1] is rank r's token
// in data; slots is an open-addressing table of rank+1 (0: empty) by hash.
type vocab struct {
	data  string
	offs  []uint32
	slots []uint32
}

// errVocab reports an embedded vocabulary that does not parse: a broken
// build, never an input's fault.
var errVocab = errors.New("tokens: malformed embedded cl100k vocabulary")

// newVocab indexes the embedded vocabulary: ~0.9 MB of heap.
func newVocab(file string) (*vocab, error) {
	if len(file) < 4 {
		return nil, errVocab
	}
	n := int(binary.LittleEndian.Uint32([]byte(file[:4])))
	if n <= 0 || n > vocabSlots*7/8 || len(file) < 4+n {
		return nil, errVocab
	}
	lens, data := file[4:4+n], file[4+n:]
	v := &vocab{data: data, offs: make([]uint32, n+1), slots: make([]uint32, vocabSlots)}
	off := uint32(0)
	for r := range n {
		v.offs[r] = off
		off += uint32(lens[r])
	}
	v.offs[n] = off
	if int(off) != len(data) {
		return nil, errVocab
	}
	for r := range n {
		i := hash(v.token(uint32(r))) & (vocabSlots - 1)
		for v.slots[i] != 0 {
			i = (i + 1) & (vocabSlots - 1)
		}
		v.slots[i] = uint32(r) + 1
	}
	return v, nil
}

// token is rank r's bytes.
func (v *vocab) token(r uint32) string { return v.data[v.offs[r]:v.offs[r+1]] }

// rank is s's rank, or noRank when s is not a token.
func (v *vocab) rank(s string) uint32 {
	i := hash(s) & (vocabSlots - 1)
	for {
		e := v.slots[i]
		if e == 0 {
			return noRank
		}
		if v.token(e-1) == s {
			return e - 1
		}
		i = (i + 1) & (vocabSlots - 1)
	}
}

// hash is 32-bit FNV-1a: fixed, so the table is the same in every run.
func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// noRank marks a pair of parts that does not merge into a token.
const noRank = math.MaxUint32
