// Command gensuite writes the generated janus-default suite files into a
// directory (`go generate ./suites/` runs it for suites/builtin, from suites/).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/janus-bench/janus/internal/suitegen"
)

func main() {
	out := flag.String("out", "builtin/janus-default", "directory to write")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gensuite:", err)
		os.Exit(1)
	}
	for name, b := range suitegen.DefaultSuiteFiles() {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gensuite:", err)
			os.Exit(1)
		}
	}
}
