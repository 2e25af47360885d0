//go:build ignore

// gen_vocab writes cl100k.vocab, cl100k_base's vocabulary in the compact
// form internal/tokens embeds, from tiktoken-go's codec (the module's one
// source of truth for the vocabulary): a little-endian uint32 count n, n
// token lengths of one byte each in rank order, then the tokens' bytes
// concatenated in rank order. Run by go generate in internal/tokens.
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"

	"github.com/tiktoken-go/tokenizer/codec"
)

// cl100kRanks is one past cl100k_base's highest ordinary rank (its special
// tokens, from 100257 up, are not merged by byte-pair encoding).
const cl100kRanks = 100256

func main() {
	if err := write("cl100k.vocab"); err != nil {
		log.Fatal(err)
	}
}

func write(path string) error {
	c := codec.NewCl100kBase()
	lens := make([]byte, cl100kRanks)
	var data []byte
	for rank := range cl100kRanks {
		tok, err := c.Decode([]uint{uint(rank)})
		if err != nil {
			return fmt.Errorf("decode rank %d: %w", rank, err)
		}
		if len(tok) == 0 || len(tok) > 255 {
			return fmt.Errorf("rank %d: token of %d bytes does not fit a length byte", rank, len(tok))
		}
		lens[rank] = byte(len(tok))
		data = append(data, tok...)
	}
	out := binary.LittleEndian.AppendUint32(nil, cl100kRanks)
	out = append(out, lens...)
	out = append(out, data...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
