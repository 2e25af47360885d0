package janstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/janus-bench/janus/baseline/threads"
)

// Assistant is assistants/<id>/assistant.json, shaped like OpenAI's
// assistant object.
type Assistant struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	CreatedAt   int64  `json:"created_at"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Model is the model the assistant uses unless its model.json or a
	// thread's model.json names another.
	Model string `json:"model,omitempty"`
	// Instructions are the assistant's system prompt, below its own
	// model.json's system_prompt.
	Instructions string `json:"instructions,omitempty"`
	// Files names the assistant's knowledge files, paths relative to
	// assistants/<id>/files (docs/JANSTORE.md); their text reaches the
	// model as a system message.
	Files    []string       `json:"files,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	// ModelFile is the assistant's model.json, returned by the API; it is
	// stored in its own file, not in assistant.json.
	ModelFile ModelFile `json:"model_file,omitempty"`
}

// ParseAssistant parses and checks an assistant.json.
func ParseAssistant(data []byte) (Assistant, error) {
	var a Assistant
	if err := decodeObject(data, &a); err != nil {
		return Assistant{}, err
	}
	if err := threads.ValidID(a.ID); err != nil {
		return Assistant{}, fmt.Errorf("id: %w", err)
	}
	a.ModelFile = nil
	return a, nil
}

// CreateAssistant writes a new assistant. An empty ID gets a fresh one; a
// taken ID is ErrExists. The folder appears complete or not at all: it is
// assembled under a hidden name and renamed into place.
func (s *Store) CreateAssistant(ctx context.Context, a Assistant) (Assistant, error) {
	if err := ctx.Err(); err != nil {
		return Assistant{}, err
	}
	if a.ID == "" {
		a.ID = newID("asst_")
	}
	if err := threads.ValidID(a.ID); err != nil {
		return Assistant{}, fmt.Errorf("assistant id: %w", err)
	}
	if a.ModelFile != nil {
		if _, err := settingsOf(a.ModelFile); err != nil {
			return Assistant{}, fmt.Errorf("assistant model_file: %w", err)
		}
	}
	if err := ValidateFiles("assistant files", a.Files); err != nil {
		return Assistant{}, &InvalidError{Param: "files", Err: err}
	}
	a.Object = "assistant"
	if a.CreatedAt == 0 {
		a.CreatedAt = time.Now().Unix()
	}
	parent := filepath.Join(s.dir, assistantsDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Assistant{}, fmt.Errorf("create assistant %s: %w", a.ID, err)
	}
	tmp, err := os.MkdirTemp(parent, ".new-"+a.ID+"-")
	if err != nil {
		return Assistant{}, fmt.Errorf("create assistant %s: %w", a.ID, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed into place
	rec := a
	rec.ModelFile = nil
	if err := writeJSONAtomic(filepath.Join(tmp, assistantFile), rec); err != nil {
		return Assistant{}, fmt.Errorf("create assistant %s: %w", a.ID, err)
	}
	if a.ModelFile != nil {
		if err := writeJSONAtomic(filepath.Join(tmp, modelFile), a.ModelFile); err != nil {
			return Assistant{}, fmt.Errorf("create assistant %s: %w", a.ID, err)
		}
	}
	final := s.assistantDir(a.ID)
	if _, err := os.Stat(final); err == nil {
		return Assistant{}, fmt.Errorf("assistant %q: %w", a.ID, ErrExists)
	}
	if err := os.Rename(tmp, final); err != nil {
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
			return Assistant{}, fmt.Errorf("assistant %q: %w", a.ID, ErrExists)
		}
		return Assistant{}, fmt.Errorf("create assistant %s: %w", a.ID, err)
	}
	if err := syncDir(parent); err != nil {
		return Assistant{}, err
	}
	return a, nil
}

// Assistant reads an assistant and its model.json.
func (s *Store) Assistant(ctx context.Context, id string) (Assistant, error) {
	if err := ctx.Err(); err != nil {
		return Assistant{}, err
	}
	if threads.ValidID(id) != nil {
		return Assistant{}, fmt.Errorf("assistant %q: %w", id, ErrNotFound)
	}
	dir := s.assistantDir(id)
	a, err := readJSONFile(filepath.Join(dir, assistantFile), ParseAssistant)
	if errors.Is(err, fs.ErrNotExist) {
		return Assistant{}, fmt.Errorf("assistant %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Assistant{}, err
	}
	if a.ID != id {
		return Assistant{}, &threads.CorruptError{Where: filepath.Join(dir, assistantFile),
			Err: fmt.Errorf("id is %q but the folder is %q", a.ID, id)}
	}
	if a.ModelFile, err = readModelFile(filepath.Join(dir, modelFile)); err != nil {
		return Assistant{}, err
	}
	return a, nil
}

// Assistants lists every assistant, sorted by id.
func (s *Store) Assistants(ctx context.Context) ([]Assistant, error) {
	ids, err := listDir(filepath.Join(s.dir, assistantsDir), assistantFile)
	if err != nil {
		return nil, err
	}
	out := make([]Assistant, 0, len(ids))
	for _, id := range ids {
		a, err := s.Assistant(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// DeleteAssistant removes the assistant's folder. Its threads stay: they
// can still be read, but no longer be chatted on (see Resolve).
func (s *Store) DeleteAssistant(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if threads.ValidID(id) != nil {
		return fmt.Errorf("assistant %q: %w", id, ErrNotFound)
	}
	if err := removeDir(s.assistantDir(id)); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("assistant %q: %w", id, ErrNotFound)
		}
		return err
	}
	return nil
}
