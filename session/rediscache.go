package session

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCacheOptions configure the in-process cache of opened sessions that each Manager over
// a RedisStore keeps (RedisOptions.Cache), and the subscription that keeps it coherent. With
// it, a session loaded in the last TTL is served without a Redis round trip. It never weakens
// revocation or failing closed:
//
//   - every RedisStore that changes or ends a session (Manager.Save, Delete, DeleteUser, on
//     any instance) publishes the session id or user id on <KeyPrefix>invalidate once Redis
//     has acknowledged the change, and every instance's caches drop it on receipt;
//   - the cache serves only while this instance is subscribed to that channel and heard,
//     within the last four heartbeats, one of the probes it publishes every heartbeat through
//     the store's client (so on the master the store writes to, also after a Sentinel
//     failover) on a channel of its own; it is emptied whenever the subscription fails or is
//     made again (messages may have been missed), and whenever any Redis command of the store
//     fails: a store that cannot be reached is never vouched for from memory for longer than
//     that. A subscription that hears no probe for eight heartbeats is made again on a new
//     connection;
//   - it holds at most Size sessions, each for at most TTL, which also bounds how long a
//     change made by a gateway without this cache (an older version) can go unseen.
type RedisCacheOptions struct {
	// Size bounds the number of sessions one Manager holds; 0 (the default) turns the cache off.
	Size int
	// TTL is the longest one session is served from the cache before Redis is read again.
	// Default: 5s.
	TTL time.Duration
	// Heartbeat is how often the subscription is checked with a probe (a PUBLISH through
	// the store's client, one Redis command, that only this subscriber hears); the cache stops
	// serving when it has heard no probe for four heartbeats (400ms by default), and
	// subscribes again after eight. Default: 100ms.
	Heartbeat time.Duration
	// OnChange, if set, is called when the cache starts serving (err nil) and when it stops
	// (with the reason), from the subscriber's goroutine or a failing caller's.
	OnChange func(serving bool, err error)
}

// Defaults of RedisCacheOptions.
const (
	DefaultCacheTTL       = 5 * time.Second
	DefaultCacheHeartbeat = 100 * time.Millisecond
	// silentHeartbeats is how many heartbeats without a probe heard end serving.
	silentHeartbeats = 4
)

// redisSubscription keeps a RedisStore's Invalidations complete: it hears the invalidation
// channel and tells the Managers' caches when they may serve (live) and what to drop.
type redisSubscription struct {
	opts    RedisCacheOptions
	client  redis.UniversalClient
	channel string
	inv     *Invalidations // where it announces what it hears

	startOnce sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}

	// subscribed: a subscription is confirmed and has not failed since.
	subscribed atomic.Bool
	// aliveUntil (Unix nanoseconds): serving stops then unless the subscription speaks.
	aliveUntil atomic.Int64
	// announced: OnChange was last told that the caches serve.
	announced atomic.Bool
}

// newRedisSubscription returns the subscription, not started, behind the Invalidations of a
// RedisStore with a cache.
func newRedisSubscription(client redis.UniversalClient, channel string, o RedisCacheOptions) *redisSubscription {
	if o.TTL <= 0 {
		o.TTL = DefaultCacheTTL
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultCacheHeartbeat
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &redisSubscription{
		opts: o, client: client, channel: channel, ctx: ctx, cancel: cancel,
		done: make(chan struct{}),
	}
	c.inv = newInvalidations(o.Size, o.TTL, c)
	return c
}

// start runs the subscriber on first use, so that building a store does no network I/O.
func (c *redisSubscription) start() {
	c.startOnce.Do(func() {
		if c.ctx.Err() != nil {
			close(c.done)
			return
		}
		go c.run()
	})
}

// close stops the subscriber and empties the caches.
func (c *redisSubscription) close() {
	c.cancel()
	c.startOnce.Do(func() { close(c.done) })
	<-c.done
	c.stopServing(nil)
}

// live starts the subscriber if need be and reports whether the caches may serve now.
func (c *redisSubscription) live() bool {
	c.start()
	return c.serving(time.Now().UnixNano())
}

// serving reports whether the caches may answer at now.
func (c *redisSubscription) serving(now int64) bool {
	return c.subscribed.Load() && now < c.aliveUntil.Load()
}

// flush empties the caches.
func (c *redisSubscription) flush() { c.inv.announce(invalidateAll) }

// storeFailed empties the caches and stops serving until the subscription next proves alive:
// a Redis command failed, so Redis may be unreachable (or the subscription stopped hearing
// its probes).
func (c *redisSubscription) storeFailed(err error) {
	c.aliveUntil.Store(0)
	c.flush()
	c.report(false, err)
}

// stopServing marks the subscription lost and empties the caches.
func (c *redisSubscription) stopServing(err error) {
	c.subscribed.Store(false)
	c.aliveUntil.Store(0)
	c.flush()
	c.report(false, err)
}

// alive records that the subscription just heard one of its probes.
func (c *redisSubscription) alive() {
	c.aliveUntil.Store(time.Now().Add(silentHeartbeats * c.opts.Heartbeat).UnixNano())
	if c.subscribed.Load() {
		c.report(true, nil)
	}
}

// report tells OnChange when the caches start or stop serving, once per change.
func (c *redisSubscription) report(serving bool, err error) {
	if c.announced.Swap(serving) != serving && c.opts.OnChange != nil {
		c.opts.OnChange(serving, err)
	}
}
