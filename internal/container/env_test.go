package container

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEnvironment(t *testing.T) {
	t.Setenv("JANUS_ENV_FROM_HOST", "host-value")
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := file("a.env", "# comment\n\nA=1\n  B=two words\nC=\n")
	b := file("b.env", "A=from-b\nJANUS_ENV_FROM_HOST\nJANUS_ENV_UNSET_XYZ\n")
	bad := file("bad.env", "OK=1\n=nokey\n")
	cases := []struct {
		name         string
		files, flags []string
		want         []string
		err          string // the error must name this place
	}{
		// Lines of a file in order; comments, blank lines and indentation skipped; empty value kept.
		{"one file", []string{a}, nil, []string{"A=1", "B=two words", "C="}, ""},
		// A later file replaces a key but keeps its first position; a bare KEY takes janus's value, or is dropped.
		{"two files", []string{a, b}, nil, []string{"A=from-b", "B=two words", "C=", "JANUS_ENV_FROM_HOST=host-value"}, ""},
		// --env comes after every file and wins.
		{"flag wins", []string{a}, []string{"A=flag", "D=x=y"}, []string{"A=flag", "B=two words", "C=", "D=x=y"}, ""},
		// A line without a key is named by file:line.
		{"bad line", []string{bad}, nil, nil, bad + ":2"},
		// A flag without a key is named as --env.
		{"bad flag", nil, []string{"=v"}, nil, "--env"},
		// A key with a space is not a key.
		{"space in key", nil, []string{"A B=1"}, nil, "--env"},
		// A missing file is named.
		{"missing file", []string{filepath.Join(dir, "nope")}, nil, nil, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Environment(tc.files, tc.flags)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	var ee *EnvError
	if _, err := Environment(nil, []string{"=x"}); !errors.As(err, &ee) {
		t.Fatalf("a bad entry is not an *EnvError: %v", err)
	}
}

// FuzzEnvFile: any env file either parses into KEY=VAL entries with
// non-empty keys without blanks, or fails with an error naming the file.
func FuzzEnvFile(f *testing.F) {
	for _, s := range []string{"A=1\n", "# c\n\nB=2=3\n", "=x\n", "K\n", " X = y\n", "A=1\r\nB=2\r\n"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(dir, "env")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Environment([]string{p}, nil)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range got {
			k, _, ok := strings.Cut(e, "=")
			if !ok || k == "" || strings.ContainsAny(k, " \t") || seen[k] {
				t.Fatalf("bad entry %q in %q", e, got)
			}
			seen[k] = true
		}
	})
}
