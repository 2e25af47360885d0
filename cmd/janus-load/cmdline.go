package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/janus-bench/janus/cli/loadcli"
	"github.com/janus-bench/janus/internal/loadapp"
)

// The command line is janus's `bench load` (cli/loadcli: the same flags,
// their urfave/cli definitions, parsing and action), driven without
// urfave/cli's App and Command.Run. Those reach its help printer, which
// renders text/template templates, and text/template calls methods by
// name through reflect (reflect.Value.MethodByName): a binary that links
// such a call keeps every exported method of every type it converts to an
// interface, because the linker cannot tell which one a template might
// call. In janus-load that was 7 MB of the binary (go-openai's whole
// client, gonum's matrices, …) and 3 MB of its resident memory at one
// stream, most of it text faulted in around the code that runs
// (docs/PERFORMANCE.md, issue 17 item 8 fifth pass). The flags are parsed
// as urfave/cli parses them: each Flag's Apply on a standard FlagSet, the
// same FlagSet.Parse, aliases copied, flag actions run for the flags set,
// required flags checked, the root's Before (the process set-up), then
// the command's Action. What
// differs is the help: a plain list of the flags (each flag's own
// String, as urfave/cli's help lists them) instead of its templates, and
// an unknown command is a usage error (exit 2).

// usage is the one-line summary of janus-load.
const usage = "the lean load client: janus-load bench load takes janus bench load's flags and writes its report"

// errHelp is a command line that asked for help (and got it).
var errHelp = errors.New("help shown")

// run parses args (args[0] is the program) and runs `bench load` with no
// embedded target and no selftest (loadapp.Mount{}), writing results to
// stdout and logs and help to stderr or stdout as janus does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runCommand(ctx, args, stdout, stderr, loadcli.BenchLoadCommand(nil, loadapp.Mount{}))
}

// runCommand is run with load as the `bench load` command (a test hands
// in one that records what it was given).
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, load *ucli.Command) error {
	a := &ucli.App{Name: "janus-load", Usage: usage, Writer: stdout, ErrWriter: stderr, Flags: loadcli.GlobalFlags()}
	root, rest, err := parse(ctx, a, &ucli.Command{Name: a.Name, Flags: a.Flags}, nil, args[1:])
	if errors.Is(err, errHelp) {
		return help(stdout, a, load)
	}
	if err != nil {
		return err
	}
	if err := loadcli.SetUpProcess(root, stderr); err != nil {
		return err
	}
	switch {
	case len(rest) == 0 || rest[0] == "help" || len(rest) == 1 && rest[0] == "bench" || len(rest) > 1 && rest[0] == "bench" && rest[1] == "help":
		return help(stdout, a, load)
	case rest[0] != "bench" || rest[1] != load.Name:
		return &loadcli.UsageError{Err: fmt.Errorf("unknown command %q: janus-load has one, bench load", strings.Join(rest[:min(len(rest), 2)], " "))}
	}
	c, _, err := parse(ctx, a, load, root, rest[2:])
	if errors.Is(err, errHelp) {
		return help(stdout, a, load)
	}
	if err != nil {
		return err
	}
	for _, f := range load.Flags {
		if rf, ok := f.(ucli.RequiredFlag); ok && rf.IsRequired() && !isSet(c, f) {
			return &loadcli.UsageError{Err: fmt.Errorf("required flag %q not set", f.Names()[0])}
		}
	}
	for _, f := range load.Flags {
		if af, ok := f.(ucli.ActionableFlag); ok && isSet(c, f) {
			if err := af.RunAction(c); err != nil {
				return err
			}
		}
	}
	return load.Action(c)
}

// parse parses args with cmd's flags as urfave/cli's Command.Run does
// and returns the command's context (below parent) and the arguments
// left. A bad flag is a *loadcli.UsageError; -h or --help is errHelp.
func parse(ctx context.Context, a *ucli.App, cmd *ucli.Command, parent *ucli.Context, args []string) (*ucli.Context, []string, error) {
	set := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range cmd.Flags {
		if err := f.Apply(set); err != nil {
			return nil, nil, err
		}
	}
	wantHelp := set.Bool("help", false, "")
	set.BoolVar(wantHelp, "h", false, "")
	if err := set.Parse(args); err != nil {
		return nil, nil, &loadcli.UsageError{Err: err}
	}
	if *wantHelp {
		return nil, nil, errHelp
	}
	if err := copyAliases(cmd.Flags, set); err != nil {
		return nil, nil, &loadcli.UsageError{Err: err}
	}
	c := ucli.NewContext(a, set, parent)
	c.Context, c.Command = ctx, cmd
	return c, set.Args(), nil
}

// copyAliases gives every name of an aliased flag the value given under
// one of them, and refuses two of its names at once, as urfave/cli does.
func copyAliases(flags []ucli.Flag, set *flag.FlagSet) error {
	visited := map[string]bool{}
	set.Visit(func(f *flag.Flag) { visited[f.Name] = true })
	for _, f := range flags {
		var given *flag.Flag
		for _, name := range f.Names() {
			if visited[name] {
				if given != nil {
					return fmt.Errorf("cannot use two forms of the same flag: %s %s", name, given.Name)
				}
				given = set.Lookup(name)
			}
		}
		if given == nil {
			continue
		}
		v := given.Value.String()
		if s, ok := given.Value.(ucli.Serializer); ok {
			v = s.Serialize()
		}
		for _, name := range f.Names() {
			if !visited[name] {
				if err := set.Set(name, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// isSet is whether f was given, under any of its names, on the command
// line or through its environment variables.
func isSet(c *ucli.Context, f ucli.Flag) bool {
	for _, name := range f.Names() {
		if c.IsSet(name) {
			return true
		}
	}
	return false
}

// help writes janus-load's usage: the command, its description and every
// flag as urfave/cli's help lists it (the flag's String).
func help(w io.Writer, a *ucli.App, load *ucli.Command) error {
	fmt.Fprintf(w, "%s - %s\n\nUSAGE:\n   %s [global options] bench load [options]\n\n%s\n\n%s\n\nOPTIONS:\n",
		a.Name, a.Usage, a.Name, load.Usage, load.Description)
	for _, f := range load.Flags {
		fmt.Fprintf(w, "   %s\n", f)
	}
	fmt.Fprintf(w, "   --help, -h  show help\n\nGLOBAL OPTIONS:\n")
	for _, f := range a.Flags {
		fmt.Fprintf(w, "   %s\n", f)
	}
	return nil
}
