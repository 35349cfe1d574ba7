package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// lockEnv is two Lockers sharing one lock space (two gateway instances), the
// clock their leases expire by, and a way to let time pass on it.
type lockEnv struct {
	a, b  Locker
	now   func() time.Time
	pass  func(time.Duration)
	lease time.Duration // short enough to wait out
}

var lockers = []struct {
	name  string
	setup func(t *testing.T) lockEnv
}{
	{"redis: two lockers on two clients", func(t *testing.T) lockEnv {
		srv, c1 := startRedis(t)
		c2 := newRedisClient(t, srv.Addr())
		return lockEnv{
			a: NewRedisLocker(c1, RedisOptions{}), b: NewRedisLocker(c2, RedisOptions{}),
			now: time.Now, pass: time.Sleep, lease: 100 * time.Millisecond,
		}
	}},
	{"memory: one locker shared by two callers", func(t *testing.T) lockEnv {
		clock := newClock()
		l := NewMemoryLocker(clock.Now)
		return lockEnv{a: l, b: l, now: clock.Now, pass: clock.Add, lease: 100 * time.Millisecond}
	}},
}

func mustAcquire(t *testing.T, l Locker, name string, lease time.Duration) *Lease {
	t.Helper()
	ls, err := l.Acquire(context.Background(), name, lease)
	if err != nil {
		t.Fatalf("Acquire(%q): %v", name, err)
	}
	return ls
}

func wantLocked(t *testing.T, l Locker, name string) {
	t.Helper()
	if ls, err := l.Acquire(context.Background(), name, time.Minute); !errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire(%q) = %v, %v; want ErrLocked", name, ls, err)
	}
}

func TestLockers(t *testing.T) {
	ctx := context.Background()
	behaviours := []struct {
		name string
		run  func(t *testing.T, env lockEnv, name string)
	}{
		{"one lease per name across two instances, not reentrant", func(t *testing.T, env lockEnv, name string) {
			mustAcquire(t, env.a, name, time.Minute)
			wantLocked(t, env.b, name)
			wantLocked(t, env.a, name)
			mustAcquire(t, env.b, name+"-other", time.Minute)
		}},
		{"Release lets the other instance acquire", func(t *testing.T, env lockEnv, name string) {
			l := mustAcquire(t, env.a, name, time.Minute)
			if err := l.Release(ctx); err != nil {
				t.Fatalf("Release: %v", err)
			}
			mustAcquire(t, env.b, name, time.Minute)
		}},
		{"an expired lease frees the name", func(t *testing.T, env lockEnv, name string) {
			mustAcquire(t, env.a, name, env.lease)
			wantLocked(t, env.b, name)
			env.pass(env.lease + 50*time.Millisecond)
			mustAcquire(t, env.b, name, time.Minute)
		}},
		{"releasing an expired lease keeps the new holder's lock", func(t *testing.T, env lockEnv, name string) {
			old := mustAcquire(t, env.a, name, env.lease)
			env.pass(env.lease + 50*time.Millisecond)
			cur := mustAcquire(t, env.b, name, time.Minute)
			if err := old.Release(ctx); !errors.Is(err, ErrNotHeld) {
				t.Fatalf("Release of the expired lease = %v, want ErrNotHeld", err)
			}
			wantLocked(t, env.a, name)
			if err := cur.Release(ctx); err != nil {
				t.Fatalf("Release of the current lease: %v", err)
			}
			mustAcquire(t, env.a, name, time.Minute)
		}},
		{"a second Release does not free a later holder", func(t *testing.T, env lockEnv, name string) {
			l := mustAcquire(t, env.a, name, time.Minute)
			if err := l.Release(ctx); err != nil {
				t.Fatal(err)
			}
			mustAcquire(t, env.b, name, time.Minute)
			if err := l.Release(ctx); err != nil {
				t.Fatalf("second Release = %v, want nil", err)
			}
			wantLocked(t, env.a, name)
		}},
		{"200 goroutines on two instances: exactly one acquires", func(t *testing.T, env lockEnv, name string) {
			const n = 200
			var (
				wg                  sync.WaitGroup
				mu                  sync.Mutex
				won, locked, failed int
				start               = make(chan struct{})
				other               error
			)
			for i := range n {
				l := env.a
				if i%2 == 1 {
					l = env.b
				}
				wg.Go(func() {
					<-start
					_, err := l.Acquire(ctx, name, time.Minute)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, ErrLocked):
						locked++
					default:
						failed++
						other = err
					}
				})
			}
			close(start)
			wg.Wait()
			if won != 1 || locked != n-1 || failed != 0 {
				t.Fatalf("won %d, locked %d, failed %d (%v); want 1, %d, 0", won, locked, failed, other, n-1)
			}
		}},
		{"Deadline is the lease counted from the start of Acquire", func(t *testing.T, env lockEnv, name string) {
			before := env.now()
			l := mustAcquire(t, env.a, name, time.Minute)
			after := env.now()
			if d := l.Deadline(); d.Before(before.Add(time.Minute)) || d.After(after.Add(time.Minute)) {
				t.Fatalf("Deadline %v not within [%v, %v] + 1m", d, before, after)
			}
			if l.Name() != name {
				t.Fatalf("Name() = %q, want %q", l.Name(), name)
			}
		}},
		{"bad arguments are errors, not ErrLocked", func(t *testing.T, env lockEnv, name string) {
			for _, c := range []struct {
				name  string
				lease time.Duration
			}{{"", time.Minute}, {name, 0}, {name, -time.Second}} {
				if _, err := env.a.Acquire(ctx, c.name, c.lease); err == nil || errors.Is(err, ErrLocked) {
					t.Errorf("Acquire(%q, %v) = %v, want an argument error", c.name, c.lease, err)
				}
			}
			mustAcquire(t, env.a, name, time.Minute) // nothing was taken
		}},
		{"a canceled context is an error, not ErrLocked, and takes nothing", func(t *testing.T, env lockEnv, name string) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := env.a.Acquire(cctx, name, time.Minute); !errors.Is(err, context.Canceled) {
				t.Fatalf("Acquire = %v, want context.Canceled", err)
			}
			mustAcquire(t, env.b, name, time.Minute)
		}},
		{"a nil lease releases nothing", func(t *testing.T, env lockEnv, name string) {
			mustAcquire(t, env.a, name, time.Minute)
			if err := (*Lease)(nil).Release(ctx); err != nil {
				t.Fatal(err)
			}
			wantLocked(t, env.b, name)
		}},
	}
	for _, lk := range lockers {
		t.Run(lk.name, func(t *testing.T) {
			env := lk.setup(t)
			for i, b := range behaviours {
				t.Run(b.name, func(t *testing.T) { b.run(t, env, fmt.Sprint("lock-", i)) })
			}
		})
	}
}

