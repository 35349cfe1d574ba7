package session

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// testHeartbeat makes a lost subscription show within 4 × 40ms.
const testHeartbeat = 40 * time.Millisecond

// instance is one gateway process: its own Redis client (connections), store and caching
// Manager, on a Redis shared with the other instances.
type instance struct {
	client *redis.Client
	store  *RedisStore
	m      *Manager
}

func newInstance(t *testing.T, addr string, o RedisCacheOptions) *instance {
	t.Helper()
	return newInstanceOn(t, newRedisClient(t, addr), o)
}

// newInstanceOn is newInstance with its own client (a failover client, say).
func newInstanceOn(t *testing.T, client *redis.Client, o RedisCacheOptions) *instance {
	t.Helper()
	if o.Size == 0 {
		o.Size = 100
	}
	if o.TTL == 0 {
		o.TTL = time.Minute // long: what ends a cached session in these tests is the invalidation
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = testHeartbeat
	}
	store := NewRedisStore(client, RedisOptions{Cache: o})
	t.Cleanup(store.Close)
	m, err := NewManager(store, ManagerOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{client: client, store: store, m: m}
	in.waitServing(t)
	return in
}

// waitServing waits until the instance's cache serves (subscribed, heard from Redis).
func (in *instance) waitServing(t *testing.T) {
	t.Helper()
	waitUntil(t, 5*time.Second, "the cache to serve", in.store.CacheServing)
}

// cached reports whether the instance holds id in its cache.
func (in *instance) cached(id string) bool {
	in.m.cache.mu.RLock()
	defer in.m.cache.mu.RUnlock()
	_, ok := in.m.cache.entries[id]
	return ok
}

// load loads tk and fails the test unless it is served.
func (in *instance) load(t *testing.T, tk Ticket) *Session {
	t.Helper()
	s, err := in.m.Load(context.Background(), tk)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// getCalls is how many GETs Redis has served: the round trips of Load.
func getCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(info) {
		if rest, ok := strings.CutPrefix(l, "cmdstat_get:calls="); ok {
			n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
			return n
		}
	}
	return 0
}

func TestRedisCacheServesWithoutARoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	for _, tt := range []struct {
		name      string
		cache     bool
		wantCalls int
	}{
		{"without the cache every Load is one GET", false, 20},
		{"with the cache only the first Load reads Redis", true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var m *Manager
			client := newRedisClient(t, srv.Addr())
			if tt.cache {
				m = newInstance(t, srv.Addr(), RedisCacheOptions{}).m
			} else {
				m, _ = NewManager(NewRedisStore(client, RedisOptions{}), ManagerOptions{})
			}
			tk := mustCreate(t, m, sampleSession(t))
			before := getCalls(t, client)
			for range 20 {
				if _, err := m.Load(context.Background(), tk); err != nil {
					t.Fatal(err)
				}
			}
			if n := getCalls(t, client) - before; n != tt.wantCalls {
				t.Fatalf("%d GETs for 20 loads, want %d", n, tt.wantCalls)
			}
		})
	}
}

