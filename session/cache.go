package session

import (
	"crypto/subtle"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Invalidations is how a Store tells the Managers over it which sessions changed or ended,
// so that each Manager's cache of the sessions it opened (decrypted and decoded) never
// serves a stale one. A MemoryStore announces every change and removal (expiry and eviction
// included) as it makes it; a RedisStore with RedisOptions.Cache announces its own changes
// and those of every other instance, heard over Redis pub/sub, and vouches for hearing them
// only while its subscription is alive (see RedisCacheOptions). The store also says how many
// sessions a Manager may hold and for how long.
type Invalidations struct {
	size int           // sessions one Manager may cache
	ttl  time.Duration // longest one session is served from a cache; 0: until announced
	sub  *redisSubscription

	mu        sync.Mutex // serializes listen
	listeners atomic.Pointer[[]func(msg string)]
}

// Invalidation messages: a session id, a user id (every session of the user), or
// anything else (every session).
const (
	invalidateSession = "s:"
	invalidateUser    = "u:"
	invalidateAll     = ""
)

func newInvalidations(size int, ttl time.Duration, sub *redisSubscription) *Invalidations {
	return &Invalidations{size: size, ttl: ttl, sub: sub}
}

// listen makes f hear every announcement from now on, for the store's lifetime.
func (inv *Invalidations) listen(f func(msg string)) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var fs []func(string)
	if old := inv.listeners.Load(); old != nil {
		fs = append(fs, *old...)
	}
	fs = append(fs, f)
	inv.listeners.Store(&fs)
}

// announce tells every listener of msg. A store announces a change once it is made, so that
// a read that started before it cannot bring the old session back into a cache.
func (inv *Invalidations) announce(msg string) {
	if fs := inv.listeners.Load(); fs != nil {
		for _, f := range *fs {
			f(msg)
		}
	}
}

// complete reports whether every change is heard now, so a cache may serve and fill.
func (inv *Invalidations) complete() bool {
	return inv.sub == nil || inv.sub.live()
}

// sessionCache keeps the sessions a Manager's Load opened, so that the next Load of the same
// session skips the store round trip, the decryption and the decoding. It drops what its
// store's Invalidations announce, serves only while they are complete, and returns a session
// only for the key it was opened with, so holding a session id alone never yields it.
type sessionCache struct {
	inv *Invalidations
	// epoch counts the announcements heard; keep refuses a stale token.
	epoch atomic.Uint64

	mu      sync.RWMutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	key    [32]byte
	sess   *Session
	userID string
	until  int64 // Unix nanoseconds; 0: until an announcement drops it
}

func newSessionCache(inv *Invalidations) *sessionCache {
	c := &sessionCache{inv: inv, entries: make(map[string]*cacheEntry)}
	inv.listen(c.invalidate)
	return c
}

// get returns the session cached for id if it was opened with key and may be served now.
func (c *sessionCache) get(id string, key [32]byte) (*Session, bool) {
	if !c.inv.complete() {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if !ok || e.until != 0 && time.Now().UnixNano() >= e.until {
		return nil, false
	}
	if subtle.ConstantTimeCompare(e.key[:], key[:]) != 1 {
		return nil, false
	}
	return e.sess, true
}

// token returns a token to hand to keep; ok is false when the cache takes nothing now.
func (c *sessionCache) token() (token uint64, ok bool) {
	if !c.inv.complete() {
		return 0, false
	}
	return c.epoch.Load(), true
}

// keep caches s, opened with key from the blob a Get returned for id after token returned
// token, unless anything was announced since: a session changed or ended while it was being
// read is never cached. s must not be modified afterwards.
func (c *sessionCache) keep(id, userID string, token uint64, key [32]byte, s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != token || !c.inv.complete() {
		return
	}
	now := time.Now().UnixNano()
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.inv.size {
		c.evictLocked(now)
	}
	e := &cacheEntry{key: key, sess: s, userID: userID}
	if c.inv.ttl > 0 {
		e.until = now + int64(c.inv.ttl)
	}
	c.entries[id] = e
}

// evictLocked makes room for one entry: the expired ones go, or else arbitrary ones.
func (c *sessionCache) evictLocked(now int64) {
	for id, e := range c.entries {
		if e.until != 0 && now >= e.until {
			delete(c.entries, id)
		}
	}
	for id := range c.entries {
		if len(c.entries) < c.inv.size {
			return
		}
		delete(c.entries, id)
	}
}

// drop forgets the session id, found gone by this instance. It does not count as an
// announcement: the session is gone everywhere, so a read racing with it is harmless.
func (c *sessionCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// invalidate applies one announcement.
func (c *sessionCache) invalidate(msg string) {
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
	default: // invalidateAll, or unknown: be safe
		clear(c.entries)
	}
}

// shallowCopy returns a copy of s that its receiver may modify field by field. Claims and
// Scopes are shared with the cached original: they must be replaced, never modified in place.
func shallowCopy(s *Session) *Session {
	c := *s
	return &c
}
