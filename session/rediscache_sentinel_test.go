package session

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// newFailoverClient returns a go-redis failover client of the Sentinel-managed master,
// with the gateway's short timeouts, closed when the test ends.
func newFailoverClient(t *testing.T, sn *redistest.Sentinel) *redis.Client {
	t.Helper()
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: sn.MasterName(), SentinelAddrs: sn.Addrs(),
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		ContextTimeoutEnabled: true, MaxRetries: 1, DialerRetries: 2,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRedisCacheFollowsASentinelFailover (about 20 s): two instances on go-redis failover
// clients cache sessions; the Sentinels fail the master over. go-redis leaves the
// subscriptions on the old master, which runs as a master for about 10 s more: within 2 s
// of the switch both caches must have stopped serving and serve again, subscribed on the
// new master. Then, and again once the old master replicates the new one, a session ended
// on one instance stops being served by the other within a second while the other's cache
// keeps its other sessions: the invalidations published on the new master reach it.
func TestRedisCacheFollowsASentinelFailover(t *testing.T) {
	sn := redistest.StartSentinel(t, redistest.SentinelOptions{})
	var startsA, startsB atomic.Int32 // how often each cache started serving
	counter := func(n *atomic.Int32) RedisCacheOptions {
		return RedisCacheOptions{OnChange: func(serving bool, _ error) {
			if serving {
				n.Add(1)
			}
		}}
	}
	a := newInstanceOn(t, newFailoverClient(t, sn), counter(&startsA))
	b := newInstanceOn(t, newFailoverClient(t, sn), counter(&startsB))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before := mustCreate(t, a.m, sampleSession(t))
	servedA, servedB := startsA.Load(), startsB.Load()
	promoted, err := sn.Failover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switched := time.Now()
	// go-redis leaves the subscriptions on the old master: each cache must stop serving
	// and serve again, subscribed on the new master.
	waitUntil(t, 2*time.Second, "both caches to serve again after the switch", func() bool {
		return startsA.Load() > servedA && startsB.Load() > servedB
	})
	t.Logf("both caches serve again %v after the switch", time.Since(switched).Round(time.Millisecond))
	endedOnAReachesB := func(t *testing.T) {
		var tk Ticket
		s := sampleSession(t)
		witness := mustCreate(t, a.m, sampleSession(t))
		b.load(t, witness)
		waitUntil(t, 5*time.Second, "a login on the new master", func() bool {
			var err error
			tk, err = a.m.Create(ctx, s)
			return err == nil
		})
		waitUntil(t, 5*time.Second, "both caches to serve the session", func() bool {
			_, errA := a.m.Load(ctx, tk)
			_, errB := b.m.Load(ctx, tk)
			return errA == nil && errB == nil && a.cached(tk.ID) && b.cached(tk.ID)
		})
		if _, err := b.m.Load(ctx, before); err != nil {
			t.Fatalf("the session made before the failover: %v", err)
		}
		start := time.Now()
		if err := a.m.Delete(ctx, tk, s.UserID); err != nil {
			t.Fatalf("logout on A: %v", err)
		}
		for {
			_, err := b.m.Load(ctx, tk)
			if errors.Is(err, ErrNotFound) {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("B still serves the ended session a second later (%v): its subscription misses the new master's invalidations", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("B refused the ended session %v after the logout on A", time.Since(start).Round(time.Millisecond))
		if !b.cached(witness.ID) {
			t.Fatal("B's cache was emptied meanwhile (a lost subscription?): the test proves nothing")
		}
	}
	t.Run("right after the switch", endedOnAReachesB)
	if err := sn.WaitSettled(ctx, promoted); err != nil {
		t.Fatal(err)
	}
	t.Run("once the old master is a replica", endedOnAReachesB)
}
