package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestMemoryStoreBound(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		ttls    []time.Duration // Put in this order into a store of 3
		advance time.Duration   // before the last Put
		evicted []int           // indexes of the sessions that must be gone
	}{
		{"a full store evicts the session closest to expiry", []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour, 5 * time.Hour}, 0, []int{1}},
		{"closest to expiry, not oldest", []time.Duration{5 * time.Hour, 4 * time.Hour, time.Hour, 5 * time.Hour}, 0, []int{2}},
		{"expired sessions make room before any live one is evicted", []time.Duration{3 * time.Hour, 30 * time.Minute, 40 * time.Minute, time.Hour}, 45 * time.Minute, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			m := NewMemoryStore(MemoryOptions{MaxSessions: 3, Now: clock.Now})
			defer m.Close()
			for i, ttl := range tt.ttls {
				if i == len(tt.ttls)-1 {
					clock.Add(tt.advance)
				}
				if err := m.Put(ctx, fmt.Sprint("id", i), fmt.Sprint("user", i), []byte("x"), ttl); err != nil {
					t.Fatal(err)
				}
			}
			if want := len(tt.ttls) - len(tt.evicted); m.Len() != want {
				t.Fatalf("Len() = %d, want %d", m.Len(), want)
			}
			for i := range tt.ttls {
				_, err := m.Get(ctx, fmt.Sprint("id", i))
				if gone, want := errors.Is(err, ErrNotFound), slices.Contains(tt.evicted, i); gone != want {
					t.Fatalf("session %d: Get error %v, want gone=%v", i, err, want)
				}
			}
			for _, i := range tt.evicted {
				if _, ok := m.byUser[fmt.Sprint("user", i)]; ok {
					t.Fatalf("evicted session %d is still in its user's index", i)
				}
			}
		})
	}
	t.Run("overwriting at the bound evicts nothing", func(t *testing.T) {
		m := NewMemoryStore(MemoryOptions{MaxSessions: 2})
		defer m.Close()
		for _, id := range []string{"a", "b", "a", "b"} {
			if err := m.Put(ctx, id, "u", []byte(id), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := m.DeleteUser(ctx, "u"); n != 2 {
			t.Fatalf("DeleteUser = %d, want 2", n)
		}
	})
	t.Run("the default bound is 100000", func(t *testing.T) {
		m := NewMemoryStore(MemoryOptions{})
		defer m.Close()
		if m.max != DefaultMaxSessions || DefaultMaxSessions != 100000 {
			t.Fatalf("bound = %d", m.max)
		}
	})
}

func TestMemoryStoreJanitorDropsExpiredSessions(t *testing.T) {
	clock := newClock()
	m := NewMemoryStore(MemoryOptions{JanitorInterval: 5 * time.Millisecond, Now: clock.Now})
	defer m.Close()
	ctx := context.Background()
	_ = m.Put(ctx, "short", "u", []byte("x"), time.Minute)
	_ = m.Put(ctx, "long", "u", []byte("x"), time.Hour)
	clock.Add(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for m.Len() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("janitor did not drop the expired session: Len() = %d", m.Len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := m.Get(ctx, "long"); err != nil {
		t.Fatalf("the janitor dropped a live session: %v", err)
	}
}

func TestMemoryStoreGetDropsAnExpiredSession(t *testing.T) {
	clock := newClock()
	m := NewMemoryStore(MemoryOptions{Now: clock.Now})
	defer m.Close()
	ctx := context.Background()
	_ = m.Put(ctx, "id", "u", []byte("x"), time.Minute)
	clock.Add(time.Minute) // expiry is inclusive: at ExpiresAt it is gone
	if _, err := m.Get(ctx, "id"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len() = %d after reading an expired session, want 0", m.Len())
	}
}

func TestMemoryStoreCloseIsIdempotentAndLeavesTheStoreUsable(t *testing.T) {
	m := NewMemoryStore(MemoryOptions{JanitorInterval: time.Millisecond})
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		m.Close()
		m.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := m.Put(ctx, "id", "u", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, "id"); err != nil {
		t.Fatal(err)
	}
}

// Run with -race: every operation from many goroutines at once, on a store
// small enough to evict and a janitor that runs constantly.
func TestMemoryStoreConcurrentUse(t *testing.T) {
	clock := newClock()
	m := NewMemoryStore(MemoryOptions{MaxSessions: 50, JanitorInterval: time.Millisecond, Now: clock.Now})
	defer m.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 500 {
				id := fmt.Sprintf("s%d", (g*7+i)%80)
				user := fmt.Sprintf("u%d", i%5)
				switch i % 6 {
				case 0, 1:
					if err := m.Put(ctx, id, user, []byte(id), time.Duration(1+i%7)*time.Minute); err != nil {
						t.Error(err)
						return
					}
				case 2:
					if b, err := m.Get(ctx, id); err == nil && string(b) != id {
						t.Errorf("Get(%s) = %q", id, b)
						return
					}
				case 3:
					_ = m.Replace(ctx, id, user, []byte(id), time.Minute)
				case 4:
					_ = m.Delete(ctx, id, user)
				case 5:
					if i%30 == 5 {
						_, _ = m.DeleteUser(ctx, user)
					}
					clock.Add(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if n := m.Len(); n > 50 {
		t.Fatalf("Len() = %d exceeds the bound", n)
	}
	// The index must agree with the sessions: ending every user empties the store.
	for u := range 5 {
		_, _ = m.DeleteUser(ctx, fmt.Sprintf("u%d", u))
	}
	if n := m.Len(); n != 0 {
		t.Fatalf("%d sessions are missing from the user index", n)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.byUser) != 0 || len(m.expiry) != 0 {
		t.Fatalf("leftover state: %d index entries, %d heap entries", len(m.byUser), len(m.expiry))
	}
}
