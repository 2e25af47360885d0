package report_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/record"
)

// Latency percentiles as a report states them: nearest-rank, so each is
// one of the measured values.
func ExampleSummarize() {
	ttft := []float64{120, 95, 310, 101, 99, 130, 2400, 105, 98, 110}
	s := report.Summarize(ttft)
	fmt.Printf("n %d  p50 %.0f  p90 %.0f  p99 %.0f  max %.0f ms\n", s.N, s.P50, s.P90, s.P99, s.Max)
	// Output:
	// n 10  p50 105  p90 310  p99 2400  max 2400 ms
}

// Writing a stored report in another format, as `janus report` does: a
// writer is a func(io.Writer) error.
func ExampleWriter() {
	r, err := record.Read("testdata/smoke-run.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	outs, err := report.ParseOutputs([]string{"csv=tasks.csv"})
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := report.Writer(outs[0].Format, r, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := w(&buf); err != nil {
		fmt.Println(err)
		return
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(outs[0].Path, len(rows)-1, "tasks")
	for _, row := range rows[:3] {
		fmt.Println(strings.Join(row[:5], ","))
	}
	// Output:
	// tasks.csv 8 tasks
	// id,category,status,score,passed
	// smoke-chat-capital,quality/chat,ok,1,true
	// smoke-reasoning-algebra,quality/reasoning,ok,1,true
}
