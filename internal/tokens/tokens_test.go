package tokens

import (
	"slices"
	"strings"
	"testing"

	"github.com/tiktoken-go/tokenizer/codec"
)

// TestVocabMatchesTiktoken: the embedded vocabulary is tiktoken-go's,
// rank for rank (a stale cl100k.vocab after a module upgrade fails here;
// go generate ./internal/tokens rewrites it).
func TestVocabMatchesTiktoken(t *testing.T) {
	e, err := get()
	if err != nil {
		t.Fatal(err)
	}
	ref := codec.NewCl100kBase()
	n := len(e.vocab.offs) - 1
	for r := range n {
		want, err := ref.Decode([]uint{uint(r)})
		if err != nil {
			t.Fatalf("tiktoken-go rank %d: %v", r, err)
		}
		if got := e.vocab.token(uint32(r)); got != want {
			t.Fatalf("rank %d is %q, tiktoken-go's %q", r, got, want)
		}
		if got := e.vocab.rank(want); got != uint32(r) {
			t.Fatalf("%q looks up to rank %d, want %d", want, got, r)
		}
	}
	if _, err := ref.Decode([]uint{uint(n)}); err == nil {
		t.Errorf("tiktoken-go has rank %d, past the embedded vocabulary's %d", n, n)
	}
}

// tokenSeeds are texts of the kinds a benchmark counts: prose, unicode,
// runs of whitespace, numbers, code, and what tends to break tokenizers
// (invalid UTF-8, long runs that take the merge's long path).
var tokenSeeds = []string{
	"",
	"Hello, world! It's a test.",
	"I'm sure they'll say we've done what you'd've REALLY wanted",
	"Ünïcödé façade — naïve café; 日本語のテキスト、中文文本，한국어 텍스트. 🙂👍🏽🇺🇳",
	"   leading\t\ttabs\n\n\n  trailing   \r\n\r\n",
	"\u00a0\u2003 nbsp and em space \u3000",
	"1234567890 3.14159 -42 1e10 0x1F 1,000,000",
	"func main() {\n\tfmt.Println(\"hi\")\n\tfor i := 0; i < 10; i++ {}\n}\n",
	"def f(x):\n    return {'a': [1, 2, 3], \"b\": None}  # comment\n",
	"<|endoftext|> special-looking text <|fim_prefix|>",
	"\xff\xfe invalid \xc3\x28 utf-8 \xe2\x82",
	strings.Repeat("a", 300) + strings.Repeat(" ", 200) + strings.Repeat("😀", 50),
	strings.Repeat("ab1!", 100),
}

// FuzzCountMatchesTiktoken: Count and Split agree with tiktoken-go's
// cl100k_base codec on any text.
func FuzzCountMatchesTiktoken(f *testing.F) {
	for _, s := range tokenSeeds {
		f.Add(s)
	}
	ref := codec.NewCl100kBase()
	f.Fuzz(func(t *testing.T, s string) {
		_, want, err := ref.Encode(s)
		if err != nil {
			t.Skip("tiktoken-go cannot encode it")
		}
		if got := Count(s); got != len(want) {
			t.Errorf("Count(%q) = %d, tiktoken-go %d", s, got, len(want))
		}
		got := Split(s)
		if len(want) == 0 {
			want = nil
		}
		if s != "" && len(want) == 0 {
			want = []string{s}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Split(%q) = %q, tiktoken-go %q", s, got, want)
		}
	})
}

// BenchmarkTokenize: the embedded vocabulary's tokenizer beside
// tiktoken-go's codec on the seeds (uncached: Count's cache is skipped).
func BenchmarkTokenize(b *testing.B) {
	e, err := get()
	if err != nil {
		b.Fatal(err)
	}
	ref := codec.NewCl100kBase()
	text := strings.Join(tokenSeeds, "\n")
	b.Run("janus", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			n := 0
			if err := e.each(text, func(string) { n++ }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tiktoken-go", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if _, err := ref.Count(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}
