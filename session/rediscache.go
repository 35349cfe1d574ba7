package session

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCacheOptions configure the in-process cache of opened sessions in front of a
// RedisStore (RedisOptions.Cache). With it, a session loaded in the last TTL is served
// without a Redis round trip. It never weakens revocation or failing closed:
//
//   - every RedisStore that changes or ends a session (Manager.Save, Delete, DeleteUser, on
//     any instance) publishes the session id or user id on <KeyPrefix>invalidate once Redis
//     has acknowledged the change, and every instance's cache drops it on receipt;
//   - the cache serves only while this instance is subscribed to that channel and the
//     subscription answered within the last four heartbeats; it is emptied whenever the
//     subscription fails or is made again (messages may have been missed), and whenever any
//     Redis command of the store fails: a store that cannot be reached is never vouched for
//     from memory for longer than that;
//   - it holds at most Size sessions, each for at most TTL, which also bounds how long a
//     change made by a gateway without this cache (an older version) can go unseen.
type RedisCacheOptions struct {
	// Size bounds the number of sessions held; 0 (the default) turns the cache off.
	Size int
	// TTL is the longest one session is served from the cache before Redis is read again.
	// Default: 5s.
	TTL time.Duration
	// Heartbeat is how often a quiet subscription is checked with a PING; the cache stops
	// serving when it has heard nothing for four heartbeats (400ms by default). Default: 100ms.
	Heartbeat time.Duration
	// OnChange, if set, is called when the cache starts serving (err nil) and when it stops
	// (with the reason), from the subscriber's goroutine or a failing caller's.
	OnChange func(serving bool, err error)
}

// Defaults of RedisCacheOptions.
const (
	DefaultCacheTTL       = 5 * time.Second
	DefaultCacheHeartbeat = 100 * time.Millisecond
	// silentHeartbeats is how many heartbeats without a word end serving.
	silentHeartbeats = 4
)

// invalidation message prefixes on the channel: a session id, or a user id (every session).
const (
	invalidateSession = "s:"
	invalidateUser    = "u:"
)

// redisCache is the openedCache of a RedisStore.
type redisCache struct {
	opts    RedisCacheOptions
	client  redis.UniversalClient
	channel string

	startOnce sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}

	// subscribed: a subscription is confirmed and has not failed since.
	subscribed atomic.Bool
	// aliveUntil (Unix nanoseconds): serving stops then unless the subscription speaks.
	aliveUntil atomic.Int64
	// epoch counts invalidations and flushes; keepOpened refuses a stale token.
	epoch atomic.Uint64

	mu      sync.RWMutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	opened
	userID string
	until  int64 // Unix nanoseconds
}

func newRedisCache(client redis.UniversalClient, channel string, o RedisCacheOptions) *redisCache {
	if o.TTL <= 0 {
		o.TTL = DefaultCacheTTL
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultCacheHeartbeat
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &redisCache{
		opts: o, client: client, channel: channel, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), entries: make(map[string]*cacheEntry),
	}
}

// start runs the subscriber on first use, so that building a store does no network I/O.
func (c *redisCache) start() {
	c.startOnce.Do(func() {
		if c.ctx.Err() != nil {
			close(c.done)
			return
		}
		go c.run()
	})
}

// close stops the subscriber and empties the cache.
func (c *redisCache) close() {
	c.cancel()
	c.startOnce.Do(func() { close(c.done) })
	<-c.done
	c.stopServing(nil)
}

// serving reports whether the cache may answer now.
func (c *redisCache) serving(now int64) bool {
	return c.subscribed.Load() && now < c.aliveUntil.Load()
}

func (c *redisCache) cachedOpen(id string, key [32]byte) (*Session, bool) {
	c.start()
	now := time.Now().UnixNano()
	if !c.serving(now) {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if !ok || now >= e.until || !e.matches(key) {
		return nil, false
	}
	return e.sess, true
}

func (c *redisCache) cacheToken() (uint64, bool) {
	c.start()
	if !c.serving(time.Now().UnixNano()) {
		return 0, false
	}
	return c.epoch.Load(), true
}

func (c *redisCache) keepOpened(id, userID string, token uint64, key [32]byte, s *Session) {
	now := time.Now().UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != token || !c.serving(now) {
		return
	}
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.opts.Size {
		c.evictLocked(now)
	}
	c.entries[id] = &cacheEntry{opened: opened{key: key, sess: s}, userID: userID, until: now + int64(c.opts.TTL)}
}

// evictLocked makes room for one entry: the expired ones go, or else an arbitrary one.
func (c *redisCache) evictLocked(now int64) {
	for id, e := range c.entries {
		if now >= e.until {
			delete(c.entries, id)
		}
	}
	for id := range c.entries {
		if len(c.entries) < c.opts.Size {
			return
		}
		delete(c.entries, id)
	}
}

// invalidate applies one message of the channel.
func (c *redisCache) invalidate(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch.Add(1)
	switch {
	case strings.HasPrefix(msg, invalidateSession):
		delete(c.entries, msg[len(invalidateSession):])
	case strings.HasPrefix(msg, invalidateUser):
		user := msg[len(invalidateUser):]
		for id, e := range c.entries {
			if e.userID == user {
				delete(c.entries, id)
			}
		}
	default: // unknown: be safe
		clear(c.entries)
	}
}

// flush empties the cache.
func (c *redisCache) flush() {
	c.mu.Lock()
	c.epoch.Add(1)
	clear(c.entries)
	c.mu.Unlock()
}

// storeFailed empties the cache and stops serving until the subscription next proves alive:
// a Redis command failed, so Redis may be unreachable.
func (c *redisCache) storeFailed(err error) {
	was := c.serving(time.Now().UnixNano())
	c.aliveUntil.Store(0)
	c.flush()
	if was && c.opts.OnChange != nil {
		c.opts.OnChange(false, err)
	}
}

// stopServing marks the subscription lost and empties the cache.
func (c *redisCache) stopServing(err error) {
	was := c.serving(time.Now().UnixNano())
	c.subscribed.Store(false)
	c.aliveUntil.Store(0)
	c.flush()
	if was && c.opts.OnChange != nil {
		c.opts.OnChange(false, err)
	}
}

// alive records that the subscription just spoke.
func (c *redisCache) alive() {
	now := time.Now()
	was := c.serving(now.UnixNano())
	c.aliveUntil.Store(now.Add(silentHeartbeats * c.opts.Heartbeat).UnixNano())
	if !was && c.subscribed.Load() && c.opts.OnChange != nil {
		c.opts.OnChange(true, nil)
	}
}
