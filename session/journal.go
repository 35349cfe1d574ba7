package session

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// ErrJournal is part of every error a Journal returns for a failed write: a
// revocation that could not be made durable. Callers must not acknowledge it.
var ErrJournal = errors.New("session: revocation journal")

// JournalEntry is one pending revocation: every session of UserID issued at or
// before At, in the store named Store, must end.
type JournalEntry struct {
	// UserID is the user whose sessions end.
	UserID string `json:"user"`
	// At is when the revocation was asked for; sessions created after it stay.
	At time.Time `json:"at"`
	// Store is the identity of the session store the revocation is for.
	Store string `json:"store"`
}

// Journal is an append-only file of the revocations that could not reach the
// store yet, one file per store. Each entry is one line: a CRC-32C of the JSON
// that follows it, a space, the JSON and a newline. Append fsyncs before it
// returns, so an acknowledged entry survives a crash of the process (kill -9)
// and of the machine, but not the loss of the disk. Applied drops the entries
// a successful revocation covered and compacts the file: it rewrites it with
// only the entries still pending (a new file, fsynced, renamed over the old
// one). The Journal keeps the pending entries in memory too, so that several
// Revokers over one store (two configurations during a reload) may share it.
// A Journal is safe for concurrent use.
type Journal struct {
	dir, path, store string
	syncDir          func(dir string) error // fsyncs a directory; a test may watch it

	mu      sync.Mutex
	f       journalFile    // open for appending; nil until Open and after Close
	size    int64          // where the last acknowledged entry ends
	torn    bool           // a failed Append may have left a fragment after size
	pending []JournalEntry // the entries in the file that are not applied
}

// journalFile is the journal's open file: an *os.File, or in a test one that fails.
type journalFile interface {
	io.WriteSeeker
	Sync() error
	Truncate(size int64) error
	Close() error
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maxJournalLine bounds one entry line; longer lines are corrupt.
const maxJournalLine = 4096

// NewJournal returns the journal of the store named store in dir. It touches
// nothing on disk: Open does.
func NewJournal(dir, store string) *Journal {
	sum := sha256.Sum256([]byte(store))
	name := "revocations-" + hex.EncodeToString(sum[:8]) + ".log"
	return &Journal{dir: dir, path: filepath.Join(dir, name), store: store, syncDir: syncDir}
}

// Path returns the journal's file.
func (j *Journal) Path() string { return j.path }

// Open creates the directory and the file if needed, fsyncing the directory
// that holds each one it creates (so that they survive a power loss, like the
// entries Append fsyncs), reads the entries in it and keeps the file open for
// Append. A torn last line (no newline: the
// process died while writing it, before it was acknowledged) is cut off.
// A line that is corrupt, or that belongs to another store, is skipped and
// reported to skipped with its line number. It returns the pending entries
// in file order; once open, it returns them without reading the file again.
func (j *Journal) Open(skipped func(line int, err error)) ([]JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		return slices.Clone(j.pending), nil
	}
	if err := j.mkdir(); err != nil {
		return nil, fmt.Errorf("%w: creating directory %s: %w", ErrJournal, j.dir, err)
	}
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %w", ErrJournal, j.path, err)
	}
	entries, good, err := j.read(f, skipped)
	if err == nil {
		err = j.cutTornTail(f, good)
	}
	if err == nil {
		if err = j.syncDir(j.dir); err != nil { // the file may be new
			err = fmt.Errorf("%w: fsync %s: %w", ErrJournal, j.dir, err)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	j.f, j.size, j.torn = f, good, false
	j.pending = entries
	return slices.Clone(entries), nil
}

// read parses f from its start and returns its entries and the length of
// the part that ends with a newline.
func (j *Journal) read(f *os.File, skipped func(int, error)) ([]JournalEntry, int64, error) {
	var entries []JournalEntry
	var good int64
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return entries, good, nil // a line without its newline is torn
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%w: reading %s: %w", ErrJournal, j.path, err)
		}
		good += int64(len(line))
		e, perr := j.parse(line[:len(line)-1])
		if perr != nil {
			if skipped != nil {
				skipped(n, perr)
			}
			continue
		}
		entries = append(entries, e)
	}
}

