package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// journal is an append-only JSON Lines file: one record per line, each
// append written whole and fsynced before it is acknowledged, so that what
// the gateway answered 200 for survives a crash or a power cut. The
// gateway keeps indexes in memory, but they are rebuilt from journals on
// start; the files are the record.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// maxJournalLine bounds one record when reading a journal back.
const maxJournalLine = 1 << 20

// openJournal opens (creating) path and calls each for every complete
// line already in it, in order. A last line without its newline is what a
// crash in the middle of an append leaves; it was never acknowledged, so it
// is cut off rather than failing the start. A line each rejects is an
// error naming the file and line.
func openJournal(path string, each func(line []byte) error) (*journal, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if os.IsNotExist(statErr) {
		// Make the new file's directory entry durable too.
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A record longer than the reader's buffer: collect it whole.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull && len(buf) <= maxJournalLine {
				line, err = r.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if err == io.EOF {
			if len(line) > 0 {
				if terr := f.Truncate(good); terr != nil {
					_ = f.Close()
					return nil, fmt.Errorf("journal %s: cut the unfinished last line: %w", path, terr)
				}
			}
			break
		}
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("read journal %s line %d: %w", path, n, err)
		}
		good += int64(len(line))
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if err := each(t); err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("journal %s line %d: %w", path, n, err)
			}
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	return &journal{f: f, path: path}, nil
}

// append writes v as one line and syncs it to disk.
func (j *journal) append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("append to %s: %w", j.path, err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("append to %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", j.path, err)
	}
	return nil
}

// close closes the file.
func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.f.Close()
}
