package record_test

import (
	"fmt"

	"github.com/janus-bench/janus/record"
)

// A report as a program reads one `janus bench run` wrote: Read checks
// it against schema janus.report/v1 before decoding it.
func ExampleRead() {
	r, err := record.Read("../bench/report/testdata/smoke-run.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _ := r.Scores.Lookup("composite")
	fmt.Printf("%s on %s@%s: %s, composite %.1f\n", r.Run.Model, r.Run.Suite.Name, r.Run.Suite.Version, r.Run.Status, c.Value)
	ok := 0
	for _, t := range r.Tasks {
		if t.Status == record.StatusOK {
			ok++
		}
	}
	fmt.Printf("%d of %d tasks answered\n", ok, len(r.Tasks))
	// Output:
	// janus-baseline-sim on smoke@1.0.0: completed, composite 99.4
	// 8 of 8 tasks answered
}

// Parse refuses what is not a janus.report/v1 report, naming the first
// places it breaks the schema.
func ExampleParse() {
	_, err := record.Parse([]byte(`{"schema_version": "janus.report/v0"}`))
	fmt.Println(err != nil)
	// Output:
	// true
}