// cutTornTail truncates f to good bytes (dropping a torn last line) and leaves
// the offset at the end for appending.
func (j *Journal) cutTornTail(f *os.File, good int64) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrJournal, j.path, err)
	}
	if st.Size() != good {
		if err := f.Truncate(good); err != nil {
			return fmt.Errorf("%w: cutting a torn entry off %s: %w", ErrJournal, j.path, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("%w: fsync %s: %w", ErrJournal, j.path, err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrJournal, j.path, err)
	}
	return nil
}

// parse checks and decodes one line (without its newline).
func (j *Journal) parse(line []byte) (JournalEntry, error) {
	var e JournalEntry
	sum, body, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(line) > maxJournalLine {
		return e, errors.New("malformed entry")
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(body, crcTable) {
		return e, errors.New("checksum mismatch")
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return e, fmt.Errorf("malformed entry: %w", err)
	}
	switch {
	case e.UserID == "" || e.At.IsZero():
		return e, errors.New("entry without user or time")
	case e.Store != j.store:
		return e, fmt.Errorf("entry of another store %q", e.Store)
	}
	return e, nil
}

// encode returns e's line, newline included.
func encodeEntry(e JournalEntry) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	line := strconv.AppendUint(nil, uint64(crc32.Checksum(body, crcTable)), 16)
	line = append(line, ' ')
	line = append(line, body...)
	return append(line, '\n'), nil
}

// Append writes the revocation of userID at at to the file and fsyncs it. An
// error (wrapping ErrJournal) means the revocation is not durable; what the
// failed write put in the file is cut off again (see cutBack), so it never
// spoils the next entry.
func (j *Journal) Append(userID string, at time.Time) error {
	line, err := encodeEntry(JournalEntry{UserID: userID, At: at.UTC(), Store: j.store})
	if err != nil {
		return fmt.Errorf("%w: encoding an entry: %w", ErrJournal, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("%w %s: not open", ErrJournal, j.path)
	}
	if j.torn {
		line = append([]byte{'\n'}, line...)
	}
	if _, err := j.f.Write(line); err != nil {
		j.cutBack()
		return fmt.Errorf("%w: writing %s: %w", ErrJournal, j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		j.cutBack()
		return fmt.Errorf("%w: fsync %s: %w", ErrJournal, j.path, err)
	}
	end, err := j.f.Seek(0, io.SeekCurrent)
	if err != nil {
		j.cutBack() // the entry is durable, but is not acknowledged: replaying it is harmless
		return fmt.Errorf("%w: %s: %w", ErrJournal, j.path, err)
	}
	j.size, j.torn = end, false
	j.pending = append(j.pending, JournalEntry{UserID: userID, At: at.UTC(), Store: j.store})
	return nil
}

// cutBack drops what a failed Append wrote after the last acknowledged entry,
// so that a fragment of a line never joins the next entry's line (which would
// then read as corrupt and be lost). If that fails too, the next Append starts
// with a newline: the fragment then reads as one corrupt line of its own.
func (j *Journal) cutBack() {
	if j.f.Truncate(j.size) == nil {
		if _, err := j.f.Seek(j.size, io.SeekStart); err == nil {
			j.torn = false
			return
		}
	}
	j.torn = true
}

// Applied drops the entries of userID at or before at (every session of the
// user created until at has ended) and, if it dropped any, compacts the file.
// On error the entries stay in the file, where a replay finds them again:
// harmless, as replaying an applied entry ends no session created after it.
func (j *Journal) Applied(userID string, at time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("%w %s: not open", ErrJournal, j.path)
	}
	keep := slices.DeleteFunc(slices.Clone(j.pending), func(e JournalEntry) bool {
		return e.UserID == userID && !e.At.After(at)
	})
	if len(keep) == len(j.pending) {
		return nil
	}
	if err := j.rewrite(keep); err != nil {
		return err
	}
	j.pending = keep
	return nil
}

// rewrite replaces the file with one holding only pending: it writes a new
// file beside it, fsyncs it, renames it over the journal and fsyncs the
// directory. On error the old file stays, with every entry it had.
func (j *Journal) rewrite(pending []JournalEntry) error {
	var buf []byte
	for _, e := range pending {
		line, err := encodeEntry(e)
		if err != nil {
			return fmt.Errorf("%w: encoding an entry: %w", ErrJournal, err)
		}
		buf = append(buf, line...)
	}
	f, err := j.writeTemp(buf)
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), j.path); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("%w: compacting %s: %w", ErrJournal, j.path, err)
	}
	j.f.Close()
	j.f, j.size, j.torn = f, int64(len(buf)), false
	if err := j.syncDir(j.dir); err != nil {
		return fmt.Errorf("%w: compacting %s: %w", ErrJournal, j.path, err)
	}
	return nil
}

// writeTemp writes buf to a new file in the journal's directory, fsynced,
// and returns it open at its end.
func (j *Journal) writeTemp(buf []byte) (*os.File, error) {
	f, err := os.CreateTemp(j.dir, filepath.Base(j.path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("%w: compacting %s: %w", ErrJournal, j.path, err)
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("%w: compacting %s: %w", ErrJournal, j.path, err)
	}
	return f, nil
}

// Close closes the file. The entries stay on disk for the next Open. Close it
// once no Revoker uses it any more.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f, j.pending = nil, nil
	return err
}
