package janstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/janus-bench/janus/internal/clip"
)

// Limits on the files an assistant or a message attaches (docs/JANSTORE.md).
const (
	// MaxFiles is how many files one assistant or one message may name.
	MaxFiles = 16
	// MaxFileBytes is the largest file whose text reaches the model.
	MaxFileBytes = 256 << 10
	// MaxFilesBytes bounds the text of all files of one assistant, and of
	// all messages' files of one turn, together.
	MaxFilesBytes = 1 << 20
	// maxFileName bounds one file reference.
	maxFileName = 255
)

// filesDir is the folder attached files live in: assistants/<id>/files for
// an assistant's files, <data>/files for messages' files (Jan's threads hold
// no files; message.files point to the root /files).
const filesDir = "files"

// InvalidError is input the store refuses (a bad files list); the API
// answers it with 400 naming Param.
type InvalidError struct {
	Param string
	Err   error
}

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// AttachedFile is one attached file as the model sees it: its name and
// either its text or why it was skipped.
type AttachedFile struct {
	Name string
	Text string
	// Skipped says why the file's text is not given (missing, binary, too
	// large, outside the data dir); Text is then empty.
	Skipped string
}

// Part renders the file as the text part the model sees.
func (f AttachedFile) Part() string {
	if f.Skipped != "" {
		return fmt.Sprintf("[file %s skipped: %s]", f.Name, f.Skipped)
	}
	return fmt.Sprintf("[file %s]\n%s", f.Name, f.Text)
}

// ValidateFiles checks a files list: at most MaxFiles names, each a
// relative slash path inside the files folder (no "..", no absolute path,
// no backslash or NUL). where names the field in errors.
func ValidateFiles(where string, names []string) error {
	if len(names) > MaxFiles {
		return fmt.Errorf("%s: %d files, at most %d", where, len(names), MaxFiles)
	}
	for i, n := range names {
		if err := validFileName(n); err != nil {
			return fmt.Errorf("%s[%d]: %w", where, i, err)
		}
	}
	return nil
}

func validFileName(n string) error {
	switch {
	case n == "":
		return errors.New("empty file name")
	case len(n) > maxFileName:
		return fmt.Errorf("file name of %d bytes, at most %d", len(n), maxFileName)
	case strings.ContainsAny(n, "\\\x00"), !utf8.ValidString(n):
		return fmt.Errorf("file name %q has a backslash, NUL or invalid UTF-8", n)
	case path.IsAbs(n) || !fs.ValidPath(n):
		return fmt.Errorf("file name %q must be a relative path inside the files folder (no \"..\", no leading \"/\")", n)
	}
	return nil
}

// AssistantFiles reads the text of the assistant's files from
// assistants/<id>/files.
func (s *Store) AssistantFiles(assistantID string, names []string) []AttachedFile {
	files, _ := readAttached(filepath.Join(s.assistantDir(assistantID), filesDir), names, MaxFilesBytes)
	return files
}

// MessageFiles reads the text of a message's files from <data>/files, at
// most room bytes in all; used is how many it took, so a caller reading
// the files of many messages bounds them together.
func (s *Store) MessageFiles(names []string, room int) (files []AttachedFile, used int) {
	return readAttached(filepath.Join(s.dir, filesDir), names, room)
}

// readAttached reads each named file under dir through an os.Root, so
// neither ".." nor a symlink can reach outside dir. A file that cannot be
// given (bad name, missing, binary, too large, over the total or count
// limit) is skipped with a note rather than failing the turn: the data
// dir may be edited by hand, and one bad attachment must not make a thread
// unusable.
func readAttached(dir string, names []string, room int) ([]AttachedFile, int) {
	out := make([]AttachedFile, 0, min(len(names), MaxFiles+1))
	root, rerr := os.OpenRoot(dir)
	if rerr == nil {
		defer root.Close()
	}
	total := 0
	for i, n := range names {
		if i == MaxFiles {
			out = append(out, AttachedFile{Name: fmt.Sprintf("(%d more)", len(names)-i),
				Skipped: fmt.Sprintf("more than %d files", MaxFiles)})
			break
		}
		f := AttachedFile{Name: n}
		switch {
		case validFileName(n) != nil:
			f.Name, f.Skipped = fmt.Sprintf("%q", clip.Bytes(n, 64, clip.Ellipsis)), "not a relative path inside the files folder"
		case rerr != nil:
			f.Skipped = "not found"
		default:
			f.Text, f.Skipped = readOne(root, n, room-total)
		}
		total += len(f.Text)
		out = append(out, f)
	}
	return out, total
}

// readOne reads one file of at most MaxFileBytes (and at most room bytes)
// and returns its text, or why it was skipped.
func readOne(root *os.Root, name string, room int) (text, skipped string) {
	fh, err := root.Open(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", "not found"
	case err != nil && strings.Contains(err.Error(), "escapes"):
		return "", "outside the files folder"
	case err != nil:
		return "", "cannot be opened"
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", "not a regular file"
	}
	limit := max(0, min(MaxFileBytes, room))
	b, err := io.ReadAll(io.LimitReader(fh, int64(limit)+1))
	switch {
	case err != nil:
		return "", "cannot be read"
	case len(b) > MaxFileBytes:
		return "", fmt.Sprintf("larger than %d bytes", MaxFileBytes)
	case len(b) > limit:
		return "", fmt.Sprintf("the attached files together exceed %d bytes", MaxFilesBytes)
	case !utf8.Valid(b) || strings.ContainsRune(string(b), 0):
		return "", "binary, not text"
	}
	return string(b), ""
}
