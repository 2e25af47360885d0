package container

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/janus-bench/janus/internal/exitcode"
)

// EnvError is a bad --env or --env-file entry, named with its place.
type EnvError struct {
	Where string // "--env" or FILE:LINE
	Entry string
	Msg   string
}

func (e *EnvError) Error() string { return fmt.Sprintf("%s: %q: %s", e.Where, e.Entry, e.Msg) }

// ExitCode makes a bad --env entry end the process with the usage code.
func (e *EnvError) ExitCode() int { return exitcode.Usage }

// Environment builds the container's environment as docker run does: the
// files' lines first, in order, then the KEY=VAL flags; a later value of
// a key replaces an earlier one. A bare KEY takes janus's own value of it
// (and is left out when janus has none).
func Environment(files, flags []string) ([]string, error) {
	var order []string
	vals := map[string]string{}
	set := func(where, entry string) error {
		k, v, ok := strings.Cut(entry, "=")
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t") {
			return &EnvError{Where: where, Entry: entry, Msg: "want KEY=VAL with a non-empty KEY without spaces"}
		}
		if !ok {
			hv, found := os.LookupEnv(k)
			if !found {
				return nil
			}
			v = hv
		}
		if _, seen := vals[k]; !seen {
			order = append(order, k)
		}
		vals[k] = v
		return nil
	}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--env-file: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimLeft(strings.TrimRight(sc.Text(), "\r"), " \t")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := set(fmt.Sprintf("%s:%d", path, n), line); err != nil {
				f.Close()
				return nil, err
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--env-file %s: %w", path, err)
		}
	}
	for _, e := range flags {
		if err := set("--env", e); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vals[k])
	}
	return out, nil
}
