package janstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/janus-bench/janus/baseline/threads"
)

// writeFileAtomic replaces path with data so that a reader, or the file
// after a crash, holds either the old or the new content, never a mix: the
// data goes to a temporary file in the same directory, is synced, renamed
// over path, and the directory is synced so the rename itself is durable.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes the entries of dir (a rename, a new file) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// writeJSONAtomic writes v as indented JSON with writeFileAtomic.
func writeJSONAtomic(path string, v any) error {
	b, err := marshalIndent(v)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeFileAtomic(path, b)
}

func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// appendLines appends data (whole lines) to the JSON Lines file at path
// (created if missing) in one write and syncs it. Callers hold the
// thread's lock, so appends never interleave. A file whose last line has
// no newline was torn by a crash: appending would glue the new record
// onto it, so that is refused as corrupt instead.
func appendLines(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("append to %s: %w", path, err)
	}
	if size := st.Size(); size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			_ = f.Close()
			return fmt.Errorf("append to %s: %w", path, err)
		}
		if last[0] != '\n' {
			_ = f.Close()
			whole, _ := os.ReadFile(path)
			return &threads.CorruptError{Where: path, Line: 1 + bytes.Count(whole, []byte{'\n'}),
				Err: errors.New("the last line has no newline (torn by a crash?); repair it before appending")}
		}
	}
	created := st.Size() == 0
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	if created {
		return syncDir(filepath.Dir(path))
	}
	return nil
}

// readJSONFile reads the JSON document at path into v with parse. A
// missing file is reported as fs.ErrNotExist (callers branch on it); a
// file that does not parse is a *threads.CorruptError naming it.
func readJSONFile[T any](path string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", path, err)
	}
	v, err := parse(b)
	if err != nil {
		return zero, &threads.CorruptError{Where: path, Err: err}
	}
	return v, nil
}

// decodeObject decodes one JSON object, rejecting trailing data and
// reporting syntax errors with their line and column.
func decodeObject(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return positioned(data, err)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

// positioned adds line:column to JSON syntax and type errors.
func positioned(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	// Offsets count the byte that failed, so the byte before names its line.
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1
	case errors.As(err, &te):
		off = te.Offset - 1
		if te.Field != "" {
			err = fmt.Errorf("%s: %s is not a %s", te.Field, te.Value, te.Type)
		}
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Errorf("line %d column %d: %w", line, col, err)
}

// ParseMessages parses a messages.jsonl file: one message per line; blank
// lines are allowed. where names the file in errors. Any line that does
// not parse — including a last line torn by a crash — fails the whole
// read with a *threads.CorruptError naming the line, so a damaged history
// is repaired by a person rather than silently shortened.
func ParseMessages(data []byte, where string) ([]threads.Message, error) {
	var out []threads.Message
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		m, err := threads.DecodeMessage(l)
		if err != nil {
			return nil, &threads.CorruptError{Where: where, Line: line, Err: err}
		}
		out = append(out, m)
	}
	return out, nil
}
