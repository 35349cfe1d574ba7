package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type skippedLine struct {
	line int
	err  string
}

func openJournal(t *testing.T, j *Journal) ([]JournalEntry, []skippedLine) {
	t.Helper()
	var skipped []skippedLine
	entries, err := j.Open(func(line int, err error) { skipped = append(skipped, skippedLine{line, err.Error()}) })
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return entries, skipped
}

func users(entries []JournalEntry) string {
	var out []string
	for _, e := range entries {
		out = append(out, e.UserID)
	}
	return strings.Join(out, ",")
}

func TestJournalAppendReplayCompact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kakaogate") // created by Open
	at := time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
	j := NewJournal(dir, "redis:127.0.0.1:6379/0")
	if entries, _ := openJournal(t, j); len(entries) != 0 {
		t.Fatalf("new journal has entries: %v", entries)
	}
	for i, u := range []string{"a", "b", "c"} {
		if err := j.Append(u, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()

	j2 := NewJournal(dir, "redis:127.0.0.1:6379/0")
	entries, skipped := openJournal(t, j2)
	if users(entries) != "a,b,c" || len(skipped) != 0 {
		t.Fatalf("replayed %q (skipped %v), want a,b,c", users(entries), skipped)
	}
	if !entries[1].At.Equal(at.Add(time.Second)) || entries[1].Store != "redis:127.0.0.1:6379/0" {
		t.Fatalf("entry b = %+v", entries[1])
	}
	if err := j2.Applied("a", at.Add(-time.Second)); err != nil { // before a's entry: nothing applied
		t.Fatal(err)
	}
	if err := j2.Applied("a", at); err != nil {
		t.Fatal(err)
	}
	if err := j2.Applied("b", at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if again, err := j2.Open(nil); err != nil || users(again) != "c" { // shared: no second read
		t.Fatalf("Open of an open journal: %q, %v; want the pending c", users(again), err)
	}
	if err := j2.Append("d", at); err != nil { // appends go to the compacted file
		t.Fatal(err)
	}
	j2.Close()
	entries, _ = openJournal(t, NewJournal(dir, "redis:127.0.0.1:6379/0"))
	if users(entries) != "c,d" {
		t.Fatalf("after compaction: %q, want c,d", users(entries))
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(leftovers) != 0 {
		t.Fatalf("compaction left %v", leftovers)
	}
}

func TestJournalTwoStoresDoNotMix(t *testing.T) {
	dir := t.TempDir()
	a, b := NewJournal(dir, "store-a"), NewJournal(dir, "store-b")
	if a.Path() == b.Path() {
		t.Fatal("two stores share one file")
	}
	openJournal(t, a)
	openJournal(t, b)
	if err := a.Append("ua", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := b.Append("ub", time.Now()); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b.Close()
	// A file of store-b copied over store-a's: its entries are not store-a's.
	data, err := os.ReadFile(b.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a.Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, skipped := openJournal(t, NewJournal(dir, "store-a"))
	if len(entries) != 0 || len(skipped) != 1 || !strings.Contains(skipped[0].err, "another store") {
		t.Fatalf("entries %v, skipped %v; want store-b's entry skipped", entries, skipped)
	}
}

func TestCase_gw_rev_05_TornAndCorruptJournalLinesSkipped(t *testing.T) {
	good := func(u string) string {
		line, err := encodeEntry(JournalEntry{UserID: u, At: time.Unix(1700000000, 0).UTC(), Store: "s"})
		if err != nil {
			t.Fatal(err)
		}
		return string(line)
	}
	flipped := strings.Replace(good("x"), `"x"`, `"y"`, 1)
	tests := []struct {
		name, content string
		want          string // replayed users
		skipped       []int  // line numbers reported
		size          int    // file size after Open
	}{
		{"torn last line", good("a") + good("b")[:20], "a", nil, len(good("a"))},
		{"torn only line", good("a")[:5], "", nil, 0},
		{"checksum mismatch", good("a") + flipped + good("c"), "a,c", []int{2}, len(good("a") + flipped + good("c"))},
		{"garbage line", good("a") + "not an entry\n" + good("c"), "a,c", []int{2}, -1},
		{"empty line", "\n" + good("a"), "a", []int{1}, -1},
		{"entry without user", strings.Replace(good("a"), good("a"), func() string {
			line, _ := encodeEntry(JournalEntry{At: time.Now(), Store: "s"})
			return string(line)
		}(), 1), "", []int{1}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewJournal(t.TempDir(), "s")
			if err := os.WriteFile(j.Path(), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			entries, skipped := openJournal(t, j)
			if got := users(entries); got != tt.want {
				t.Errorf("replayed %q, want %q", got, tt.want)
			}
			var lines []int
			for _, s := range skipped {
				lines = append(lines, s.line)
			}
			if len(lines) != len(tt.skipped) || (len(lines) > 0 && lines[0] != tt.skipped[0]) {
				t.Errorf("skipped %v, want lines %v", skipped, tt.skipped)
			}
			if tt.size >= 0 {
				if st, err := os.Stat(j.Path()); err != nil || st.Size() != int64(tt.size) {
					t.Errorf("file size after open: %v %v, want %d", st.Size(), err, tt.size)
				}
			}
			// An append after a torn line starts on a line of its own.
			if err := j.Append("z", time.Now()); err != nil {
				t.Fatal(err)
			}
			j.Close()
			again, _ := openJournal(t, NewJournal(filepath.Dir(j.Path()), "s"))
			if got := users(again); got != strings.TrimPrefix(tt.want+",z", ",") {
				t.Errorf("after an append: %q", got)
			}
		})
	}
}

func TestJournalAppendFailsWhenNotOpen(t *testing.T) {
	j := NewJournal(t.TempDir(), "s")
	if err := j.Append("a", time.Now()); err == nil {
		t.Fatal("append to a journal never opened succeeded")
	}
}

func TestCheckJournalDir(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir string
		wantErr   string
	}{
		{"existing directory", root, ""},
		{"missing directory under a writable one", filepath.Join(root, "a", "b"), ""},
		{"a file in the way", filepath.Join(file, "kakaogate"), "is not a directory"},
		{"empty", "", "no directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJournalDir(tt.dir)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.dir)):
				t.Fatalf("error %v, want one naming %q and saying %q", err, tt.dir, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(root, "a")); err == nil {
				t.Fatal("the check created a directory")
			}
		})
	}
}
