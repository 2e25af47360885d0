package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// JUnit XML shapes (the common Jenkins/Ant schema: testsuites › testsuite
// › testcase with failure, error and system-out).
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// Kinds of task verdict, used as the JUnit failure type.
const (
	verdictPass        = "pass"
	verdictRequest     = "request_failed"
	verdictWrongAnswer = "wrong_answer"
	verdictViolation   = "violation"
)

// taskVerdict says how a task fares as a CI test: a failed request (the
// error class and message), an answer below scorer.PassScore (the
// evaluator's reason), or a contract violation (the first one; every one
// is in detail). A task passes only with none of these.
func taskVerdict(t record.TaskResult) (kind, message, detail string) {
	var vs []string
	for _, v := range t.Violations {
		vs = append(vs, v.Code+": "+v.Detail)
	}
	detail = t.Reason
	if len(vs) > 0 {
		detail = strings.TrimSpace(detail + "\nviolations:\n" + strings.Join(vs, "\n"))
	}
	switch {
	case t.Status != record.StatusOK:
		msg := t.Status
		if t.Error != nil {
			msg = string(t.Error.Class) + ": " + t.Error.Message
		}
		return verdictRequest, msg, detail
	case t.Score < scorer.PassScore:
		return verdictWrongAnswer, fmt.Sprintf("score %.2f: %s", t.Score, t.Reason), detail
	case len(vs) > 0:
		return verdictViolation, vs[0], detail
	}
	return verdictPass, "", ""
}

// JUnit writes the report as JUnit XML for CI test tabs: one testsuite
// with a testcase per task (classname suite.category, time its e2e), and,
// when thresholds are given, a second testsuite with a testcase per
// --min-score gate. A failed request is an <error>; a wrong answer or a
// contract violation is a <failure> whose message is the evaluator's
// reason or the violation; a missed gate is a <failure> saying by how
// much.
func JUnit(r *record.Report, thresholds []scorer.Threshold) func(io.Writer) error {
	return func(w io.Writer) error {
		run := r.Run
		secs := func(ms float64) string { return strconv.FormatFloat(ms/1000, 'f', 3, 64) }
		stamp := run.StartedAt.UTC().Format("2006-01-02T15:04:05")
		tasks := junitSuite{Name: "janus." + run.Suite.Name, Timestamp: stamp,
			Time: secs(float64(run.FinishedAt.Sub(run.StartedAt).Milliseconds())),
			Properties: []junitProperty{
				{"run_id", run.ID}, {"status", run.Status}, {"target", run.Target}, {"model", run.Model},
				{"suite_version", run.Suite.Version}, {"suite_sha256", run.Suite.SHA256},
				{"composite", strconv.FormatFloat(r.Scores[record.Composite].Value, 'f', 2, 64)},
			}}
		for _, t := range r.Tasks {
			c := junitCase{Name: t.ID, Classname: run.Suite.Name + "." + t.Category, Time: "0.000"}
			if t.Metrics.E2EMs != nil {
				c.Time = secs(*t.Metrics.E2EMs)
			}
			kind, msg, detail := taskVerdict(t)
			switch kind {
			case verdictRequest:
				c.Error = &junitProblem{Message: msg, Type: kind, Text: detail}
				tasks.Errors++
			case verdictWrongAnswer, verdictViolation:
				c.Failure = &junitProblem{Message: msg, Type: kind, Text: detail}
				tasks.Failures++
			default:
				c.SystemOut = t.Reason
			}
			tasks.Cases = append(tasks.Cases, c)
		}
		tasks.Tests = len(tasks.Cases)
		doc := junitSuites{Name: "janus", Suites: []junitSuite{tasks}, Time: tasks.Time}
		if len(thresholds) > 0 {
			gates := junitSuite{Name: "janus.thresholds", Timestamp: stamp, Time: "0.000"}
			for _, res := range scorer.CheckThresholds(r.Scores, thresholds) {
				c := junitCase{Name: "min-score " + res.Threshold.String(), Classname: "janus.thresholds", Time: "0.000"}
				if res.Passed {
					c.SystemOut = res.Message()
				} else {
					c.Failure = &junitProblem{Message: res.Message(), Type: "threshold", Text: res.Message()}
					gates.Failures++
				}
				gates.Cases = append(gates.Cases, c)
			}
			gates.Tests = len(gates.Cases)
			doc.Suites = append(doc.Suites, gates)
		}
		for _, s := range doc.Suites {
			doc.Tests += s.Tests
			doc.Failures += s.Failures
			doc.Errors += s.Errors
		}
		if _, err := io.WriteString(w, xml.Header); err != nil {
			return fmt.Errorf("write junit report: %w", err)
		}
		enc := xml.NewEncoder(w)
		enc.Indent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("write junit report: %w", err)
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return fmt.Errorf("write junit report: %w", err)
		}
		return nil
	}
}