func TestRedisLockerKeys(t *testing.T) {
	ctx := context.Background()
	_, client := startRedis(t)
	tests := []struct {
		name, prefix, wantKey string
	}{
		{"default prefix", "", "kakaogate:l:refresh:abc"},
		{"custom prefix", "app1:", "app1:l:refresh:abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedisLocker(client, RedisOptions{KeyPrefix: tt.prefix})
			l := mustAcquire(t, r, "refresh:abc", 1500*time.Millisecond)
			tok, err := client.Get(ctx, tt.wantKey).Result()
			if err != nil {
				t.Fatalf("GET %s: %v", tt.wantKey, err)
			}
			if len(tok) != 32 || tok != l.token {
				t.Fatalf("key holds %q, want the lease's 128-bit hex token %q", tok, l.token)
			}
			if pttl := client.PTTL(ctx, tt.wantKey).Val(); pttl <= time.Second || pttl > 1500*time.Millisecond {
				t.Fatalf("PTTL = %v, want about 1.5s (millisecond precision)", pttl)
			}
			if err := l.Release(ctx); err != nil {
				t.Fatal(err)
			}
			if n := client.Exists(ctx, tt.wantKey).Val(); n != 0 {
				t.Fatal("Release left the key")
			}
		})
	}
	t.Run("every lease gets a fresh token", func(t *testing.T) {
		r := NewRedisLocker(client, RedisOptions{KeyPrefix: "tok:"})
		seen := map[string]bool{}
		for range 50 {
			l := mustAcquire(t, r, "n", time.Minute)
			if seen[l.token] {
				t.Fatalf("token %q issued twice", l.token)
			}
			seen[l.token] = true
			if err := l.Release(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("a foreign value under the key is not deleted by Release", func(t *testing.T) {
		r := NewRedisLocker(client, RedisOptions{KeyPrefix: "foreign:"})
		l := mustAcquire(t, r, "n", time.Minute)
		client.Set(ctx, "foreign:l:n", "someone-else", time.Minute)
		if err := l.Release(ctx); !errors.Is(err, ErrNotHeld) {
			t.Fatalf("Release = %v, want ErrNotHeld", err)
		}
		if v := client.Get(ctx, "foreign:l:n").Val(); v != "someone-else" {
			t.Fatalf("key holds %q after Release", v)
		}
	})
}

func TestRedisLockerStoreDown(t *testing.T) {
	ctx := context.Background()
	srv, client := startRedis(t)
	r := NewRedisLocker(client, RedisOptions{})
	held := mustAcquire(t, r, "held", time.Minute)
	srv.Stop()

	ctx5, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := r.Acquire(ctx5, "n", time.Minute)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Acquire took %v with Redis down", took)
	}
	if err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire with Redis down = %v, want a store error that is not ErrLocked", err)
	}
	err = held.Release(ctx5)
	if err == nil || errors.Is(err, ErrNotHeld) {
		t.Fatalf("Release with Redis down = %v, want a store error", err)
	}

	srv.Start() // empty
	if _, err := r.Acquire(ctx, "n", time.Minute); err != nil {
		t.Fatalf("Acquire after Redis came back: %v", err)
	}
	if err := held.Release(ctx); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("retried Release after the restart lost the key = %v, want ErrNotHeld", err)
	}
}

func TestMemoryLockerBound(t *testing.T) {
	clock := newClock()
	m := NewMemoryLocker(clock.Now)
	if m.max != 1<<16 {
		t.Fatalf("default bound = %d", m.max)
	}
	m.max = 3
	for i := range 3 {
		mustAcquire(t, m, fmt.Sprint("live", i), time.Second)
	}
	if _, err := m.Acquire(context.Background(), "one-too-many", time.Second); err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire beyond the bound = %v, want an error that is not ErrLocked", err)
	}
	clock.Add(time.Second)
	for i := range 3 {
		l := mustAcquire(t, m, fmt.Sprint("new", i), time.Minute)
		if i == 0 {
			if err := l.Release(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(m.held) != 2 || len(m.expiry) != 2 {
		t.Fatalf("held %d, heap %d; want the expired and released leases reclaimed (2 left)", len(m.held), len(m.expiry))
	}
}
