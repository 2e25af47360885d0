package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// interspersed returns args (program name first) with the flags written
// after a leaf command's positional arguments moved in front of them, so
// `janus image check IMG --long` parses as `janus image check --long IMG`.
// urfave/cli v2 stops parsing flags at the first positional argument; doing
// the reordering once, here, before it parses gives every command — present
// and future — the same GNU-style behaviour. Arguments after "--" stay
// positional, whatever they look like.
func interspersed(app *ucli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	flags := flagIndex(app.Flags)
	cmds := app.Commands
	var leaf *ucli.Command
	i := 1
	for i < len(args) {
		a := args[i]
		if a == "--" {
			return args
		}
		if isFlagArg(a) {
			i += flagWidth(flags, a, args, i)
			continue
		}
		next := findCommand(cmds, a)
		if next == nil {
			break
		}
		leaf, cmds, flags = next, next.Subcommands, flagIndex(next.Flags)
		i++
	}
	if leaf == nil || len(leaf.Subcommands) > 0 || leaf.SkipFlagParsing || i >= len(args) {
		return args
	}
	var fl, pos []string
	for j := i; j < len(args); j++ {
		a := args[j]
		if a == "--" {
			pos = append(pos, args[j+1:]...)
			break
		}
		if !isFlagArg(a) {
			pos = append(pos, a)
			continue
		}
		w := flagWidth(flags, a, args, j)
		fl = append(fl, args[j:j+w]...)
		j += w - 1
	}
	if len(pos) == 0 {
		return args
	}
	out := append(append([]string{}, args[:i]...), fl...)
	out = append(out, "--")
	return append(out, pos...)
}

// isFlagArg says whether a looks like a flag ("-x", "--name", "--name=v");
// a lone "-" is an argument (stdin, by convention).
func isFlagArg(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagWidth is how many arguments the flag at args[i] takes up: 1 for a
// boolean, a "--name=value" or an unknown flag (urfave reports the latter),
// else 2 (the flag and its value).
func flagWidth(flags map[string]ucli.Flag, a string, args []string, i int) int {
	name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
	f, ok := flags[name]
	if !ok || hasValue || name == "help" || name == "h" {
		return 1
	}
	if _, isBool := f.(*ucli.BoolFlag); isBool {
		return 1
	}
	if i+1 >= len(args) {
		return 1
	}
	return 2
}

func flagIndex(fs []ucli.Flag) map[string]ucli.Flag {
	m := map[string]ucli.Flag{}
	for _, f := range fs {
		for _, n := range f.Names() {
			m[n] = f
		}
	}
	return m
}

func findCommand(cmds []*ucli.Command, name string) *ucli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
