package janstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
)

// TestValidateFiles checks the files-list rule: relative paths inside the
// files folder, bounded in count and length.
func TestValidateFiles(t *testing.T) {
	many := make([]string, janstore.MaxFiles+1)
	for i := range many {
		many[i] = fmt.Sprintf("f%d.txt", i)
	}
	for _, tc := range []struct {
		name  string
		files []string
		bad   string // "" when valid, else a word of the error
	}{
		{"none", nil, ""},
		{"plain and nested", []string{"a.txt", "docs/b.md"}, ""},
		{"max count", many[:janstore.MaxFiles], ""},
		{"too many", many, "at most"},
		{"empty", []string{""}, "empty"},
		{"parent", []string{"../secret"}, "relative path"},
		{"inner parent", []string{"docs/../../x"}, "relative path"},
		{"absolute", []string{"/etc/passwd"}, "relative path"},
		{"dot", []string{"./a.txt"}, "relative path"},
		{"backslash", []string{`..\x`}, "backslash"},
		{"nul", []string{"a\x00b"}, "NUL"},
		{"long", []string{strings.Repeat("a", 256)}, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := janstore.ValidateFiles("files", tc.files)
			switch {
			case tc.bad == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
				t.Errorf("error %v, want one naming %q", err, tc.bad)
			}
		})
	}
}

// TestAttachedFiles reads attached files through the store: text is
// given, everything else is skipped with a note, and nothing outside the
// files folder is read (parent paths, symlinks out, absolute paths).
func TestAttachedFiles(t *testing.T) {
	s := open(t)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("TOP SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, s, "secret.txt", "DATA DIR SECRET")
	writeFile(t, s, "files/notes.txt", "the notes")
	writeFile(t, s, "files/sub/deep.md", "deep text")
	writeFile(t, s, "files/bin.dat", "ab\x00cd")
	writeFile(t, s, "files/latin1.txt", "caf\xe9")
	writeFile(t, s, "files/big.txt", strings.Repeat("x", janstore.MaxFileBytes+1))
	writeFile(t, s, "files/edge.txt", strings.Repeat("y", janstore.MaxFileBytes))
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "files", "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.txt", filepath.Join(s.Dir(), "files", "rel.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(s.Dir(), "files", "dir")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, text, skipped string
	}{
		{"text", "notes.txt", "the notes", ""},
		{"nested", "sub/deep.md", "deep text", ""},
		{"at the size cap", "edge.txt", strings.Repeat("y", janstore.MaxFileBytes), ""},
		{"over the size cap", "big.txt", "", "larger than"},
		{"binary", "bin.dat", "", "binary"},
		{"not utf-8", "latin1.txt", "", "binary"},
		{"missing", "nope.txt", "", "not found"},
		{"folder", "sub", "", "not a regular file"},
		{"parent", "../secret.txt", "", "not a relative path"},
		{"absolute", outside, "", "not a relative path"},
		{"symlink out", "link.txt", "", "outside"},
		{"symlink to parent", "rel.txt", "", "outside"},
		{"through a symlinked folder", "dir/secret.txt", "", "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, used := s.MessageFiles([]string{tc.file}, janstore.MaxFilesBytes)
			if len(got) != 1 {
				t.Fatalf("got %d files", len(got))
			}
			f := got[0]
			if f.Text != tc.text || used != len(tc.text) || !strings.Contains(f.Skipped, tc.skipped) || (tc.skipped == "") != (f.Skipped == "") {
				t.Errorf("text %.20q skipped %q used %d, want %.20q skipped %q", f.Text, f.Skipped, used, tc.text, tc.skipped)
			}
			if strings.Contains(f.Part(), "SECRET") {
				t.Errorf("read outside the files folder: %q", f.Part())
			}
		})
	}
}

// TestAttachedFilesBounds checks the count and total-bytes caps.
func TestAttachedFilesBounds(t *testing.T) {
	s := open(t)
	var names []string
	for i := range janstore.MaxFiles + 3 {
		names = append(names, fmt.Sprintf("f%d.txt", i))
		writeFile(t, s, "files/"+names[i], strings.Repeat("z", janstore.MaxFilesBytes/8))
	}
	got, used := s.MessageFiles(names, janstore.MaxFilesBytes)
	if len(got) != janstore.MaxFiles+1 || !strings.Contains(got[janstore.MaxFiles].Skipped, "more than") {
		t.Fatalf("%d files; last %+v", len(got), got[len(got)-1].Skipped)
	}
	given := 0
	for _, f := range got[:janstore.MaxFiles] {
		if f.Skipped == "" {
			given++
		} else if !strings.Contains(f.Skipped, "together exceed") {
			t.Errorf("%s skipped: %s", f.Name, f.Skipped)
		}
	}
	if used > janstore.MaxFilesBytes || given != 8 || used != 8*(janstore.MaxFilesBytes/8) {
		t.Errorf("gave %d files, %d bytes; want 8 within %d", given, used, janstore.MaxFilesBytes)
	}
	if got, used := s.MessageFiles(names[:1], 0); used != 0 || got[0].Skipped == "" {
		t.Errorf("no room left: %+v used %d", got[0], used)
	}
}

