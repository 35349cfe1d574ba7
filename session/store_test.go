package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// storeKind builds fresh stores of one implementation for the conformance
// table. advance moves the store's notion of time forward (a fake clock for
// memory, real sleeping for Redis, whose TTLs run on the server's clock).
type storeKind struct {
	name string
	new  func(t *testing.T) (s Store, advance func(time.Duration))
}

func storeKinds(t *testing.T) []storeKind {
	_, client := startRedis(t)
	n := 0
	return []storeKind{
		{"memory", func(t *testing.T) (Store, func(time.Duration)) {
			clock := newClock()
			m := NewMemoryStore(MemoryOptions{Now: clock.Now})
			t.Cleanup(func() { m.Close() })
			return m, clock.Add
		}},
		{"redis", func(t *testing.T) (Store, func(time.Duration)) {
			n++ // a prefix per case keeps the cases apart on one server
			return NewRedisStore(client, RedisOptions{KeyPrefix: fmt.Sprintf("case%d:", n)}), time.Sleep
		}},
	}
}

func TestStoreConformance(t *testing.T) {
	ctx := context.Background()
	const ttl = 300 * time.Millisecond // short, for Redis's real clock
	ids := func(t *testing.T, n int) []string {
		out := make([]string, n)
		for i := range out {
			var err error
			if out[i], err = newID(); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	mustPut := func(t *testing.T, s Store, id, user string, blob []byte, ttl time.Duration) {
		t.Helper()
		if err := s.Put(ctx, id, user, blob, ttl); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	wantBlob := func(t *testing.T, s Store, id string, want []byte) {
		t.Helper()
		got, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%s): %v", id, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Get(%s) = %q, want %q", id, got, want)
		}
	}
	wantGone := func(t *testing.T, s Store, id string) {
		t.Helper()
		if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(%s) = %v, want ErrNotFound", id, err)
		}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s Store, advance func(time.Duration))
	}{
		{"Get returns what Put stored", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 1)[0]
			mustPut(t, s, id, "u1", []byte("blob\x00\xff"), time.Hour)
			wantBlob(t, s, id, []byte("blob\x00\xff"))
		}},
		{"Put and Get copy the blob", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 1)[0]
			in := []byte("original")
			mustPut(t, s, id, "u1", in, time.Hour)
			copy(in, "CHANGED!")
			got, _ := s.Get(ctx, id)
			copy(got, "CHANGED!")
			wantBlob(t, s, id, []byte("original"))
		}},
		{"Get of an unknown id is ErrNotFound", func(t *testing.T, s Store, _ func(time.Duration)) {
			wantGone(t, s, ids(t, 1)[0])
		}},
		{"Put overwrites", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 1)[0]
			mustPut(t, s, id, "u1", []byte("one"), time.Hour)
			mustPut(t, s, id, "u1", []byte("two"), time.Hour)
			wantBlob(t, s, id, []byte("two"))
		}},
		{"Delete removes the session and only it, twice is fine", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 2)
			mustPut(t, s, id[0], "u1", []byte("a"), time.Hour)
			mustPut(t, s, id[1], "u1", []byte("b"), time.Hour)
			for range 2 {
				if err := s.Delete(ctx, id[0], "u1"); err != nil {
					t.Fatalf("Delete: %v", err)
				}
			}
			wantGone(t, s, id[0])
			wantBlob(t, s, id[1], []byte("b"))
			if n, err := s.DeleteUser(ctx, "u1"); err != nil || n != 1 {
				t.Fatalf("DeleteUser after Delete = %d, %v; want 1 (the deleted one is not counted)", n, err)
			}
		}},
		{"DeleteUser ends every session of that user and no other", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 4)
			for _, i := range id[:3] {
				mustPut(t, s, i, "alice", []byte("a"), time.Hour)
			}
			mustPut(t, s, id[3], "bob", []byte("b"), time.Hour)
			n, err := s.DeleteUser(ctx, "alice")
			if err != nil || n != 3 {
				t.Fatalf("DeleteUser = %d, %v; want 3", n, err)
			}
			for _, i := range id[:3] {
				wantGone(t, s, i)
			}
			wantBlob(t, s, id[3], []byte("b"))
			if n, err := s.DeleteUser(ctx, "alice"); err != nil || n != 0 {
				t.Fatalf("second DeleteUser = %d, %v; want 0", n, err)
			}
			if n, err := s.DeleteUser(ctx, "nobody"); err != nil || n != 0 {
				t.Fatalf("DeleteUser of an unknown user = %d, %v; want 0", n, err)
			}
		}},
		{"Delete removes the id from the user index (a reused id is not ended with the old user)", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 1)[0]
			mustPut(t, s, id, "old", []byte("a"), time.Hour)
			if err := s.Delete(ctx, id, "old"); err != nil {
				t.Fatal(err)
			}
			mustPut(t, s, id, "new", []byte("b"), time.Hour)
			if n, _ := s.DeleteUser(ctx, "old"); n != 0 {
				t.Fatalf("DeleteUser(old) = %d, want 0", n)
			}
			wantBlob(t, s, id, []byte("b"))
		}},
		{"sessions expire after their ttl", func(t *testing.T, s Store, advance func(time.Duration)) {
			id := ids(t, 2)
			mustPut(t, s, id[0], "u1", []byte("short"), ttl)
			mustPut(t, s, id[1], "u1", []byte("long"), time.Hour)
			wantBlob(t, s, id[0], []byte("short"))
			advance(ttl + 100*time.Millisecond)
			wantGone(t, s, id[0])
			wantBlob(t, s, id[1], []byte("long"))
			if n, err := s.DeleteUser(ctx, "u1"); err != nil || n != 1 {
				t.Fatalf("DeleteUser = %d, %v; want 1 (expired sessions are not counted)", n, err)
			}
		}},
		{"Replace updates only a session that still exists", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 2)
			if err := s.Replace(ctx, id[0], "u1", []byte("x"), time.Hour); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Replace of a missing session = %v, want ErrNotFound", err)
			}
			wantGone(t, s, id[0])
			mustPut(t, s, id[1], "u1", []byte("one"), time.Hour)
			if err := s.Replace(ctx, id[1], "u1", []byte("two"), time.Hour); err != nil {
				t.Fatalf("Replace: %v", err)
			}
			wantBlob(t, s, id[1], []byte("two"))
		}},
		{"Replace sets a new ttl", func(t *testing.T, s Store, advance func(time.Duration)) {
			id := ids(t, 1)[0]
			mustPut(t, s, id, "u1", []byte("one"), time.Hour)
			if err := s.Replace(ctx, id, "u1", []byte("two"), ttl); err != nil {
				t.Fatal(err)
			}
			advance(ttl + 100*time.Millisecond)
			wantGone(t, s, id)
		}},
		{"Put rejects an empty id, an empty user and a non-positive ttl", func(t *testing.T, s Store, _ func(time.Duration)) {
			id := ids(t, 1)[0]
			for _, c := range []struct {
				id, user string
				ttl      time.Duration
			}{{"", "u", time.Hour}, {id, "", time.Hour}, {id, "u", 0}, {id, "u", -time.Second}} {
				if err := s.Put(ctx, c.id, c.user, []byte("x"), c.ttl); err == nil {
					t.Fatalf("Put(%q, %q, ttl %v) succeeded", c.id, c.user, c.ttl)
				}
			}
			wantGone(t, s, id)
			if _, err := s.DeleteUser(ctx, ""); err == nil {
				t.Fatal("DeleteUser of the empty user succeeded")
			}
		}},
		{"Ping answers", func(t *testing.T, s Store, _ func(time.Duration)) {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, kind := range storeKinds(t) {
		t.Run(kind.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					s, advance := kind.new(t)
					c.run(t, s, advance)
				})
			}
		})
	}
}
