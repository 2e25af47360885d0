// Package exitcode is janus's one error taxonomy: the process exit codes,
// and the Coder interface through which an error says which one it means.
// Library packages declare their typed errors' codes here instead of the
// CLI knowing every error type of every package.
package exitcode

// Exit codes, the same for every command.
const (
	OK          = 0
	Runtime     = 1 // the harness or the run failed
	Usage       = 2 // bad flag, bad suite file, unreachable target at start
	Threshold   = 3 // a CI threshold or regression gate failed
	Target      = 4 // the target refused the run (key, model) or failed every request alike: not a score
	Interrupted = 130
)

// Coder is an error that ends the process with a code of its own.
type Coder interface {
	ExitCode() int
}

// precedence orders the codes when an error tree holds several: an
// interruption wins over a failed gate, which wins over a refused target,
// which wins over bad input. A code not listed ranks just above Runtime.
var precedence = map[int]int{Usage: 2, Target: 3, Threshold: 4, Interrupted: 5}

func rank(code int) int {
	if code == Runtime {
		return 0
	}
	if r, ok := precedence[code]; ok {
		return r
	}
	return 1
}

// Of is the exit code for err: OK for nil, else the code of highest
// precedence that an error anywhere in err's tree (Unwrap, Join) declares
// through Coder, else Runtime.
func Of(err error) int {
	if err == nil {
		return OK
	}
	code := Runtime
	walk(err, func(e error) {
		if c, ok := e.(Coder); ok && rank(c.ExitCode()) > rank(code) {
			code = c.ExitCode()
		}
	})
	return code
}

// walk calls f on err and on every error it wraps, depth first, as
// errors.Is and errors.As visit them.
func walk(err error, f func(error)) {
	for err != nil {
		f(err)
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e, f)
			}
			return
		default:
			return
		}
	}
}

// sentinel is a comparable error value carrying an exit code, for the
// errors.Is kind of error (ErrInterrupted).
type sentinel struct {
	msg  string
	code int
}

func (e *sentinel) Error() string { return e.msg }

// ExitCode is the code the sentinel was made with.
func (e *sentinel) ExitCode() int { return e.code }

// New is a sentinel error with message msg that ends the process with
// code; each call makes a distinct value, as errors.New does.
func New(code int, msg string) error { return &sentinel{msg: msg, code: code} }
