package suites

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed builtin
var builtinFS embed.FS

// DefaultLoader loads the embedded suites by name and anything else as a
// path on disk (a suite directory, or a single tasks file).
type DefaultLoader struct{}

var _ Loader = DefaultLoader{}

// Builtin lists the names of the embedded suites.
func Builtin() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Load implements Loader.
func (DefaultLoader) Load(ctx context.Context, nameOrPath string) (*Suite, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if sub, err := fs.Sub(builtinFS, path.Join("builtin", nameOrPath)); err == nil && !strings.ContainsAny(nameOrPath, `/\.`) {
		if _, err := fs.Stat(sub, "suite.yaml"); err == nil {
			return LoadFS(sub, "builtin:"+nameOrPath)
		}
	}
	st, err := os.Stat(nameOrPath)
	if err != nil {
		return nil, &NotFoundError{Name: nameOrPath, Known: Builtin()}
	}
	if st.IsDir() {
		return LoadFS(os.DirFS(nameOrPath), nameOrPath)
	}
	dir, file := filepath.Split(nameOrPath)
	if dir == "" {
		dir = "."
	}
	return loadSingle(os.DirFS(dir), file, nameOrPath)
}

// Load is a shortcut for DefaultLoader{}.Load.
func Load(ctx context.Context, nameOrPath string) (*Suite, error) {
	return DefaultLoader{}.Load(ctx, nameOrPath)
}

// LoadFS loads a suite directory: suite.yaml plus every *.yaml, *.yml and
// *.jsonl task file beside it, in name order. source names the directory
// in error messages.
func LoadFS(fsys fs.FS, source string) (*Suite, error) {
	meta, err := fs.ReadFile(fsys, "suite.yaml")
	if err != nil {
		return nil, fmt.Errorf("load suite %s: %w", source, err)
	}
	s := &Suite{Source: source}
	if err := decodeStrict(meta, s); err != nil {
		return nil, &FormatError{File: joinSource(source, "suite.yaml"), Line: yamlLine(err), Msg: err.Error()}
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("load suite %s: %w", source, err)
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || n == "suite.yaml" {
			continue
		}
		if !(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".jsonl")) {
			continue
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("load suite %s: %w", source, err)
		}
		tasks, err := parseTasks(b, joinSource(source, n))
		if err != nil {
			return nil, err
		}
		s.Tasks = append(s.Tasks, tasks...)
	}
	return finish(s)
}

// loadSingle loads one tasks file as a suite named after the file.
func loadSingle(fsys fs.FS, name, source string) (*Suite, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("load suite %s: %w", source, err)
	}
	tasks, err := parseTasks(b, source)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(name, filepath.Ext(name))
	return finish(&Suite{Name: base, Version: "0.0.0", Source: source, Tasks: tasks})
}

func joinSource(source, file string) string {
	if strings.HasPrefix(source, "builtin:") {
		return source + "/" + file
	}
	return filepath.Join(source, file)
}

// finish checks what the runner relies on and computes the hash.
func finish(s *Suite) (*Suite, error) {
	src := s.Source
	if s.Name == "" {
		return nil, &FormatError{File: src, Msg: "suite has no name"}
	}
	if len(s.Tasks) == 0 {
		return nil, &FormatError{File: src, Msg: "suite has no tasks"}
	}
	seen := map[string]*Task{}
	for i := range s.Tasks {
		t := &s.Tasks[i]
		if t.ID == "" {
			return nil, &FormatError{File: t.File, Line: t.Line, Msg: "task has no id"}
		}
		if prev, ok := seen[t.ID]; ok {
			return nil, &FormatError{File: t.File, Line: t.Line, TaskID: t.ID,
				Msg: fmt.Sprintf("duplicate task id (first defined at %s:%d)", prev.File, prev.Line)}
		}
		seen[t.ID] = t
		if t.Category == "" {
			return nil, &FormatError{File: t.File, Line: t.Line, TaskID: t.ID, Msg: "task has no category"}
		}
		if len(t.Messages) == 0 {
			return nil, &FormatError{File: t.File, Line: t.Line, TaskID: t.ID, Msg: "task has no messages"}
		}
		if len(t.Expect.Checks) == 0 {
			return nil, &FormatError{File: t.File, Line: t.Line, TaskID: t.ID, Msg: "task has no expect.checks"}
		}
		if p := memoryProblem(t); p != "" {
			return nil, &FormatError{File: t.File, Line: t.Line, TaskID: t.ID, Msg: p}
		}
	}
	h, err := Hash(s)
	if err != nil {
		return nil, err
	}
	s.SHA256 = h
	return s, nil
}

// parseTasks reads a YAML list of tasks or JSONL (one task per line),
// remembering each task's line.
func parseTasks(b []byte, file string) ([]Task, error) {
	if strings.HasSuffix(file, ".jsonl") {
		var out []Task
		for i, line := range bytes.Split(b, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			var t Task
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&t); err != nil {
				return nil, &FormatError{File: file, Line: i + 1, Msg: err.Error()}
			}
			t.File, t.Line = file, i+1
			out = append(out, t)
		}
		return out, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, &FormatError{File: file, Line: yamlLine(err), Msg: err.Error()}
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	list := root.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, &FormatError{File: file, Line: list.Line, Msg: "a tasks file must be a YAML list of tasks"}
	}
	out := make([]Task, 0, len(list.Content))
	for _, n := range list.Content {
		var generic any
		if err := n.Decode(&generic); err != nil {
			return nil, &FormatError{File: file, Line: n.Line, Msg: err.Error()}
		}
		j, err := json.Marshal(normalize(generic))
		if err != nil {
			return nil, &FormatError{File: file, Line: n.Line, Msg: err.Error()}
		}
		var t Task
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			id := ""
			if m, ok := generic.(map[string]any); ok {
				id, _ = m["id"].(string)
			}
			return nil, &FormatError{File: file, Line: n.Line, TaskID: id, Msg: err.Error()}
		}
		t.File, t.Line = file, n.Line
		out = append(out, t)
	}
	return out, nil
}

// normalize turns YAML's map[any]any-free output into JSON-encodable values
// (yaml.v3 already gives map[string]any for string keys; other keys are
// stringified).
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	}
	return v
}

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// yamlLine digs the line number out of a yaml.v3 error ("yaml: line 3: …").
func yamlLine(err error) int {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	var line int
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	return line
}
