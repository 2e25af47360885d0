package coderun

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// childEnv marks a process started by spawn as a code-runner child; its
// value is the protocol version. The parent clears the environment, so the
// variable is never inherited by anything else.
const (
	childEnv   = "JANUS_CODERUN_CHILD"
	childProto = "1"
)

// maxJob bounds the job a child reads from stdin.
const maxJob = 16 << 20

// goRuntimeAllowance is added to a JavaScript or Go program's memory budget
// for the Go runtime of the child, which maps ~110 MiB of heap arenas and
// metadata before running a line; race-detector builds map far more.
const goRuntimeAllowance int64 = 256<<20 + raceAllowance

// init turns the process into a code-runner child when spawn started it:
// it runs the job from stdin and exits before main (janus's or a test
// binary's) ever starts. Any binary that links this package can therefore
// run code, and no separate runner executable has to be installed.
func init() {
	if os.Getenv(childEnv) != childProto {
		return
	}
	os.Exit(childMain())
}

// childMain runs one job and reports its outcome as one JSON object on fd 3.
// For Python it does not return: it execs python3 once its limits are set,
// and the driver script reports instead.
func childMain() int {
	res := os.NewFile(3, "result")
	report := func(o outcome) int {
		if res != nil {
			if err := json.NewEncoder(res).Encode(o); err != nil {
				fmt.Fprintln(os.Stderr, "coderun: report outcome:", err)
				return 1
			}
		}
		return 0
	}
	in, err := io.ReadAll(io.LimitReader(os.Stdin, maxJob))
	if err != nil {
		return report(outcome{Status: StatusError, Reason: "child: read job: " + err.Error()})
	}
	var j job
	if err := json.Unmarshal(in, &j); err != nil {
		return report(outcome{Status: StatusError, Reason: "child: decode job: " + err.Error()})
	}
	switch j.Language {
	case JavaScript:
		if err := limitSelf(j, goRuntimeAllowance); err != nil {
			return report(outcome{Status: StatusError, Reason: "child: " + err.Error()})
		}
		return report(runJS(j))
	case Go:
		if err := limitSelf(j, goRuntimeAllowance); err != nil {
			return report(outcome{Status: StatusError, Reason: "child: " + err.Error()})
		}
		return report(runGo(j))
	case Python:
		err := execPython(j) // returns only on failure
		return report(outcome{Status: StatusError, Reason: "child: " + err.Error()})
	}
	return report(outcome{Status: StatusError, Reason: fmt.Sprintf("child: unknown language %q", j.Language)})
}
