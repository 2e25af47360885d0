package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/cli/loadcli"
	"github.com/janus-bench/janus/internal/exitcode"
	"github.com/janus-bench/janus/internal/loadapp"
)

// urfaveApp is janus-load's command tree as urfave/cli runs it (what
// janus-load was before it parsed its own command line, and how janus
// runs bench load), with load as the bench load command.
func urfaveApp(stdout, stderr io.Writer, load *ucli.Command) *ucli.App {
	usageErr := func(_ *ucli.Context, err error, _ bool) error { return &loadcli.UsageError{Err: err} }
	load.OnUsageError = usageErr
	return &ucli.App{
		Name: "janus-load", Usage: usage, Writer: stdout, ErrWriter: stderr, Flags: loadcli.GlobalFlags(),
		Before:         func(c *ucli.Context) error { return loadcli.SetUpProcess(c, stderr) },
		OnUsageError:   usageErr,
		ExitErrHandler: func(*ucli.Context, error) {},
		Commands:       []*ucli.Command{{Name: "bench", Subcommands: []*ucli.Command{load}}},
	}
}

// recorder is bench load with an action that writes down what it was
// given: every flag's value and whether it is set, the global flags',
// and the arguments (not the help flag, which urfave/cli appends to
// load.Flags and janus-load handles before the action).
func recorder(got *string) *ucli.Command {
	load := loadcli.BenchLoadCommand(nil, loadapp.Mount{})
	load.Action = func(c *ucli.Context) error {
		var b strings.Builder
		for _, f := range slices.Concat(load.Flags, loadcli.GlobalFlags()) {
			for _, n := range f.Names() {
				if n == "help" || n == "h" {
					continue
				}
				fmt.Fprintf(&b, "%s=%v set=%v\n", n, c.Value(n), c.IsSet(n))
			}
		}
		fmt.Fprintf(&b, "args=%q\n", c.Args().Slice())
		*got = b.String()
		return nil
	}
	return load
}

// TestCommandLineAsUrfave: janus-load's own parse of bench load's command
// line gives the action exactly what urfave/cli's App gives it (every
// flag's value and set-ness, aliases, slices, environment variables, a
// flag's action), and refuses what it refuses with the same exit code.
func TestCommandLineAsUrfave(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "")
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("sk-from-file\nrest\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := [][]string{
		{"bench", "load"},
		{"--log-level", "info", "bench", "load", "--target", "http://127.0.0.1:1/v1", "--profile", "closed:c=1,8", "--duration", "3s"},
		{"bench", "load", "-o", "r.json", "--no-stream", "--header", "X-A: 1", "--header", "X-B: 2", "--out-format", "md=r.md,csv=r.csv"},
		{"bench", "load", "--out=r.json", "--max-requests=5", "--no-selftest=false", "--seed", "7", "--timeout", "1m30s"},
		{"bench", "load", "--api-key", "sk-flag", "--api-key-file", keyFile},
		{"bench", "load", "--api-key-file", filepath.Join(t.TempDir(), "none")},
		{"bench", "load", "--no-such-flag"},
		{"bench", "load", "--max-requests", "many"},
		{"bench", "load", "stray", "--target", "x"},
		{"bench", "load", "-o", "a", "--out", "b"},
		{"--log-level", "loud", "bench", "load"},
		{"--no-color", "bench", "load", "--"},
	}
	for _, env := range []string{"", "sk-env"} {
		t.Setenv("JANUS_API_KEY", env)
		for _, line := range lines {
			t.Run(env+" "+strings.Join(line, " "), func(t *testing.T) {
				var want, got string
				var out bytes.Buffer
				werr := urfaveApp(&out, &out, recorder(&want)).RunContext(context.Background(), append([]string{"janus-load"}, line...))
				gerr := runCommand(context.Background(), append([]string{"janus-load"}, line...), &out, &out, recorder(&got))
				if got != want {
					t.Errorf("the action was given\n%s\nurfave/cli gives it\n%s", got, want)
				}
				if exitcode.Of(gerr) != exitcode.Of(werr) {
					t.Errorf("exit %d (%v), urfave/cli's %d (%v)", exitcode.Of(gerr), gerr, exitcode.Of(werr), werr)
				}
			})
		}
	}
}

// TestHelp: -h, --help, help and no command at all print the usage with
// every flag of bench load and exit 0.
func TestHelp(t *testing.T) {
	for _, line := range [][]string{{}, {"help"}, {"-h"}, {"bench"}, {"bench", "load", "--help"}, {"bench", "load", "-h", "--target", "x"}} {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"janus-load"}, line...), &out, io.Discard)
		if err != nil {
			t.Errorf("%q: %v", line, err)
		}
		for _, want := range []string{"bench load [options]", "--profile value", "--out value, -o value", "--log-level value"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%q: help lacks %q:\n%s", line, want, out.String())
			}
		}
	}
}
