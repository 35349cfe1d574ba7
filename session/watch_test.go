package session

import (
	"context"
	"sync"
	"testing"
	"time"
)

// heard collects what WatchUsers reports.
type heard struct {
	mu    sync.Mutex
	users []string
}

func (h *heard) add(u string) { h.mu.Lock(); h.users = append(h.users, u); h.mu.Unlock() }

func (h *heard) has(u string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range h.users {
		if x == u {
			return true
		}
	}
	return false
}

func TestWatchUsersMemory(t *testing.T) {
	m, err := NewManager(NewMemoryStore(MemoryOptions{}), ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var h heard
	complete, stop, ok := m.WatchUsers(h.add)
	if !ok || !complete() {
		t.Fatal("a memory store must announce every revocation")
	}
	if _, err := m.DeleteUser(context.Background(), "1001"); err != nil {
		t.Fatal(err)
	}
	if !h.has("1001") {
		t.Fatalf("DeleteUser not heard: %v", h.users)
	}
	stop()
	if _, err := m.DeleteUser(context.Background(), "1003"); err != nil {
		t.Fatal(err)
	}
	if h.has("1003") {
		t.Fatal("heard a revocation after stop")
	}
}

// TestWatchUsersAcrossRedisInstances: a revocation made through one instance's store is
// heard by another instance's watcher (over the real Redis pub/sub).
func TestWatchUsersAcrossRedisInstances(t *testing.T) {
	_, client := startRedis(t)
	other := newRedisClient(t, client.Options().Addr)
	storeA := NewRedisStore(client, RedisOptions{Cache: RedisCacheOptions{Size: 10}})
	storeB := NewRedisStore(other, RedisOptions{Cache: RedisCacheOptions{Size: 10}})
	t.Cleanup(func() { storeA.Close(); storeB.Close() })
	a, _ := NewManager(storeA, ManagerOptions{})
	b, _ := NewManager(storeB, ManagerOptions{})
	var h heard
	complete, stop, ok := b.WatchUsers(h.add)
	defer stop()
	if !ok {
		t.Fatal("a Redis store with its cache must announce revocations")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !complete() {
		if time.Now().After(deadline) {
			t.Fatal("the subscription never became complete")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := a.DeleteUser(context.Background(), "1002"); err != nil {
		t.Fatal(err)
	}
	for !h.has("1002") {
		if time.Now().After(deadline) {
			t.Fatalf("instance B never heard the revocation: %v", h.users)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWatchUsersRedisWithoutCache(t *testing.T) {
	_, client := startRedis(t)
	m, _ := NewManager(NewRedisStore(client, RedisOptions{}), ManagerOptions{})
	if _, _, ok := m.WatchUsers(func(string) {}); ok {
		t.Fatal("a Redis store without its cache announces nothing: WatchUsers must say so")
	}
}

// changes collects what Watch reports.
type changes struct {
	mu   sync.Mutex
	seen []Change
}

func (c *changes) add(ch Change) { c.mu.Lock(); c.seen = append(c.seen, ch); c.mu.Unlock() }

// waitFor waits up to 5 s for want to be heard.
func (c *changes) waitFor(t *testing.T, want Change) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		for _, ch := range c.seen {
			if ch == want {
				c.mu.Unlock()
				return
			}
		}
		seen := append([]Change(nil), c.seen...)
		c.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("never heard %+v; heard %+v", want, seen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWatchHearsSessionsAndUsers: Watch reports a changed or ended session by id, a revoked
// user by id, over a memory store and from another instance over Redis; and nothing after stop.
func TestWatchHearsSessionsAndUsers(t *testing.T) {
	_, client := startRedis(t)
	other := newRedisClient(t, client.Options().Addr)
	storeA := NewRedisStore(client, RedisOptions{Cache: RedisCacheOptions{Size: 10}})
	storeB := NewRedisStore(other, RedisOptions{Cache: RedisCacheOptions{Size: 10}})
	t.Cleanup(func() { storeA.Close(); storeB.Close() })
	mem := NewMemoryStore(MemoryOptions{})
	t.Cleanup(func() { _ = mem.Close() })
	memManager, _ := NewManager(mem, ManagerOptions{})
	a, _ := NewManager(storeA, ManagerOptions{})
	b, _ := NewManager(storeB, ManagerOptions{})
	tests := []struct {
		name          string
		change, watch *Manager
	}{
		{"memory", memManager, memManager},
		{"redis, another instance", a, b},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var heard changes
			complete, stop, ok := tc.watch.Watch(heard.add)
			if !ok {
				t.Fatal("the store must announce")
			}
			deadline := time.Now().Add(5 * time.Second)
			for !complete() {
				if time.Now().After(deadline) {
					t.Fatal("announcements never became complete")
				}
				time.Sleep(10 * time.Millisecond)
			}
			ctx := context.Background()
			s := &Session{UserID: "2001"}
			tk, err := tc.change.Create(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.change.Save(ctx, tk, s); err != nil {
				t.Fatal(err)
			}
			heard.waitFor(t, Change{SessionID: tk.ID})
			if err := tc.change.Delete(ctx, tk, "2001"); err != nil {
				t.Fatal(err)
			}
			if _, err := tc.change.DeleteUser(ctx, "2002"); err != nil {
				t.Fatal(err)
			}
			heard.waitFor(t, Change{UserID: "2002"})
			stop()
			heard.mu.Lock()
			n := len(heard.seen)
			heard.mu.Unlock()
			if _, err := tc.change.DeleteUser(ctx, "2003"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			heard.mu.Lock()
			defer heard.mu.Unlock()
			if len(heard.seen) != n {
				t.Fatalf("heard %+v after stop", heard.seen[n:])
			}
		})
	}
}

func TestChangeForget(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		want bool
	}{{Change{}, true}, {Change{SessionID: "x"}, false}, {Change{UserID: "1"}, false}} {
		if got := tc.c.Forget(); got != tc.want {
			t.Errorf("%+v.Forget() = %v, want %v", tc.c, got, tc.want)
		}
	}
}
