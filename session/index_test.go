package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// indexKind builds a fresh store of one implementation with a cap of sessions per user.
type indexKind struct {
	name string
	new  func(t *testing.T, maxPerUser int) Store
}

// indexKinds are the memory store, a Redis server and a Redis Cluster (where every key of
// one user may live on another node than the user's index).
func indexKinds(t *testing.T) []indexKind {
	_, client := startRedis(t)
	cluster := redistest.StartCluster(t, 3, 0)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), ReadTimeout: time.Second, WriteTimeout: time.Second})
	t.Cleanup(func() { cc.Close() })
	n := 0
	prefix := func() string { n++; return fmt.Sprintf("idx%d:", n) }
	return []indexKind{
		{"memory", func(t *testing.T, maxPerUser int) Store {
			m := NewMemoryStore(MemoryOptions{MaxPerUser: maxPerUser})
			t.Cleanup(func() { m.Close() })
			return m
		}},
		{"redis", func(_ *testing.T, maxPerUser int) Store {
			return NewRedisStore(client, RedisOptions{KeyPrefix: prefix(), MaxPerUser: maxPerUser})
		}},
		{"cluster", func(_ *testing.T, maxPerUser int) Store {
			return NewRedisStore(cc, RedisOptions{KeyPrefix: prefix(), MaxPerUser: maxPerUser})
		}},
	}
}

// TestSessionsPerUserCap: beyond the cap, each new session ends the user's oldest; the other
// users keep theirs, and DeleteUser still ends every session the user holds.
func TestSessionsPerUserCap(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		cap, puts int
	}{
		{"below the cap nothing ends", 5, 4},
		{"at the cap nothing ends", 5, 5},
		{"one beyond ends the oldest", 5, 6},
		{"many beyond end the oldest ones", 3, 12},
		{"a cap of one keeps the newest", 1, 4},
	}
	for _, kind := range indexKinds(t) {
		t.Run(kind.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					s := kind.new(t, tt.cap)
					if err := s.Put(ctx, "other-0", "other", []byte("x"), time.Hour); err != nil {
						t.Fatal(err)
					}
					ids := make([]string, tt.puts)
					for i := range ids {
						ids[i] = fmt.Sprintf("s%03d", i) // same-millisecond ties sort by name in Redis
						if err := s.Put(ctx, ids[i], "u", []byte(ids[i]), time.Hour); err != nil {
							t.Fatalf("Put %d: %v", i, err)
						}
					}
					ended := max(0, tt.puts-tt.cap)
					for i, id := range ids {
						_, err := s.Get(ctx, id)
						if gone := errors.Is(err, ErrNotFound); gone != (i < ended) {
							t.Fatalf("session %d of %d: Get = %v; want the %d oldest ended and the rest alive", i, tt.puts, err, ended)
						}
					}
					if n, err := s.DeleteUser(ctx, "u"); err != nil || n != tt.puts-ended {
						t.Fatalf("DeleteUser = %d, %v; want %d", n, err, tt.puts-ended)
					}
					for _, id := range ids {
						if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
							t.Fatalf("%s outlived DeleteUser: %v", id, err)
						}
					}
					if _, err := s.Get(ctx, "other-0"); err != nil {
						t.Fatalf("another user's session ended: %v", err)
					}
				})
			}
		})
	}
}

// TestRedisLegacyIndexIsFoldedAndRead: an index written by an earlier version (a set at
// <prefix>u:<user>, made here with raw commands as an old instance would) never makes either
// version meet WRONGTYPE, before or after any operation of this one: a login folds it into
// the sorted set and removes it; a logout leaves it to the next fold; a revocation ends every
// session either index lists. An old instance then adds a session to its set: its SADD and
// SMEMBERS work, a revocation of this version ends that session, and so does one after the
// next login has folded it in.
func TestRedisLegacyIndexIsFoldedAndRead(t *testing.T) {
	ctx := context.Background()
	_, client := startRedis(t)
	cluster := redistest.StartCluster(t, 3, 0)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), ReadTimeout: time.Second, WriteTimeout: time.Second})
	t.Cleanup(func() { cc.Close() })
	ops := []struct {
		name           string
		run            func(s *RedisStore) error
		sorted, legacy []string // the indexes afterwards
	}{
		{"a login", func(s *RedisStore) error { return s.Put(ctx, "new", "u", []byte("x"), time.Hour) }, []string{"a", "b", "new"}, nil},
		{"a logout", func(s *RedisStore) error { return s.Delete(ctx, "a", "u") }, nil, []string{"a", "b", "gone"}},
		{"a revocation", func(s *RedisStore) error {
			if n, err := s.DeleteUser(ctx, "u"); err != nil || n != 2 {
				return fmt.Errorf("DeleteUser = %d, %v; want 2", n, err)
			}
			return nil
		}, nil, nil},
		{"a queued revocation replayed", func(s *RedisStore) error {
			// "blob" has no creation time: it counts as issued before the revocation.
			if n, err := s.DeleteUserBefore(ctx, "u", time.Now()); err != nil || n != 2 {
				return fmt.Errorf("DeleteUserBefore = %d, %v; want 2", n, err)
			}
			return nil
		}, nil, nil},
	}
	n := 0
	for _, kind := range []struct {
		name   string
		client redis.UniversalClient
	}{{"redis", client}, {"cluster", cc}} {
		for _, op := range ops {
			t.Run(kind.name+"/"+op.name, func(t *testing.T) {
				n++
				p := fmt.Sprintf("old%d:", n)
				s := NewRedisStore(kind.client, RedisOptions{KeyPrefix: p})
				old := oldInstance{t: t, client: kind.client, prefix: p}
				old.login("a", "b")
				// "gone" is listed but its session has ended: a fold drops it.
				if err := kind.client.SAdd(ctx, p+"u:u", "gone").Err(); err != nil {
					t.Fatal(err)
				}
				if err := op.run(s); err != nil {
					t.Fatalf("%s over a legacy index: %v", op.name, err)
				}
				got := kind.client.ZRange(ctx, p+"uz:u", 0, -1).Val()
				slices.Sort(got) // a and b may score a millisecond apart either way
				if !slices.Equal(got, op.sorted) {
					t.Fatalf("sorted index after %s = %q, want %q", op.name, got, op.sorted)
				}
				if left := old.listed(); !slices.Equal(left, op.legacy) {
					t.Fatalf("legacy index after %s = %q, want %q", op.name, left, op.legacy)
				}
				old.login("late")
				if err := s.Put(ctx, "after", "u", []byte("x"), time.Hour); err != nil {
					t.Fatal(err)
				}
				if left := old.listed(); len(left) != 0 {
					t.Fatalf("legacy index after a fold = %q, want it gone", left)
				}
				old.login("later")
				if _, err := s.DeleteUser(ctx, "u"); err != nil {
					t.Fatalf("DeleteUser after %s: %v", op.name, err)
				}
				for _, id := range []string{"a", "b", "new", "late", "after", "later"} { // one key per command: Cluster slots
					if kind.client.Exists(ctx, p+"s:"+id).Val() != 0 {
						t.Fatalf("session %s outlived DeleteUser", id)
					}
				}
				old.listed()
			})
		}
	}
}

