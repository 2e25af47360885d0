package bench

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/janus-bench/janus/record"
)

var randReader io.Reader = rand.Reader

// partialLine is one line of <out>.partial.jsonl: a header first, then one
// task per line, each appended (and synced) as the task finishes, so a
// crash or Ctrl-C loses at most the tasks that were still in flight.
type partialLine struct {
	Kind string             `json:"kind"`
	Run  *record.Run        `json:"run,omitempty"`
	Task *record.TaskResult `json:"task,omitempty"`
}

// PartialHeader is the run a partial file belongs to.
type PartialHeader struct{ record.Run }

// compatible refuses to resume a partial file with a run that differs in
// anything that would change which tasks run or how they are judged.
func (h PartialHeader) compatible(now record.Run) error {
	var diffs []string
	if h.Suite.SHA256 != now.Suite.SHA256 {
		diffs = append(diffs, fmt.Sprintf("suite %s@%s (%.12s) vs %s@%s (%.12s)", h.Suite.Name, h.Suite.Version, h.Suite.SHA256, now.Suite.Name, now.Suite.Version, now.Suite.SHA256))
	}
	if h.Model != now.Model {
		diffs = append(diffs, fmt.Sprintf("model %q vs %q", h.Model, now.Model))
	}
	if h.Seed != now.Seed || h.Limit != now.Limit {
		diffs = append(diffs, fmt.Sprintf("seed/limit %d/%d vs %d/%d", h.Seed, h.Limit, now.Seed, now.Limit))
	}
	if h.Stream != now.Stream {
		diffs = append(diffs, "stream mode")
	}
	if h.Target != now.Target && !(h.EmbeddedTarget && now.EmbeddedTarget) {
		diffs = append(diffs, fmt.Sprintf("target %s vs %s", h.Target, now.Target))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the partial run differs: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// ReadPartial reads a partial file. A torn last line (a crash mid-write) is
// ignored; a corrupt line elsewhere is an error naming its line number.
func ReadPartial(path string) (PartialHeader, []record.TaskResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return PartialHeader{}, nil, fmt.Errorf("read partial run: %w", err)
	}
	lines := bytes.Split(b, []byte("\n"))
	var hdr *PartialHeader
	var tasks []record.TaskResult
	seen := map[string]bool{}
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var pl partialLine
		if err := json.Unmarshal(line, &pl); err != nil {
			if i == len(lines)-1 || (i == len(lines)-2 && len(bytes.TrimSpace(lines[len(lines)-1])) == 0 && !bytes.HasSuffix(b, []byte("\n"))) {
				break
			}
			return PartialHeader{}, nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		switch {
		case pl.Kind == "header" && pl.Run != nil && hdr == nil:
			hdr = &PartialHeader{*pl.Run}
		case pl.Kind == "task" && pl.Task != nil:
			if !seen[pl.Task.ID] {
				seen[pl.Task.ID] = true
				tasks = append(tasks, *pl.Task)
			}
		default:
			return PartialHeader{}, nil, fmt.Errorf("%s:%d: unexpected line kind %q", path, i+1, pl.Kind)
		}
	}
	if hdr == nil {
		return PartialHeader{}, nil, fmt.Errorf("%s: no header line: not a janus partial run", path)
	}
	return *hdr, tasks, nil
}

type partialWriter struct {
	mu     sync.Mutex
	f      *os.File
	closed bool
}

func openPartial(path string, run record.Run, resume bool) (*partialWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create report dir: %w", err)
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if !resume {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open partial run: %w", err)
	}
	pw := &partialWriter{f: f}
	if !resume {
		if err := pw.write(partialLine{Kind: "header", Run: &run}); err != nil {
			f.Close()
			return nil, err
		}
	} else if err := ensureNewline(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return pw, nil
}

// ensureNewline terminates a torn last line so appended lines stay whole.
func ensureNewline(f *os.File, path string) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, st.Size()-1); err != nil {
		return err
	}
	if last[0] != '\n' {
		_, err = f.Write([]byte("\n"))
	}
	return err
}

func (p *partialWriter) write(pl partialLine) error {
	b, err := json.Marshal(pl)
	if err != nil {
		return fmt.Errorf("encode partial line: %w", err)
	}
	b = append(b, '\n')
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("partial run file closed")
	}
	if _, err := p.f.Write(b); err != nil {
		return fmt.Errorf("append partial run: %w", err)
	}
	return p.f.Sync()
}

// Append records one finished task.
func (p *partialWriter) Append(t record.TaskResult) error {
	return p.write(partialLine{Kind: "task", Task: &t})
}

// Close closes the file; safe to call twice.
func (p *partialWriter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return p.f.Close()
}
