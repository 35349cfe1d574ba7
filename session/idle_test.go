package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

func TestRecordInterval(t *testing.T) {
	tests := []struct{ idle, want time.Duration }{
		{MinIdleTimeout, MinIdleTimeout / 4},
		{time.Minute, 15 * time.Second},
		{4 * time.Minute, time.Minute},
		{30 * time.Minute, time.Minute},
		{24 * time.Hour, time.Minute},
	}
	for _, tt := range tests {
		if got := RecordInterval(tt.idle); got != tt.want || got >= tt.idle {
			t.Errorf("RecordInterval(%v) = %v, want %v (below the timeout)", tt.idle, got, tt.want)
		}
	}
}

func TestIdleTimeoutOptions(t *testing.T) {
	store := NewMemoryStore(MemoryOptions{})
	t.Cleanup(func() { store.Close() })
	tests := []struct {
		name string
		opts ManagerOptions
		ok   bool
	}{
		{"off", ManagerOptions{}, true},
		{"the shortest", ManagerOptions{IdleTimeout: MinIdleTimeout}, true},
		{"below the shortest", ManagerOptions{IdleTimeout: MinIdleTimeout - 1}, false},
		{"as long as the lifetime", ManagerOptions{Lifetime: time.Hour, IdleTimeout: time.Hour}, false},
		{"negative", ManagerOptions{IdleTimeout: -time.Minute}, false},
	}
	for _, tt := range tests {
		if _, err := NewManager(store, tt.opts); (err == nil) != tt.ok {
			t.Errorf("%s: NewManager error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestIdleTimeoutMemory walks a session through uses and pauses on a fake clock: used more
// often than the idle timeout it lives; unused for the idle timeout it ends, even though the
// Manager's cache holds it; and a use is written to the store at most once per interval.
func TestIdleTimeoutMemory(t *testing.T) {
	const idle = time.Minute // records every 15s
	type step struct {
		advance time.Duration
		alive   bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"used within the timeout lives on", []step{{50 * time.Second, true}, {50 * time.Second, true}, {50 * time.Second, true}}},
		{"unused for the timeout ends", []step{{10 * time.Second, true}, {61 * time.Second, false}}},
		{"the last unrecorded use does not count", []step{{16 * time.Second, true}, {10 * time.Second, true}, {51 * time.Second, false}}},
		{"never past the lifetime", []step{{50 * time.Second, true}, {50 * time.Second, true}, {50 * time.Second, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newClock()
			store := NewMemoryStore(MemoryOptions{Now: clock.Now})
			t.Cleanup(func() { store.Close() })
			var touches atomic.Int32
			lifetime := time.Hour
			if tt.name == "never past the lifetime" {
				lifetime = 2 * time.Minute
			}
			m, err := NewManager(store, ManagerOptions{Lifetime: lifetime, IdleTimeout: idle, Now: clock.Now,
				Observer: func(op string, _ time.Duration, _ error) {
					if op == OpTouch {
						touches.Add(1)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			tk, err := m.Create(ctx, &Session{UserID: "u"})
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tt.steps {
				clock.Add(st.advance)
				before := touches.Load()
				for range 5 { // a burst of requests: at most one write
					_, err := m.Load(ctx, tk)
					if alive := err == nil; alive != st.alive {
						t.Fatalf("step %d (+%v): Load = %v, want alive=%v", i, st.advance, err, st.alive)
					}
					if err != nil && !errors.Is(err, ErrNotFound) {
						t.Fatalf("step %d: Load = %v, want ErrNotFound", i, err)
					}
				}
				if d := touches.Load() - before; d > 1 && st.alive {
					t.Fatalf("step %d: %d store writes for 5 requests, want at most 1", i, d)
				}
			}
		})
	}
}

// TestIdleTimeoutAcrossInstances: with Redis and with Redis Cluster, a session kept in use on
// instance A is not idle on instance B; unused on both, it ends on both, although both hold
// it in their caches for longer than the timeout.
func TestIdleTimeoutAcrossInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a real idle timeout")
	}
	srv := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3, 0)
	clients := map[string]func() redis.UniversalClient{
		"redis": func() redis.UniversalClient { return newRedisClient(t, srv.Addr()) },
		"cluster": func() redis.UniversalClient {
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), ReadTimeout: time.Second, WriteTimeout: time.Second})
			t.Cleanup(func() { c.Close() })
			return c
		},
	}
	for name, newClient := range clients {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testIdleAcrossInstances(t, newClient)
		})
	}
}

