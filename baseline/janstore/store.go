// Package janstore is the baseline's Jan-style file store: a data directory
// a person can read, back up and edit by hand, laid out as in Jan's
// file-based design:
//
//	models/<id>/model.json                      model-level settings
//	assistants/<id>/assistant.json [model.json] an assistant and its overrides
//	threads/<id>/thread.json [model.json]       a thread and its overrides
//	threads/<id>/messages.jsonl                 the conversation, one message per line
//
// Effective settings merge model < assistant < thread (the deepest file
// wins, field by field). A thread is locked to its assistant after its
// first message; deleting an assistant removes its folder but keeps its
// threads, which become read-only. Every write is atomic (temporary file,
// fsync, rename, directory fsync) or an fsynced append, under a per-thread
// lock that is both in-process and a flock(2) on the thread's folder, so
// concurrent requests — even from several processes — lose nothing. A file
// that does not parse is reported with its path (and line), never skipped.
package janstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/janus-bench/janus/baseline/threads"
)

// Folder and file names of the layout.
const (
	modelsDir     = "models"
	assistantsDir = "assistants"
	threadsDir    = "threads"
	modelFile     = "model.json"
	assistantFile = "assistant.json"
	threadFile    = "thread.json"
	messagesFile  = "messages.jsonl"
)

// ErrNotFound is a model, assistant or thread that does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is a create for an id that is taken.
var ErrExists = errors.New("already exists")

// Store is a Jan-style data directory. It is safe for concurrent use.
type Store struct {
	dir string

	mu    sync.Mutex
	locks map[string]*lockEntry
}

var _ threads.Store = (*Store)(nil)

type lockEntry struct {
	mu   sync.Mutex
	refs int
}

// Open opens the data directory dir. Nothing is created until something is
// written: a server that is only benchmarked leaves no trace on disk, and
// a missing folder reads as empty.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open data dir: no directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open data dir %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("open data dir %s: not a directory", abs)
	}
	return &Store{dir: abs, locks: map[string]*lockEntry{}}, nil
}

// DefaultDir is the data directory used when none is given:
// $XDG_DATA_HOME/janus/baseline, else ~/.local/share/janus/baseline.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "janus", "baseline"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("default data dir: %w", err)
	}
	return filepath.Join(home, ".local", "share", "janus", "baseline"), nil
}

// Dir is the data directory's absolute path.
func (s *Store) Dir() string { return s.dir }

// Name implements threads.Store.
func (s *Store) Name() string { return "file" }

func (s *Store) modelPath(id string) string { return filepath.Join(s.dir, modelsDir, id, modelFile) }
func (s *Store) assistantDir(id string) string {
	return filepath.Join(s.dir, assistantsDir, id)
}
func (s *Store) threadDir(id string) string { return filepath.Join(s.dir, threadsDir, id) }

// lockThread serialises everything done to thread id: an in-process mutex
// (flock is per open file, so it would not order goroutines sharing one
// process reliably) and then a flock on the thread's folder when it
// exists, which orders other processes using the same data dir. create
// makes the folder first, for writers.
func (s *Store) lockThread(id string, create bool) (unlock func(), err error) {
	s.mu.Lock()
	e := s.locks[id]
	if e == nil {
		e = &lockEntry{}
		s.locks[id] = e
	}
	e.refs++
	s.mu.Unlock()
	e.mu.Lock()
	release := func() {
		e.mu.Unlock()
		s.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(s.locks, id)
		}
		s.mu.Unlock()
	}
	dir := s.threadDir(id)
	if create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			release()
			return nil, fmt.Errorf("create thread folder %s: %w", dir, err)
		}
	}
	funlock, err := flockDir(dir)
	if err != nil {
		release()
		return nil, err
	}
	return func() { funlock(); release() }, nil
}

// newID is prefix + a random lower-case base32 suffix.
func newID(prefix string) string {
	return prefix + strings.ToLower(rand.Text()[:16])
}

// listDir returns the ids of the folders under parent whose record file
// exists, sorted; hidden folders (in-flight creates and deletes) are
// skipped.
func listDir(parent, record string) ([]string, error) {
	ents, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", parent, err)
	}
	var ids []string
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || threads.ValidID(e.Name()) != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(parent, e.Name(), record)); err == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// removeDir deletes a folder so that it vanishes at once for readers: it
// is first renamed to a hidden name, then removed.
func removeDir(dir string) error {
	trash := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".deleted-"+strings.ToLower(rand.Text()[:8]))
	if err := os.Rename(dir, trash); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ErrNotFound
		}
		return fmt.Errorf("delete %s: %w", dir, err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("delete %s: %w", dir, err)
	}
	return nil
}

// Models lists the ids under models/ that have a model.json.
func (s *Store) Models(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return listDir(filepath.Join(s.dir, modelsDir), modelFile)
}

// HasModel reports whether models/<id>/model.json exists.
func (s *Store) HasModel(id string) bool {
	if threads.ValidID(id) != nil {
		return false
	}
	_, err := os.Stat(s.modelPath(id))
	return err == nil
}

// Model reads models/<id>/model.json.
func (s *Store) Model(ctx context.Context, id string) (ModelFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := threads.ValidID(id); err != nil {
		return nil, fmt.Errorf("model %q: %w", id, ErrNotFound)
	}
	m, err := readModelFile(s.modelPath(id))
	if err == nil && m == nil {
		return nil, fmt.Errorf("model %q: %w", id, ErrNotFound)
	}
	return m, err
}