// TestAssistantFilesStored checks an assistant's files are stored, read
// back, listed by the API and resolved with their text; a bad list is
// refused with 400 by the API and by the store.
func TestAssistantFilesStored(t *testing.T) {
	ctx := context.Background()
	s, base := api(t)
	if code := call(t, "POST", base+"/v1/assistants", `{"id":"helper","files":["sheet.txt","missing.txt"]}`, nil); code != http.StatusOK {
		t.Fatalf("create: %d", code)
	}
	writeFile(t, s, "assistants/helper/files/sheet.txt", "answer: 42")
	var list struct {
		Data []janstore.Assistant `json:"data"`
	}
	call(t, "GET", base+"/v1/assistants", "", &list)
	if len(list.Data) != 1 || strings.Join(list.Data[0].Files, ",") != "sheet.txt,missing.txt" {
		t.Errorf("listed %+v", list.Data)
	}
	st, err := s.Resolve(ctx, "m", "helper", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Files) != 2 || st.Files[0].Text != "answer: 42" || st.Files[1].Skipped != "not found" {
		t.Errorf("resolved files %+v", st.Files)
	}
	var e struct {
		Error struct{ Param, Code, Message string } `json:"error"`
	}
	for _, body := range []string{`{"files":["../../etc/passwd"]}`, `{"files":["/etc/passwd"]}`} {
		t.Run(body, func(t *testing.T) {
			if code := call(t, "POST", base+"/v1/assistants", body, &e); code != http.StatusBadRequest || e.Error.Param != "files" {
				t.Errorf("%s: %d %+v", body, code, e.Error)
			}
		})
	}
	_, err = s.CreateAssistant(ctx, janstore.Assistant{ID: "x", Files: []string{"a/../../b"}})
	var ie *janstore.InvalidError
	if !errors.As(err, &ie) || ie.Param != "files" {
		t.Errorf("store accepted a bad files list: %v", err)
	}
}

// TestMessageFilesStored checks a message's files survive storage (both
// messages.jsonl and Jan's messages.json) and are listed by the API.
func TestMessageFilesStored(t *testing.T) {
	ctx := context.Background()
	s, base := api(t)
	m := threads.Message{ID: "m1", Object: threads.ObjectMessage, Role: "user", Content: "see file", Files: []string{"a.txt"}}
	if err := s.Append(ctx, "t1", "", []threads.Message{m}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, s, "threads/t2/thread.json", `{"id":"t2","object":"thread"}`)
	writeFile(t, s, "threads/t2/messages.json", `[{"id":"j1","object":"thread.message","role":"user","content":"x","files":["b/c.md"]}]`)
	for _, tc := range []struct{ thread, want string }{{"t1", "a.txt"}, {"t2", "b/c.md"}} {
		t.Run(tc.thread, func(t *testing.T) {
			th, err := s.Load(ctx, tc.thread)
			if err != nil || len(th.Messages) != 1 || strings.Join(th.Messages[0].Files, ",") != tc.want {
				t.Fatalf("loaded %+v, %v", th, err)
			}
			var list struct {
				Data []threads.Message `json:"data"`
			}
			call(t, "GET", base+"/v1/threads/"+tc.thread+"/messages", "", &list)
			if len(list.Data) != 1 || strings.Join(list.Data[0].Files, ",") != tc.want {
				t.Errorf("listed %+v", list.Data)
			}
		})
	}
}

// FuzzAttachedFile checks that whatever file name is given, a file
// outside the files folder is never read, and that a name ValidateFiles
// accepts is a clean relative path.
func FuzzAttachedFile(f *testing.F) {
	for _, s := range []string{"a.txt", "../secret.txt", "/etc/passwd", "sub/../../secret.txt", "a\x00b", `..\secret.txt`, "./a.txt", "sub//a.txt", "..0"} {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("SECRET"), 0o644); err != nil {
		f.Fatal(err)
	}
	s, err := janstore.Open(filepath.Join(dir, "data"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if janstore.ValidateFiles("files", []string{name}) == nil {
			if filepath.IsAbs(name) || name != filepath.Clean(name) || slices.Contains(strings.Split(name, "/"), "..") {
				t.Errorf("accepted %q", name)
			}
		}
		got, _ := s.MessageFiles([]string{name}, janstore.MaxFilesBytes)
		if len(got) != 1 || strings.Contains(got[0].Text, "SECRET") {
			t.Errorf("%q read %+v", name, got)
		}
	})
}
