package session

import (
	"context"
	"errors"
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
// clients cache a session; the Sentinels fail the master over. Right after the switch,
// while the old master still runs as a master (the Sentinels make it a replica only
// about 10 s later), and again once it replicates the new one, a session ended on one
// instance stops being served by the other within a second: the invalidations published
// on the new master reach every instance's cache.
func TestRedisCacheFollowsASentinelFailover(t *testing.T) {
	sn := redistest.StartSentinel(t, redistest.SentinelOptions{})
	a := newInstanceOn(t, newFailoverClient(t, sn), RedisCacheOptions{})
	b := newInstanceOn(t, newFailoverClient(t, sn), RedisCacheOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before := mustCreate(t, a.m, sampleSession(t))
	promoted, err := sn.Failover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	endedOnAReachesB := func(t *testing.T) {
		var tk Ticket
		s := sampleSession(t)
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
	}
	t.Run("right after the switch", endedOnAReachesB)
	if err := sn.WaitSettled(ctx, promoted); err != nil {
		t.Fatal(err)
	}
	t.Run("once the old master is a replica", endedOnAReachesB)
}
