package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/record"

	"github.com/janus-bench/janus/scorer"
)

// CSVHeader is the header row of CSV, one column per field.
var CSVHeader = []string{
	"id", "category", "status", "score", "passed", "verdict", "stream",
	"ttft_ms", "ttft_content_ms", "tpot_ms", "e2e_ms", "output_tps", "max_gap_ms", "max_token_gap_ms",
	"output_tokens", "keepalives", "prompt_tokens", "completion_tokens", "reasoning_tokens",
	"cost_usd", "cost_source", "sandbox_seconds", "violations", "error_class", "reason",
}

// CSV writes one row per task (CSVHeader): its outcome, key metrics,
// usage, cost (scorer.TaskCost at the report's price table and model;
// cost_source says whether the target reported it or the table priced
// it) and violation codes joined by ";". Missing values are empty cells.
func CSV(r *record.Report) func(io.Writer) error {
	return func(w io.Writer) error {
		prices := ScoringOptions(r.Scoring, r.Weights, r.Run.Model)
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return fmt.Errorf("write csv report: %w", err)
		}
		f := func(p *float64) string {
			if p == nil {
				return ""
			}
			return strconv.FormatFloat(*p, 'f', -1, 64)
		}
		for i := range r.Tasks {
			t := &r.Tasks[i]
			m := t.Metrics
			var codes []string
			for _, v := range t.Violations {
				codes = append(codes, v.Code)
			}
			var prompt, completion, reasoning, cost, sandbox, errClass string
			if u := t.Usage; u != nil {
				prompt, completion, reasoning = strconv.Itoa(u.PromptTokens), strconv.Itoa(u.CompletionTokens), strconv.Itoa(u.ReasoningTokens)
				sandbox = f(u.SandboxSeconds)
			}
			usd, source, ok := scorer.TaskCost(t, *prices.Prices, prices.Model)
			if ok {
				cost = fmtUSD(usd)
			}
			if t.Error != nil {
				errClass = string(t.Error.Class)
			}
			kind, _, _ := taskVerdict(*t)
			row := []string{
				t.ID, t.Category, t.Status, strconv.FormatFloat(t.Score, 'f', -1, 64), strconv.FormatBool(scorer.Passed(*t)), kind,
				strconv.FormatBool(t.Stream),
				f(m.TTFTMs), f(m.TTFTContentMs), f(m.TPOTMs), f(m.E2EMs), f(m.OutputTPS), f(m.MaxGapMs), f(m.MaxTokenGapMs),
				strconv.Itoa(m.OutputTokens), strconv.Itoa(m.Keepalives), prompt, completion, reasoning,
				cost, source, sandbox, strings.Join(codes, ";"), errClass, t.Reason,
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write csv report: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write csv report: %w", err)
		}
		return nil
	}
}

// fmtUSD shows dollars to ten decimals (a millionth of a cent) without
// trailing zeros, hiding float noise like 0.00007500000000000001.
func fmtUSD(v float64) string {
	s := strings.TrimRight(strconv.FormatFloat(v, 'f', 10, 64), "0")
	return strings.TrimSuffix(s, ".")
}
