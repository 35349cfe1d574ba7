package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// mkdir creates the journal's directory and its missing parents, and fsyncs
// the directory holding each one it created.
func (j *Journal) mkdir() error {
	var missing []string
	for p := filepath.Clean(j.dir); filepath.Dir(p) != p; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		missing = append(missing, p)
	}
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return err
	}
	for _, p := range missing {
		if err := j.syncDir(filepath.Dir(p)); err != nil {
			return fmt.Errorf("fsync %s: %w", filepath.Dir(p), err)
		}
	}
	return nil
}

// syncDir fsyncs the directory dir, so that the entries created, renamed or
// removed in it survive a power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CheckJournalDir reports whether a journal could be kept in dir, without
// creating or writing anything: dir, or the nearest of its parents that
// exists, must be a directory the process may write to and enter.
func CheckJournalDir(dir string) error {
	if dir == "" {
		return errors.New("no directory for the revocation journal")
	}
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		missing := errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) // a file in the path: said of it below
		if missing && filepath.Dir(p) != p {
			continue
		}
		if err != nil {
			return fmt.Errorf("revocation journal directory %s: %w", dir, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("revocation journal directory %s: %s is not a directory", dir, p)
		}
		if err := accessWrite(p); err != nil {
			return fmt.Errorf("revocation journal directory %s: %s is not writable: %w", dir, p, err)
		}
		return nil
	}
}
