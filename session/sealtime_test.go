package session

import (
	"context"
	"crypto/rand"
	"testing"
	"time"
)

// TestSealCarriesCreationTime: a blob's header tells its creation time, the
// header cannot be changed without the blob failing to open, and blobs of
// version 1 (no time) still open.
func TestSealCarriesCreationTime(t *testing.T) {
	mem := NewMemoryStore(MemoryOptions{})
	defer mem.Close()
	m, err := NewManager(mem, ManagerOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := sampleSession(t)
	tk := mustCreate(t, m, s)
	blob, err := mem.Get(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := blobCreated(blob); !ok || !got.Equal(s.CreatedAt) {
		t.Fatalf("blobCreated = %v, %v; want %v", got, ok, s.CreatedAt)
	}
	tampered := append([]byte(nil), blob...)
	tampered[8] ^= 1 // one nanosecond later
	if _, err := open(tk, tampered); err == nil {
		t.Fatal("a blob with a changed creation time opened")
	}

	// Version 1, as sealed before creation times were in clear.
	plain, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	aead, err := newAEAD(tk.Key)
	if err != nil {
		t.Fatal(err)
	}
	v1 := make([]byte, 1+nonceLen)
	v1[0] = sealVersion1
	rand.Read(v1[1:])
	v1 = aead.Seal(v1, v1[1:], plain, []byte(tk.ID))
	if got, err := open(tk, v1); err != nil || got.UserID != s.UserID {
		t.Fatalf("version 1 blob: %v, %v", got, err)
	}
	if createdAfter(v1, time.Time{}) {
		t.Fatal("a blob without a creation time counts as created after a revocation")
	}
}

// TestDeleteUserBeforeKeepsLaterLogins: a queued revocation, replayed, ends the sessions
// issued until its time and keeps a login made after it, in the memory store and in Redis
// (whose user index is a sorted set).
func TestDeleteUserBeforeKeepsLaterLogins(t *testing.T) {
	for _, tt := range []struct {
		name  string
		store func(t *testing.T) Store
	}{
		{"memory", func(t *testing.T) Store {
			mem := NewMemoryStore(MemoryOptions{})
			t.Cleanup(func() { mem.Close() })
			return mem
		}},
		{"redis", func(t *testing.T) Store {
			_, client := startRedis(t)
			return NewRedisStore(client, RedisOptions{})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			m, err := NewManager(tt.store(t), ManagerOptions{Lifetime: time.Hour, Now: func() time.Time { return clock }})
			if err != nil {
				t.Fatal(err)
			}
			s := sampleSession(t)
			early := mustCreate(t, m, s)
			revokedAt := clock
			clock = clock.Add(time.Second)
			late := mustCreate(t, m, sampleSession(t))
			n, err := m.DeleteUserBefore(context.Background(), s.UserID, revokedAt)
			if err != nil || n != 1 {
				t.Fatalf("DeleteUserBefore = %d, %v; want 1", n, err)
			}
			wantGone(t, m, early)
			if _, err := m.Load(context.Background(), late); err != nil {
				t.Fatalf("the later session: %v", err)
			}
		})
	}
}