// TestRedisCacheChangesReachEveryInstance: a session cached on instance B ends (logout,
// unlink, webhook or admin revocation) or changes (token refresh) through instance A, and B
// stops serving the old one at once: through the invalidation, not the (one-minute) TTL.
func TestRedisCacheChangesReachEveryInstance(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	a, b := newInstance(t, srv.Addr(), RedisCacheOptions{}), newInstance(t, srv.Addr(), RedisCacheOptions{})
	revoker := NewRevoker(a.m, RevokerOptions{})
	t.Cleanup(revoker.Close)
	tests := []struct {
		name   string
		change func(t *testing.T, tk Ticket, s *Session)
		ended  bool
	}{
		{"logout (Manager.Delete)", func(t *testing.T, tk Ticket, s *Session) {
			if err := a.m.Delete(ctx, tk, s.UserID); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"unlink (Manager.DeleteUser)", func(t *testing.T, _ Ticket, s *Session) {
			if _, err := a.m.DeleteUser(ctx, s.UserID); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"webhook or admin revocation (Revoker)", func(t *testing.T, _ Ticket, s *Session) {
			if _, queued, err := revoker.Revoke(ctx, s.UserID); err != nil || queued {
				t.Fatalf("Revoke: queued=%v, %v", queued, err)
			}
		}, true},
		{"token refresh (Manager.Save)", func(t *testing.T, tk Ticket, _ *Session) {
			s, err := a.m.LoadFresh(ctx, tk)
			if err != nil {
				t.Fatal(err)
			}
			s.AccessToken = "refreshed-access-token"
			if err := a.m.Save(ctx, tk, s); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleSession(t)
			s.UserID = "user-" + strconv.Itoa(len(tt.name))
			tk := mustCreate(t, a.m, s)
			a.load(t, tk)
			b.load(t, tk)
			if !a.cached(tk.ID) || !b.cached(tk.ID) {
				t.Fatal("the session is not cached on both instances: the test would prove nothing")
			}
			start := time.Now()
			tt.change(t, tk, s)
			if a.cached(tk.ID) {
				t.Fatal("the instance that made the change still caches the old session")
			}
			for {
				got, err := b.m.Load(ctx, tk)
				if tt.ended && errors.Is(err, ErrNotFound) || !tt.ended && err == nil && got.AccessToken == "refreshed-access-token" {
					break
				}
				if time.Since(start) > time.Second {
					t.Fatalf("instance B still serves the old session a second later: %v", err)
				}
				time.Sleep(50 * time.Microsecond)
			}
			t.Logf("instance B saw the change %v after the call started", time.Since(start))
		})
	}
}

// TestRedisCacheNeverServesWhileRedisIsDown: a cached session stops being served once Redis
// is unreachable (within four heartbeats), and a Redis that comes back empty is believed,
// not the cache.
func TestRedisCacheNeverServesWhileRedisIsDown(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	b := newInstance(t, srv.Addr(), RedisCacheOptions{})
	tk := mustCreate(t, b.m, sampleSession(t))
	b.load(t, tk)
	if !b.cached(tk.ID) {
		t.Fatal("not cached: the test would prove nothing")
	}
	srv.Stop()
	stopped := time.Now()
	window := silentHeartbeats*testHeartbeat + 200*time.Millisecond
	waitUntil(t, window, "Load to fail with Redis down", func() bool {
		_, err := b.m.Load(ctx, tk)
		return err != nil
	})
	t.Logf("cache stopped serving %v after Redis went down", time.Since(stopped))
	for range 5 {
		_, err := b.m.Load(ctx, tk)
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Load with Redis down = %v; want a store error (503), never a session", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Start() // empty: the session is gone
	b.waitServing(t)
	if _, err := b.m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Redis came back empty = %v, want ErrNotFound", err)
	}
}

// TestRedisCacheIsFlushedWhenTheSubscriptionIsLost: an invalidation lost with the
// subscription (here: a session deleted without a message) must not leave the session in the
// cache once the instance subscribes again.
func TestRedisCacheIsFlushedWhenTheSubscriptionIsLost(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	b := newInstance(t, srv.Addr(), RedisCacheOptions{})
	tk := mustCreate(t, b.m, sampleSession(t))
	b.load(t, tk)
	admin := newRedisClient(t, srv.Addr())
	if err := admin.Del(ctx, DefaultKeyPrefix+"s:"+tk.ID).Err(); err != nil { // no message
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "client", "kill", "type", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Second, "the lost subscription to empty the cache", func() bool { return !b.cached(tk.ID) })
	b.waitServing(t)
	if _, err := b.m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after the subscription came back = %v, want ErrNotFound", err)
	}
}

func TestRedisCacheBounds(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	t.Run("at most Size sessions", func(t *testing.T) {
		b := newInstance(t, srv.Addr(), RedisCacheOptions{Size: 3})
		var tks []Ticket
		for range 10 {
			tk := mustCreate(t, b.m, sampleSession(t))
			tks = append(tks, tk)
			b.load(t, tk)
		}
		b.m.cache.mu.RLock()
		n := len(b.m.cache.entries)
		b.m.cache.mu.RUnlock()
		if n > 3 {
			t.Fatalf("%d sessions cached, want at most 3", n)
		}
		for _, tk := range tks {
			b.load(t, tk)
		}
	})
	t.Run("each for at most TTL, so a change nobody announced shows after it", func(t *testing.T) {
		b := newInstance(t, srv.Addr(), RedisCacheOptions{TTL: 150 * time.Millisecond})
		tk := mustCreate(t, b.m, sampleSession(t))
		b.load(t, tk)
		if err := b.client.Del(ctx, DefaultKeyPrefix+"s:"+tk.ID).Err(); err != nil { // an older gateway
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if _, err := b.m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Load past the TTL = %v, want ErrNotFound", err)
		}
	})
	t.Run("only for the key that opened it", func(t *testing.T) {
		b := newInstance(t, srv.Addr(), RedisCacheOptions{})
		tk := mustCreate(t, b.m, sampleSession(t))
		b.load(t, tk)
		wrong := tk
		wrong.Key[0] ^= 1
		if s, err := b.m.Load(ctx, wrong); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Load with the right id and a wrong key = %v, %v; want ErrNotFound", s, err)
		}
		b.load(t, tk)
	})
	t.Run("LoadFresh reads Redis", func(t *testing.T) {
		b := newInstance(t, srv.Addr(), RedisCacheOptions{})
		tk := mustCreate(t, b.m, sampleSession(t))
		b.load(t, tk)
		if err := b.client.Del(ctx, DefaultKeyPrefix+"s:"+tk.ID).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := b.m.LoadFresh(ctx, tk); !errors.Is(err, ErrNotFound) {
			t.Fatalf("LoadFresh = %v, want ErrNotFound", err)
		}
	})
}
