package session

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestJournalOpenSyncsTheDirectoriesItCreates: Open fsyncs the directory holding each
// directory it creates and the one holding the file, so that a journal made just before a
// power loss is still there after it; a failing fsync fails Open.
func TestJournalOpenSyncsTheDirectoriesItCreates(t *testing.T) {
	tests := []struct {
		name     string
		existing string   // a directory made before Open, relative to the root
		dir      string   // the journal's directory, relative to the root
		want     []string // the directories fsynced, relative to the root
		failOn   string   // the fsync of this directory fails
	}{
		{"three new directories and the file", "", "a/b/kakaogate", []string{".", "a", "a/b", "a/b/kakaogate"}, ""},
		{"a new file in an existing directory", "kakaogate", "kakaogate", []string{"kakaogate"}, ""},
		{"a failing fsync of a new directory's parent fails Open", "", "kakaogate", []string{"."}, "."},
		{"a failing fsync of the file's directory fails Open", "kakaogate", "kakaogate", []string{"kakaogate"}, "kakaogate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.existing != "" {
				if err := os.MkdirAll(filepath.Join(root, tt.existing), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			j := NewJournal(filepath.Join(root, tt.dir), "s")
			var synced []string
			j.syncDir = func(dir string) error {
				rel, err := filepath.Rel(root, dir)
				if err != nil {
					return err
				}
				synced = append(synced, filepath.ToSlash(rel))
				if rel == tt.failOn {
					return errors.New("I/O error")
				}
				return syncDir(dir)
			}
			_, err := j.Open(nil)
			defer j.Close()
			if failed := err != nil; failed != (tt.failOn != "") || failed && !errors.Is(err, ErrJournal) {
				t.Fatalf("Open = %v, want a failure (ErrJournal) only when an fsync fails", err)
			}
			slices.Sort(synced)
			if !slices.Equal(synced, tt.want) {
				t.Fatalf("fsynced %q, want %q", synced, tt.want)
			}
		})
	}
}

// failingFile is a journal file whose writes stop after a few bytes, or whose fsync or
// truncation fails, as a full or failing disk does.
type failingFile struct {
	*os.File
	writeOnly    int // bytes a Write writes before it fails; 0: Write works
	failSync     bool
	failTruncate bool
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.writeOnly == 0 {
		return f.File.Write(p)
	}
	n, _ := f.File.Write(p[:min(f.writeOnly, len(p))])
	return n, errors.New("no space left on device")
}

func (f *failingFile) Sync() error {
	if f.failSync {
		return errors.New("I/O error")
	}
	return f.File.Sync()
}

func (f *failingFile) Truncate(size int64) error {
	if f.failTruncate {
		return errors.New("I/O error")
	}
	return f.File.Truncate(size)
}

// TestJournalFailedAppendSpoilsNoLaterEntry: an Append that fails (a write that stops
// halfway, an fsync that fails after the whole line) is refused with ErrJournal and leaves
// nothing in the file; the next acknowledged entry is replayed intact. If even the fragment
// cannot be cut off, the next entry starts on a line of its own and the fragment is skipped.
func TestJournalFailedAppendSpoilsNoLaterEntry(t *testing.T) {
	tests := []struct {
		name        string
		fail        failingFile
		wantSkipped int
	}{
		{"a write that stops halfway", failingFile{writeOnly: 10}, 0},
		{"an fsync that fails after the whole line", failingFile{failSync: true}, 0},
		{"a fragment that cannot be cut off", failingFile{writeOnly: 10, failTruncate: true}, 1},
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j := NewJournal(dir, "s")
			openJournal(t, j)
			if err := j.Append("u1", at); err != nil {
				t.Fatal(err)
			}
			file := j.f
			fail := tt.fail
			fail.File = file.(*os.File)
			j.f = &fail
			if err := j.Append("u2", at); !errors.Is(err, ErrJournal) {
				t.Fatalf("Append on a failing disk = %v, want ErrJournal", err)
			}
			j.f = file // the disk works again
			if err := j.Append("u3", at); err != nil {
				t.Fatal(err)
			}
			j.Close()
			entries, skipped := openJournal(t, NewJournal(dir, "s"))
			if users(entries) != "u1,u3" || len(skipped) != tt.wantSkipped {
				t.Fatalf("replayed %q, skipped %v; want u1,u3 and %d skipped", users(entries), skipped, tt.wantSkipped)
			}
		})
	}
}
