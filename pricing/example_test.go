package pricing_test

import (
	"fmt"

	"github.com/janus-bench/janus/pricing"
)

// A price table as `--prices` reads it: one model priced, the rest at the
// file's default, and the cost of a request worked out from its tokens.
func ExampleParsePrices() {
	p, err := pricing.ParsePrices([]byte(`
default: {prompt_usd_per_mtok: 0.50, completion_usd_per_mtok: 1.50}
models:
  small-1: {prompt_usd_per_mtok: 0.15, completion_usd_per_mtok: 0.60}
`), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, model := range []string{"small-1", "other"} {
		pr := p.For(model)
		usd := (1000*pr.PromptUSDPerMTok + 250*pr.CompletionUSDPerMTok) / 1e6
		fmt.Printf("%s: 1000 prompt + 250 completion tokens cost $%.6f\n", model, usd)
	}
	// Output:
	// small-1: 1000 prompt + 250 completion tokens cost $0.000300
	// other: 1000 prompt + 250 completion tokens cost $0.000875
}