// oldInstance writes and reads a user's index as an earlier version did: a set at
// <prefix>u:u, with SADD and SMEMBERS. Every command must succeed.
type oldInstance struct {
	t      *testing.T
	client redis.UniversalClient
	prefix string
}

// login stores the sessions ids and lists them in the legacy index.
func (o oldInstance) login(ids ...string) {
	o.t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		if err := o.client.Set(ctx, o.prefix+"s:"+id, "blob", time.Hour).Err(); err != nil {
			o.t.Fatal(err)
		}
		if err := o.client.SAdd(ctx, o.prefix+"u:u", id).Err(); err != nil {
			o.t.Fatalf("an earlier version's SADD: %v", err)
		}
	}
}

// listed returns the legacy index, sorted (nil when empty).
func (o oldInstance) listed() []string {
	o.t.Helper()
	ids, err := o.client.SMembers(context.Background(), o.prefix+"u:u").Result()
	if err != nil {
		o.t.Fatalf("an earlier version's SMEMBERS: %v", err)
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	return ids
}

// commandCounter is a go-redis hook counting the commands sent, pipelined ones included.
type commandCounter struct {
	mu sync.Mutex
	n  int
}

func (c *commandCounter) take() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = 0
	return n
}

func (c *commandCounter) add(n int) {
	c.mu.Lock()
	c.n += n
	c.mu.Unlock()
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.add(1); return next(ctx, cmd) }
}
func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.add(len(cmds)); return next(ctx, cmds) }
}

// TestRedisLoginCommandsDoNotGrow: a login (Manager.Create) sends as many Redis commands for a
// user holding 200 sessions as for a user holding none; and at the cap, every login ends one
// session with the same few commands more.
func TestRedisLoginCommandsDoNotGrow(t *testing.T) {
	ctx := context.Background()
	srv, _ := startRedis(t)
	client := newRedisClient(t, srv.Addr())
	counter := &commandCounter{}
	client.AddHook(counter)
	login := func(t *testing.T, m *Manager, user string) int {
		t.Helper()
		counter.take()
		if _, err := m.Create(ctx, &Session{UserID: user}); err != nil {
			t.Fatal(err)
		}
		return counter.take()
	}
	t.Run("below the cap", func(t *testing.T) {
		m := newTestManager(t, NewRedisStore(client, RedisOptions{KeyPrefix: "cnt:", MaxPerUser: 1000}))
		login(t, m, "warm-up") // the connection's own set-up commands are not the login's
		first := login(t, m, "u")
		for range 199 {
			login(t, m, "u")
		}
		if n := login(t, m, "u"); n != first {
			t.Fatalf("the login of a user holding 200 sessions sent %d commands, of one holding none %d", n, first)
		}
		if first > 6 {
			t.Fatalf("a login sent %d commands, want 6 (SET, ZREMRANGEBYSCORE, ZADD, PEXPIRE, ZCARD, EXISTS)", first)
		}
	})
	t.Run("at the cap", func(t *testing.T) {
		m := newTestManager(t, NewRedisStore(client, RedisOptions{KeyPrefix: "cap:", MaxPerUser: 100}))
		login(t, m, "warm-up")
		base := login(t, m, "u")
		var atCap []int
		for i := range 299 {
			if n := login(t, m, "u"); i >= 100 {
				atCap = append(atCap, n)
			}
		}
		if slices.Min(atCap) != slices.Max(atCap) {
			t.Fatalf("logins at the cap sent between %d and %d commands", slices.Min(atCap), slices.Max(atCap))
		}
		if extra := atCap[0] - base; extra > 4 {
			t.Fatalf("ending the oldest session costs %d commands, want at most 4", extra)
		}
		if card := client.ZCard(ctx, "cap:uz:u").Val(); card != 100 {
			t.Fatalf("index holds %d, want the cap of 100", card)
		}
	})
}

// newTestManager returns a Manager over store with default options.
func newTestManager(t *testing.T, store Store) *Manager {
	t.Helper()
	m, err := NewManager(store, ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
