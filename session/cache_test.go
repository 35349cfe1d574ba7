package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"
)

// TestMemoryCacheFollowsTheStore: a Manager over a MemoryStore serves the sessions it opened
// from its cache, and drops each one the moment the store changes or ends it, whoever made
// the change: the same Manager, another Manager over the same store, or the store itself
// (eviction at its bound, expiry).
func TestMemoryCacheFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(t *testing.T, other *Manager, store *MemoryStore, clock *testclock.Clock, tk Ticket, s *Session)
		ended  bool
	}{
		{"Delete through another Manager", func(t *testing.T, other *Manager, _ *MemoryStore, _ *testclock.Clock, tk Ticket, s *Session) {
			if err := other.Delete(ctx, tk, s.UserID); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"DeleteUser through another Manager", func(t *testing.T, other *Manager, _ *MemoryStore, _ *testclock.Clock, _ Ticket, s *Session) {
			if _, err := other.DeleteUser(ctx, s.UserID); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"Save through another Manager", func(t *testing.T, other *Manager, _ *MemoryStore, _ *testclock.Clock, tk Ticket, _ *Session) {
			s, err := other.LoadFresh(ctx, tk)
			if err != nil {
				t.Fatal(err)
			}
			s.AccessToken = "refreshed-access-token"
			if err := other.Save(ctx, tk, s); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"eviction at the store's bound", func(t *testing.T, other *Manager, _ *MemoryStore, _ *testclock.Clock, _ Ticket, _ *Session) {
			for range 2 { // the store holds 2: the session closest to expiry goes
				longer := sampleSession(t)
				longer.UserID = "someone else"
				if _, err := other.Create(ctx, longer); err != nil {
					t.Fatal(err)
				}
			}
		}, true},
		{"expiry in the store, swept", func(t *testing.T, _ *Manager, store *MemoryStore, clock *testclock.Clock, _ Ticket, _ *Session) {
			clock.Add(25 * time.Hour)
			store.mu.Lock()
			store.sweepLocked(clock.Now())
			store.mu.Unlock()
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			storeClock := newClock() // the store's own: only the store sees the session expire
			store := NewMemoryStore(MemoryOptions{MaxSessions: 2, Now: storeClock.Now})
			t.Cleanup(func() { store.Close() })
			m, _ := NewManager(store, ManagerOptions{Lifetime: 24 * time.Hour, Now: clock.Now})
			other, _ := NewManager(store, ManagerOptions{Lifetime: 48 * time.Hour, Now: clock.Now})
			s := sampleSession(t)
			tk := mustCreate(t, m, s)
			if _, err := m.Load(ctx, tk); err != nil {
				t.Fatal(err)
			}
			if !cachedIn(m, tk.ID) {
				t.Fatal("the session is not cached: the test would prove nothing")
			}
			tt.change(t, other, store, storeClock, tk, s)
			if cachedIn(m, tk.ID) {
				t.Fatal("the Manager still caches the changed session")
			}
			got, err := m.Load(ctx, tk)
			switch {
			case tt.ended && !errors.Is(err, ErrNotFound):
				t.Fatalf("Load after the change = %v, %v; want ErrNotFound", got, err)
			case !tt.ended && (err != nil || got.AccessToken != "refreshed-access-token"):
				t.Fatalf("Load after the change = %+v, %v; want the refreshed session", got, err)
			}
		})
	}
}

// TestCacheNeverKeepsASessionChangedWhileItWasRead: a session that changes between the store
// read and the cache fill is not cached (the next Load reads the store again).
func TestCacheNeverKeepsASessionChangedWhileItWasRead(t *testing.T) {
	m, store, _ := newMemManager(t)
	tk := mustCreate(t, m, sampleSession(t))
	token, ok := m.cache.token()
	if !ok {
		t.Fatal("a MemoryStore's cache takes nothing")
	}
	s, err := m.LoadFresh(context.Background(), tk)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(context.Background(), tk.ID, s.UserID); err != nil {
		t.Fatal(err)
	}
	m.cache.keep(tk.ID, s.UserID, token, tk.Key, s)
	if cachedIn(m, tk.ID) {
		t.Fatal("a session deleted while it was read was cached")
	}
}

// cachedIn reports whether m's cache holds the session id.
func cachedIn(m *Manager, id string) bool {
	m.cache.mu.RLock()
	defer m.cache.mu.RUnlock()
	_, ok := m.cache.entries[id]
	return ok
}
