package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"
)

// leaves returns every runnable command of the tree with its path.
func leaves(prefix []string, cmds []*ucli.Command, visit func(path []string, c *ucli.Command)) {
	for _, c := range cmds {
		p := append(append([]string{}, prefix...), c.Name)
		if len(c.Subcommands) > 0 {
			leaves(p, c.Subcommands, visit)
			continue
		}
		visit(p, c)
	}
}

// relaxFlags drops what a flag checks beyond parsing (required flags, a
// flag's own Action such as --api-key-file reading its file): the test
// asks only where the parser puts a flag given after arguments.
func relaxFlags(flags []ucli.Flag) {
	for _, f := range flags {
		if sf, ok := f.(*ucli.StringFlag); ok {
			sf.Required, sf.Action = false, nil
		}
	}
}

// sampleValue is a value each flag type accepts.
func sampleValue(f ucli.Flag) (string, bool) {
	switch f.(type) {
	case *ucli.BoolFlag:
		return "", true
	case *ucli.StringFlag, *ucli.StringSliceFlag:
		return "x", true
	case *ucli.IntFlag, *ucli.Uint64Flag, *ucli.Int64Flag, *ucli.UintFlag:
		return "3", true
	case *ucli.Float64Flag:
		return "1.5", true
	case *ucli.DurationFlag:
		return "2s", true
	case *ucli.TimestampFlag:
		return "2026-01-02T03:04:05Z", true
	}
	return "", false
}

// TestFlagsAfterArgumentsEveryCommand runs every command of the app with a
// positional argument followed by each of its flags: the flag must be set
// and the argument must stay an argument, for every command there is (a
// command added later is covered without touching this test).
func TestFlagsAfterArgumentsEveryCommand(t *testing.T) {
	app := App(io.Discard, io.Discard)
	n := 0
	leaves(nil, app.Commands, func(path []string, cmd *ucli.Command) {
		for _, f := range cmd.Flags {
			name := f.Names()[0]
			val, ok := sampleValue(f)
			if !ok || name == "help" {
				continue
			}
			n++
			t.Run(strings.Join(path, "_")+"/"+name, func(t *testing.T) {
				app := App(io.Discard, io.Discard)
				target := app.Commands[slices.IndexFunc(app.Commands, func(c *ucli.Command) bool { return c.Name == path[0] })]
				for _, p := range path[1:] {
					target = findCommand(target.Subcommands, p)
				}
				relaxFlags(target.Flags)
				var gotArgs []string
				set := false
				target.Action = func(c *ucli.Context) error {
					gotArgs, set = c.Args().Slice(), c.IsSet(name)
					return nil
				}
				args := append([]string{"janus"}, path...)
				args = append(args, "POS", "--"+name)
				if _, isBool := f.(*ucli.BoolFlag); !isBool {
					args = append(args, val)
				}
				args = append(args, "POS2")
				if err := app.RunContext(context.Background(), interspersed(app, args)); err != nil {
					t.Fatalf("%v: %v", args, err)
				}
				if !set || !slices.Equal(gotArgs, []string{"POS", "POS2"}) {
					t.Fatalf("%v: flag set %v, args %q; want set and [POS POS2]", args, set, gotArgs)
				}
			})
		}
	})
	if n < 50 {
		t.Fatalf("only %d command flags exercised: the walk is broken", n)
	}
}

// TestInterspersedKeepsDoubleDash checks that what follows "--" stays
// positional even when it looks like a flag, and that global flags before
// the command are left alone.
func TestInterspersedKeepsDoubleDash(t *testing.T) {
	app := App(io.Discard, io.Discard)
	for i, tc := range []struct{ in, want []string }{
		{[]string{"janus", "--log-level", "debug", "score", "r.json", "--format", "json"},
			[]string{"janus", "--log-level", "debug", "score", "--format", "json", "--", "r.json"}},
		{[]string{"janus", "score", "r.json", "--", "--format"},
			[]string{"janus", "score", "--", "r.json", "--format"}},
		{[]string{"janus", "score", "--format", "json", "r.json"},
			[]string{"janus", "score", "--format", "json", "--", "r.json"}},
		{[]string{"janus", "bench", "run", "--limit", "2"}, []string{"janus", "bench", "run", "--limit", "2"}},
		{[]string{"janus", "nope", "x", "--y"}, []string{"janus", "nope", "x", "--y"}},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := interspersed(app, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("interspersed(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestEveryCommandHasHelp walks every visible command of the app: each has
// a one-line usage, a description and at least two examples that name
// janus and the command, and no flag's help repeats a default urfave/cli
// prints itself. A command added later must comply (cli/help.go).
func TestEveryCommandHasHelp(t *testing.T) {
	app := App(io.Discard, io.Discard)
	var walkAll func(prefix []string, cmds []*ucli.Command)
	walkAll = func(prefix []string, cmds []*ucli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			path := append(append([]string{}, prefix...), c.Name)
			name := strings.Join(path, " ")
			t.Run(name, func(t *testing.T) {
				_, ex, ok := strings.Cut(c.Description, "Examples:")
				desc := strings.TrimSpace(strings.SplitN(c.Description, "Examples:", 2)[0])
				if c.Usage == "" || desc == "" {
					t.Errorf("usage %q, description %q: want both", c.Usage, desc)
				}
				n := 0
				for _, l := range strings.Split(ex, "\n") {
					if strings.HasPrefix(strings.TrimSpace(l), "janus ") && strings.Contains(l, c.Name) {
						n++
					}
				}
				if !ok || n < 2 {
					t.Errorf("%d examples naming %q, want at least 2:\n%s", n, c.Name, c.Description)
				}
				for _, f := range c.Flags {
					df, ok := f.(ucli.DocGenerationFlag)
					if !ok {
						continue
					}
					if u := df.GetUsage(); strings.Contains(u, "(default ") && df.GetDefaultText() == "" && df.GetValue() != "" && df.TakesValue() {
						t.Errorf("--%s help %q repeats a default that urfave prints as %q", f.Names()[0], u, df.GetValue())
					}
				}
			})
			walkAll(path, c.Subcommands)
		}
	}
	walkAll(nil, app.Commands)
}
