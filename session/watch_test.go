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
