package janstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/janus-bench/janus/baseline/threads"
)

// ThreadRecord is threads/<id>/thread.json.
type ThreadRecord struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	CreatedAt int64  `json:"created_at"`
	Title     string `json:"title,omitempty"`
	// AssistantID is the thread's assistant; "" for a plain model.
	AssistantID string         `json:"assistant_id,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
}

// Thread is a thread as the API shows it: the record plus its model.json
// and its state.
type Thread struct {
	ThreadRecord
	ModelFile ModelFile `json:"model_file,omitempty"`
	// Locked: the thread has messages, so its assistant is fixed.
	Locked bool `json:"locked"`
	// ReadOnly: its assistant was deleted, so it can only be read.
	ReadOnly bool `json:"read_only"`
}

// ParseThreadRecord parses and checks a thread.json.
func ParseThreadRecord(data []byte) (ThreadRecord, error) {
	var t ThreadRecord
	if err := decodeObject(data, &t); err != nil {
		return ThreadRecord{}, err
	}
	if err := threads.ValidID(t.ID); err != nil {
		return ThreadRecord{}, fmt.Errorf("id: %w", err)
	}
	if t.AssistantID != "" {
		if err := threads.ValidID(t.AssistantID); err != nil {
			return ThreadRecord{}, fmt.Errorf("assistant_id: %w", err)
		}
	}
	return t, nil
}

// readThreadRecord reads thread.json of id; fs.ErrNotExist when missing.
func (s *Store) readThreadRecord(id string) (ThreadRecord, error) {
	path := filepath.Join(s.threadDir(id), threadFile)
	t, err := readJSONFile(path, ParseThreadRecord)
	if err != nil {
		return t, err
	}
	if t.ID != id {
		return t, &threads.CorruptError{Where: path, Err: fmt.Errorf("id is %q but the folder is %q", t.ID, id)}
	}
	return t, nil
}

// readMessages reads messages.jsonl of id; none when it does not exist.
// A thread written by Jan has messages.json (one JSON array) instead: it
// is read as it is, and the first write (Append, Branch) imports it into
// messages.jsonl, which wins from then on (docs/JANSTORE.md).
func (s *Store) readMessages(id string) ([]threads.Message, error) {
	path := filepath.Join(s.threadDir(id), messagesFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s.readJanMessages(id)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return ParseMessages(b, path)
}

// hasMessages reports whether messages.jsonl (or Jan's messages.json)
// holds anything.
func (s *Store) hasMessages(id string) bool {
	st, err := os.Stat(filepath.Join(s.threadDir(id), messagesFile))
	if err == nil {
		return st.Size() > 0
	}
	st, err = os.Stat(filepath.Join(s.threadDir(id), janMessagesFile))
	return err == nil && st.Size() > 2
}

// janMessagesFile is Jan's name for a thread's messages: one JSON array.
const janMessagesFile = "messages.json"

// readJanMessages reads Jan's messages.json of id; none when missing. A
// bad message is an error naming the file and its index in the array.
func (s *Store) readJanMessages(id string) ([]threads.Message, error) {
	path := filepath.Join(s.threadDir(id), janMessagesFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return ParseJanMessages(b, path)
}

// ParseJanMessages parses a Jan messages.json: a JSON array of message
// objects in the shape messages.jsonl holds one per line.
func ParseJanMessages(data []byte, where string) ([]threads.Message, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &threads.CorruptError{Where: where, Err: fmt.Errorf("$: want a JSON array of messages: %w", err)}
	}
	out := make([]threads.Message, 0, len(raw))
	for i, r := range raw {
		m, err := threads.DecodeMessage(r)
		if err != nil {
			return nil, &threads.CorruptError{Where: where, Err: fmt.Errorf("$[%d]: %w", i, err)}
		}
		out = append(out, m)
	}
	return out, nil
}

// importJanMessages turns a Jan messages.json into messages.jsonl
// (atomically) before the first append, so that appends stay cheap
// fsynced writes of whole lines. messages.json is left as it was.
func (s *Store) importJanMessages(id string) error {
	if _, err := os.Stat(filepath.Join(s.threadDir(id), messagesFile)); err == nil {
		return nil
	}
	msgs, err := s.readJanMessages(id)
	if err != nil || len(msgs) == 0 {
		return err
	}
	var buf []byte
	for _, m := range msgs {
		line, err := threads.MarshalLine(m)
		if err != nil {
			return fmt.Errorf("import %s: %w", janMessagesFile, err)
		}
		buf = append(buf, line...)
	}
	return writeFileAtomic(filepath.Join(s.threadDir(id), messagesFile), buf)
}

// CreateThread writes a new thread (and its model.json when given). An
// empty ID gets a fresh one; a taken ID is ErrExists.
func (s *Store) CreateThread(ctx context.Context, t Thread) (Thread, error) {
	if err := ctx.Err(); err != nil {
		return Thread{}, err
	}
	if t.ID == "" {
		t.ID = newID("thread_")
	}
	if err := threads.ValidID(t.ID); err != nil {
		return Thread{}, fmt.Errorf("thread id: %w", err)
	}
	if t.AssistantID != "" {
		if _, err := s.Assistant(ctx, t.AssistantID); err != nil {
			return Thread{}, err
		}
	}
	if t.ModelFile != nil {
		if _, err := settingsOf(t.ModelFile); err != nil {
			return Thread{}, fmt.Errorf("thread model_file: %w", err)
		}
	}
	unlock, err := s.lockThread(t.ID, true)
	if err != nil {
		return Thread{}, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(s.threadDir(t.ID), threadFile)); err == nil || s.hasMessages(t.ID) {
		return Thread{}, fmt.Errorf("thread %q: %w", t.ID, ErrExists)
	}
	t.Object = "thread"
	if t.CreatedAt == 0 {
		t.CreatedAt = time.Now().Unix()
	}
	if t.ModelFile != nil {
		if err := writeJSONAtomic(filepath.Join(s.threadDir(t.ID), modelFile), t.ModelFile); err != nil {
			return Thread{}, err
		}
	}
	// thread.json last: it is what makes the folder a thread.
	if err := writeJSONAtomic(filepath.Join(s.threadDir(t.ID), threadFile), t.ThreadRecord); err != nil {
		return Thread{}, err
	}
	t.Locked, t.ReadOnly = false, false
	return t, nil
}

// Thread reads a thread with its model.json and state.
func (s *Store) Thread(ctx context.Context, id string) (Thread, error) {
	if err := ctx.Err(); err != nil {
		return Thread{}, err
	}
	if threads.ValidID(id) != nil {
		return Thread{}, fmt.Errorf("thread %q: %w", id, ErrNotFound)
	}
	unlock, err := s.lockThread(id, false)
	if err != nil {
		return Thread{}, err
	}
	defer unlock()
	rec, err := s.readThreadRecord(id)
	if errors.Is(err, fs.ErrNotExist) {
		return Thread{}, fmt.Errorf("thread %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Thread{}, err
	}
	t := Thread{ThreadRecord: rec, Locked: s.hasMessages(id)}
	if t.ModelFile, err = readModelFile(filepath.Join(s.threadDir(id), modelFile)); err != nil {
		return Thread{}, err
	}
	if rec.AssistantID != "" {
		if _, err := os.Stat(filepath.Join(s.assistantDir(rec.AssistantID), assistantFile)); errors.Is(err, fs.ErrNotExist) {
			t.ReadOnly = true
		}
	}
	return t, nil
}

// Threads lists every thread, sorted by id.
func (s *Store) Threads(ctx context.Context) ([]Thread, error) {
	ids, err := listDir(filepath.Join(s.dir, threadsDir), threadFile)
	if err != nil {
		return nil, err
	}
	out := make([]Thread, 0, len(ids))
	for _, id := range ids {
		t, err := s.Thread(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// DeleteThread removes a thread and its messages.
func (s *Store) DeleteThread(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if threads.ValidID(id) != nil {
		return fmt.Errorf("thread %q: %w", id, ErrNotFound)
	}
	unlock, err := s.lockThread(id, false)
	if err != nil {
		return err
	}
	defer unlock()
	if err := removeDir(s.threadDir(id)); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("thread %q: %w", id, ErrNotFound)
		}
		return err
	}
	return nil
}

// Messages returns a thread's messages, oldest first.
func (s *Store) Messages(ctx context.Context, id string) ([]threads.Message, error) {
	t, err := s.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(t.Messages) == 0 {
		if _, err := os.Stat(s.threadDir(id)); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("thread %q: %w", id, ErrNotFound)
		}
	}
	return t.Messages, nil
}

// Load implements threads.Store.
func (s *Store) Load(ctx context.Context, id string) (*threads.Thread, error) {
	return s.LoadWindow(ctx, id, 0)
}

// LoadWindow implements threads.Store: messages.jsonl is read through a
// small buffer and only its last window lines are kept and parsed.
func (s *Store) LoadWindow(ctx context.Context, id string, window int) (*threads.Thread, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := threads.ValidID(id); err != nil {
		return nil, fmt.Errorf("load thread: %w", err)
	}
	unlock, err := s.lockThread(id, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	t := &threads.Thread{ID: id}
	rec, err := s.readThreadRecord(id)
	switch {
	case err == nil:
		t.AssistantID = rec.AssistantID
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	_, jsonlErr := os.Stat(filepath.Join(s.threadDir(id), messagesFile))
	if window <= 0 || errors.Is(jsonlErr, fs.ErrNotExist) {
		// No messages.jsonl yet: Jan's messages.json, if any, is read whole
		// (Jan keeps it as one array) and the window taken from it.
		if t.Messages, err = s.readMessages(id); err != nil {
			return nil, err
		}
		t.Total = len(t.Messages)
		if fi, err := os.Stat(filepath.Join(s.threadDir(id), messagesFile)); err == nil {
			t.Bytes = fi.Size()
		}
		if window > 0 && len(t.Messages) > window {
			t.Messages = t.Messages[len(t.Messages)-window:]
		}
		return t, nil
	}
	if t.Messages, t.Total, t.Bytes, err = readTail(filepath.Join(s.threadDir(id), messagesFile), window); err != nil {
		return nil, err
	}
	return t, nil
}

// readTail reads the last window messages of a JSON Lines file, holding no
// more than those lines at once, with the file's message count and size.
func readTail(path string, window int) (msgs []threads.Message, total int, size int64, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, 0, nil
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	type line struct {
		n int
		b []byte
	}
	ring := make([]line, 0, window)
	br := bufio.NewReader(f)
	n := 0
	for {
		b, rerr := br.ReadBytes('\n')
		size += int64(len(b))
		if len(bytes.TrimSpace(b)) > 0 {
			n++
			total++
			if len(ring) == window {
				copy(ring, ring[1:])
				ring = ring[:window-1]
			}
			ring = append(ring, line{n: n, b: b})
		} else if len(b) > 0 {
			n++
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, 0, 0, fmt.Errorf("read %s: %w", path, rerr)
		}
	}
	msgs = make([]threads.Message, 0, len(ring))
	for _, l := range ring {
		m, err := threads.DecodeMessage(bytes.TrimSpace(l.b))
		if err != nil {
			return nil, 0, 0, &threads.CorruptError{Where: path, Line: l.n, Err: err}
		}
		msgs = append(msgs, m)
	}
	return msgs, total, size, nil
}

// Append implements threads.Store: under the thread's lock it checks the
// assistant lock, writes thread.json when the thread is new or its
// assistant is bound now, and appends msgs to messages.jsonl in one
// fsynced write.
func (s *Store) Append(ctx context.Context, id, assistantID string, msgs []threads.Message) error {
	return s.AppendCapped(ctx, id, assistantID, msgs, 0)
}

// AppendCapped implements threads.Store: Append, refusing under the
// thread's lock when messages.jsonl would grow past maxBytes.
func (s *Store) AppendCapped(ctx context.Context, id, assistantID string, msgs []threads.Message, maxBytes int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := threads.ValidID(id); err != nil {
		return fmt.Errorf("append to thread: %w", err)
	}
	if len(msgs) == 0 {
		return nil
	}
	var buf []byte
	for _, m := range msgs {
		line, err := threads.MarshalLine(m)
		if err != nil {
			return fmt.Errorf("append to thread %s: %w", id, err)
		}
		buf = append(buf, line...)
	}
	unlock, err := s.lockThread(id, true)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.readThreadRecord(id)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if s.hasMessages(id) {
		if !exists {
			return &threads.CorruptError{Where: filepath.Join(s.threadDir(id), threadFile),
				Err: errors.New("missing, but the thread has messages")}
		}
		if rec.AssistantID != assistantID {
			return &threads.LockedError{ThreadID: id, Bound: rec.AssistantID, Requested: assistantID}
		}
	}
	if err := s.importJanMessages(id); err != nil {
		return err
	}
	if maxBytes > 0 {
		var have int64
		if fi, err := os.Stat(filepath.Join(s.threadDir(id), messagesFile)); err == nil {
			have = fi.Size()
		}
		if have+int64(len(buf)) > maxBytes {
			return &threads.FullError{ThreadID: id, Bytes: have, Adding: int64(len(buf)), Max: maxBytes}
		}
	}
	if !exists || rec.AssistantID != assistantID {
		if !exists {
			rec = ThreadRecord{ID: id, Object: "thread", CreatedAt: time.Now().Unix()}
		}
		rec.AssistantID = assistantID
		if err := writeJSONAtomic(filepath.Join(s.threadDir(id), threadFile), rec); err != nil {
			return err
		}
	}
	return appendLines(filepath.Join(s.threadDir(id), messagesFile), buf)
}

// Branch implements threads.Store: under the thread's lock it checks the
// assistant lock and that the thread still has keep messages, then
// rewrites messages.jsonl atomically (temp file + fsync + rename) as its
// first keep messages followed by msgs.
func (s *Store) Branch(ctx context.Context, id, assistantID string, keep int, msgs []threads.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := threads.ValidID(id); err != nil {
		return fmt.Errorf("branch thread: %w", err)
	}
	unlock, err := s.lockThread(id, true)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := s.readThreadRecord(id)
	if err != nil {
		return err
	}
	if rec.AssistantID != assistantID {
		return &threads.LockedError{ThreadID: id, Bound: rec.AssistantID, Requested: assistantID}
	}
	old, err := s.readMessages(id)
	if err != nil {
		return err
	}
	if len(old) < keep {
		return &threads.BranchError{ThreadID: id, Keep: keep, Has: len(old)}
	}
	var buf []byte
	for _, m := range append(old[:max(keep, 0):max(keep, 0)], msgs...) {
		line, err := threads.MarshalLine(m)
		if err != nil {
			return fmt.Errorf("branch thread %s: %w", id, err)
		}
		buf = append(buf, line...)
	}
	return writeFileAtomic(filepath.Join(s.threadDir(id), messagesFile), buf)
}