func testIdleAcrossInstances(t *testing.T, newClient func() redis.UniversalClient) {
	ctx := context.Background()
	const idle = MinIdleTimeout // records every 2.5s
	instance := func() *Manager {
		// A cache that keeps sessions far longer than the idle timeout.
		store := NewRedisStore(newClient(), RedisOptions{KeyPrefix: "idle:", Cache: RedisCacheOptions{Size: 100, TTL: time.Hour}})
		t.Cleanup(store.Close)
		m, err := NewManager(store, ManagerOptions{Lifetime: time.Hour, IdleTimeout: idle})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := instance(), instance()
	tk, err := a.Create(ctx, &Session{UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	load := func(m *Manager, what string) error {
		_, err := m.Load(ctx, tk)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: Load = %v, want a session or ErrNotFound", what, err)
		}
		return err
	}
	if err := load(b, "B at once"); err != nil {
		t.Fatal(err)
	}
	for i := range 7 { // 14s of use on A alone, longer than the timeout
		time.Sleep(2 * time.Second)
		if err := load(a, fmt.Sprintf("A after %ds", 2*(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	if err := load(b, "B after 14s of use on A"); err != nil {
		t.Fatalf("%v: a session in use on A is idle on B", err)
	}
	time.Sleep(idle + time.Second)
	if err := load(a, "A after the timeout"); err == nil {
		t.Fatal("A still serves a session unused for the idle timeout")
	}
	if err := load(b, "B after the timeout"); err == nil {
		t.Fatal("B still serves a session unused for the idle timeout")
	}
}

// TestIdleTimeoutBoundsEveryWrite: the session key never lives longer than the idle timeout
// from a write, whether the write is a login (Create), a refresh (Save) or a recorded use.
func TestIdleTimeoutBoundsEveryWrite(t *testing.T) {
	ctx := context.Background()
	_, client := startRedis(t)
	const idle = 30 * time.Second
	m, err := NewManager(NewRedisStore(client, RedisOptions{KeyPrefix: "w:"}), ManagerOptions{Lifetime: time.Hour, IdleTimeout: idle})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := m.Create(ctx, &Session{UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name string
		run  func() error
	}{
		{"Create", func() error { return nil }},
		{"Save", func() error {
			s, err := m.Load(ctx, tk)
			if err != nil {
				return err
			}
			return m.Save(ctx, tk, s)
		}},
		{"Touch", func() error { m.uses.forget(tk.ID); _, err := m.Load(ctx, tk); return err }},
	}
	for _, w := range writes {
		if err := w.run(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if pttl := client.PTTL(ctx, "w:s:"+tk.ID).Val(); pttl <= 0 || pttl > idle {
			t.Fatalf("after %s the session key lives %v, want at most the idle timeout %v", w.name, pttl, idle)
		}
	}
}

// TestIdleTimeoutConcurrentLoads: many requests of one session at once are all served, and a
// use is written at most once per request that found it due, never once per request after.
func TestIdleTimeoutConcurrentLoads(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	store := NewMemoryStore(MemoryOptions{Now: clock.Now})
	t.Cleanup(func() { store.Close() })
	var touches atomic.Int32
	m, err := NewManager(store, ManagerOptions{IdleTimeout: time.Minute, Now: clock.Now,
		Observer: func(op string, _ time.Duration, _ error) {
			if op == OpTouch {
				touches.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := m.Create(ctx, &Session{UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(20 * time.Second) // due
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := m.Load(ctx, tk); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := touches.Load(); n < 1 || n > 16 {
		t.Fatalf("%d writes for 800 concurrent requests, want between 1 and 16", n)
	}
}
