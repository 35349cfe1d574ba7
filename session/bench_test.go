package session

import (
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkManagerLoadPaths compares Load through each store with and without its cache of
// opened sessions: "uncached" reads, decrypts and decodes on every call (a Store wrapper
// without Invalidations; for Redis the cache is simply off).
func BenchmarkManagerLoadPaths(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, store Store) {
		m, err := NewManager(store, ManagerOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s := sampleSession(b)
		s.IDToken = strings.Repeat("x", 1200)
		tk, err := m.Create(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Load(ctx, tk); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Load(ctx, tk); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory/uncached", func(b *testing.B) {
		mem := NewMemoryStore(MemoryOptions{})
		defer mem.Close()
		run(b, uncachedStore{mem})
	})
	b.Run("memory/cached", func(b *testing.B) {
		mem := NewMemoryStore(MemoryOptions{})
		defer mem.Close()
		run(b, mem)
	})
	b.Run("redis/uncached", func(b *testing.B) {
		_, client := startRedis(b)
		run(b, NewRedisStore(client, RedisOptions{}))
	})
	b.Run("redis/cached", func(b *testing.B) {
		_, client := startRedis(b)
		store := NewRedisStore(client, RedisOptions{Cache: RedisCacheOptions{Size: 100}})
		defer store.Close()
		deadline := time.Now().Add(5 * time.Second)
		for !store.CacheServing() {
			if time.Now().After(deadline) {
				b.Fatal("the cache never served")
			}
			time.Sleep(10 * time.Millisecond)
		}
		run(b, store)
	})
}

// uncachedStore is a Store whose sessions no Manager may cache.
type uncachedStore struct{ Store }

func (uncachedStore) Invalidations() *Invalidations { return nil }
