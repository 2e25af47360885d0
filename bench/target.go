package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/clip"
	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/record"
)

// TargetError says the target refused the run rather than answered it: it
// rejected the credentials, does not serve the model, or failed every
// request of the run the same way. Such a run measures the set-up, not the
// competitor, so it is not a score; the CLI maps it to its own exit code
// (4) so a CI job cannot mistake it for a scored run.
type TargetError struct {
	// Status is the HTTP status the target answered with (0: none).
	Status int
	// Msg says what happened and what to do about it.
	Msg string
	// Fix, when set, names what the caller must change (FixAPIKey,
	// FixKeyRefused, FixModel): Msg is then What, "; " and the engine's
	// own words for the fix, which a front end may replace with how its
	// users set it (the CLI names its flags). Model is the model asked
	// for and Known what GET /models listed (for FixModel).
	Fix   Fix
	What  string
	Model string
	Known []string
}

func (e *TargetError) Error() string { return e.Msg }

// Fix names what a refused run asks its caller to change.
type Fix string

// What a refusal asks for.
const (
	// FixAPIKey: the target wants an API key and none was given.
	FixAPIKey Fix = "api-key"
	// FixKeyRefused: the API key given was refused.
	FixKeyRefused Fix = "key-refused"
	// FixModel: the target does not serve the model, or the base URL is
	// not the /v1 one.
	FixModel Fix = "model"
)

// ExitCode makes a refused run end the process with the target code.
func (e *TargetError) ExitCode() int { return exitcode.Target }

// refusal maps a refusing status to a *TargetError naming the fix, or nil
// when the status is one the run should score instead.
func refusal(status int, url, model string, hasKey bool, detail string, known []string) error {
	if detail != "" {
		detail = " (" + clip.Runes(detail, 200, clip.Ellipsis) + ")"
	}
	var e *TargetError
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		e = &TargetError{Status: status, Fix: FixAPIKey, Model: model, What: fmt.Sprintf("target refused the request: POST %s gave HTTP %d%s", url, status, detail)}
		if hasKey {
			e.Fix = FixKeyRefused
		}
	case http.StatusNotFound:
		e = &TargetError{Status: status, Fix: FixModel, Model: model, Known: known,
			What: fmt.Sprintf("target does not serve model %q: POST %s gave HTTP 404%s", model, url, detail)}
	default:
		return nil
	}
	e.Msg = e.What + "; " + e.FixText("", "the model", "the target")
	return e
}

// FixText says how to fix a refusal: keyVia says how the API key is given
// (empty: not said), model and target name the model and the target's
// base URL (the engine's words, or a front end's flags).
func (e *TargetError) FixText(keyVia, model, target string) string {
	switch e.Fix {
	case FixAPIKey:
		if keyVia == "" {
			return "pass the target's API key"
		}
		return "pass the target's API key with " + keyVia
	case FixKeyRefused:
		if keyVia != "" {
			keyVia = " (" + keyVia + ")"
		}
		return "the API key given" + keyVia + " was refused: check it, and that it may use model " + e.Model
	case FixModel:
		fix := "check " + model
		if len(e.Known) > 0 {
			fix += fmt.Sprintf(" (GET /models lists: %s)", strings.Join(firstN(e.Known, 10), ", "))
		}
		return fix + " and that " + target + " is the base URL ending in /v1"
	}
	return ""
}

// envelopeMessage is the message of an OpenAI error envelope, else the
// body's first line.
func envelopeMessage(b []byte) string {
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &env) == nil && env.Error.Message != "" {
		return env.Error.Message
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return strings.ToValidUTF8(line, "?")
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(append([]string{}, s[:n]...), "…")
	}
	return s
}

// everyRequestFailed returns a *TargetError when every task of a finished
// run failed with the same HTTP status or the same connection failure: the
// run measured a broken set-up (a key revoked mid-run, a model unloaded, a
// target gone), not the competitor's answers. Timeouts are scores, not
// set-up errors, and are left alone.
func everyRequestFailed(tasks []record.TaskResult, target string) error {
	if len(tasks) == 0 {
		return nil
	}
	first := tasks[0].Error
	if first == nil {
		return nil
	}
	switch first.Class {
	case trace.ErrHTTPStatus, trace.ErrConnect, trace.ErrTLS, trace.ErrRequest:
	default:
		return nil
	}
	for _, t := range tasks[1:] {
		if t.Error == nil || t.Error.Class != first.Class || t.Error.Code != first.Code {
			return nil
		}
	}
	what := string(first.Class)
	if first.Class == trace.ErrHTTPStatus {
		what = fmt.Sprintf("HTTP %d", first.Code)
	}
	return &TargetError{Status: first.Code, Msg: fmt.Sprintf(
		"every one of the %d requests to %s failed with %s (%s): this is a target or set-up error, not a score; the report was written for diagnosis",
		len(tasks), target, what, clip.Runes(first.Message, 200, clip.Ellipsis))}
}
