package gateway

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"
	"github.com/kakaogate/kakaogate/session"
)

// cacheBench is a bearer resolver whose lookup answers from a table (the provider's side is
// tested against the emulator in bearer_test.go; this tests the cache's own rules).
type cacheBench struct {
	b       *bearerResolver
	clock   *testclock.Clock
	calls   atomic.Int64
	ttl     time.Duration
	err     error
	during  func() // runs inside the lookup
	serving atomic.Bool
}

func newCacheBench() *cacheBench {
	c := &cacheBench{ttl: time.Hour, clock: testclock.Shifted()}
	c.serving.Store(true)
	c.b = newBearerResolver(func(_ context.Context, tok string) (*session.Session, time.Duration, error) {
		c.calls.Add(1)
		if c.during != nil {
			c.during()
		}
		if c.err != nil {
			return nil, 0, c.err
		}
		return &session.Session{UserID: "user-" + tok}, c.ttl, nil
	}, c.clock.Now, noBearerMetrics{})
	c.b.complete = c.serving.Load
	return c
}

func (c *cacheBench) resolve(t *testing.T, tok string) error {
	t.Helper()
	_, err := c.b.resolve(context.Background(), tok)
	return err
}

func TestBearerCacheRules(t *testing.T) {
	t.Run("at most 5 minutes for a long-lived token", func(t *testing.T) {
		c := newCacheBench()
		_ = c.resolve(t, "a")
		c.clock.Add(bearerCacheTTL - time.Second)
		_ = c.resolve(t, "a")
		c.clock.Add(2 * time.Second)
		_ = c.resolve(t, "a")
		if n := c.calls.Load(); n != 2 {
			t.Fatalf("%d lookups, want 2", n)
		}
	})
	t.Run("never beyond the token's remaining life", func(t *testing.T) {
		c := newCacheBench()
		c.ttl = 30 * time.Second
		_ = c.resolve(t, "a")
		c.clock.Add(31 * time.Second)
		_ = c.resolve(t, "a")
		if n := c.calls.Load(); n != 2 {
			t.Fatalf("%d lookups, want 2", n)
		}
	})
	t.Run("a refusal is kept 10 seconds, an outage not at all", func(t *testing.T) {
		c := newCacheBench()
		c.err = &bearerError{reason: refusedInvalid, desc: "x"}
		_ = c.resolve(t, "a")
		_ = c.resolve(t, "a")
		c.clock.Add(bearerNegativeTTL + time.Second)
		_ = c.resolve(t, "a")
		c.err = errors.New("kakao down")
		_ = c.resolve(t, "b")
		_ = c.resolve(t, "b")
		if n := c.calls.Load(); n != 4 {
			t.Fatalf("%d lookups, want 4 (2 for a, 2 for b)", n)
		}
	})
	t.Run("a revocation during the lookup keeps its answer out", func(t *testing.T) {
		c := newCacheBench()
		c.during = func() { c.b.dropUser("user-a") }
		_ = c.resolve(t, "a")
		c.during = nil
		_ = c.resolve(t, "a")
		if n := c.calls.Load(); n != 2 {
			t.Fatalf("%d lookups, want 2", n)
		}
	})
	t.Run("nothing served or kept while revocations may be missed", func(t *testing.T) {
		c := newCacheBench()
		_ = c.resolve(t, "a")
		c.serving.Store(false)
		_ = c.resolve(t, "a")
		_ = c.resolve(t, "b")
		c.serving.Store(true)
		_ = c.resolve(t, "b")
		if n := c.calls.Load(); n != 4 {
			t.Fatalf("%d lookups, want 4", n)
		}
	})
	t.Run("a flush forgets everyone", func(t *testing.T) {
		c := newCacheBench()
		_ = c.resolve(t, "a")
		_ = c.resolve(t, "b")
		c.b.dropUser("")
		if c.b.size() != 0 {
			t.Fatalf("%d answers kept after a flush", c.b.size())
		}
	})
	t.Run("bounded", func(t *testing.T) {
		c := newCacheBench()
		for i := range bearerCacheSize + 50 {
			_ = c.resolve(t, strconv.Itoa(i))
		}
		if n := c.b.size(); n > bearerCacheSize {
			t.Fatalf("%d answers kept, bound %d", n, bearerCacheSize)
		}
	})
}

func TestBearerLookupsInFlightAreBounded(t *testing.T) {
	c := newCacheBench()
	release := make(chan struct{})
	started := make(chan struct{}, bearerMaxLookups)
	c.during = func() { started <- struct{}{}; <-release }
	done := make(chan error, bearerMaxLookups)
	for i := range bearerMaxLookups {
		go func() { done <- c.resolve(t, "slow-"+strconv.Itoa(i)) }()
	}
	for range bearerMaxLookups {
		<-started
	}
	if err := c.resolve(t, "one-too-many"); !errors.Is(err, errTooManyLookups) {
		t.Fatalf("lookup beyond the bound: %v", err)
	}
	close(release)
	for range bearerMaxLookups {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
