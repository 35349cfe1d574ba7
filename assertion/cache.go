package assertion

import (
	"hash/maphash"
	"maps"
	"strings"
	"sync"
)

const (
	// maxShards bounds the number of independently locked cache shards.
	maxShards = 16
	// minShardSize is the smallest shard worth splitting a cache into.
	minShardSize = 64
)

// cacheKey identifies a cached assertion. The claims are compared on lookup,
// not hashed into the key, so a changed claim can never be served stale.
type cacheKey struct {
	session  string
	audience string
}

// cacheEntry is one cached assertion.
type cacheEntry struct {
	key     cacheKey
	claims  map[string]string // private copy of the claims signed
	token   string
	renewAt int64 // Unix nanoseconds after which the token is re-signed
	ref     bool  // used since the clock hand last passed
}

// cache is a bounded map of assertions, split into shards each evicting with
// the clock (second-chance) algorithm. It is safe for concurrent use.
type cache struct {
	seed   maphash.Seed
	shards []cacheShard
}

// cacheShard is a fixed-capacity ring of entries and an index into it.
type cacheShard struct {
	mu    sync.Mutex
	index map[cacheKey]int
	slots []cacheEntry // grows to capacity, then entries are replaced
	size  int          // capacity
	hand  int          // next slot the clock considers for eviction
}

// newCache returns a cache holding at most size entries (size > 0).
func newCache(size int) *cache {
	n := min(maxShards, max(1, size/minShardSize))
	c := &cache{seed: maphash.MakeSeed(), shards: make([]cacheShard, n)}
	for i := range c.shards {
		capacity := size / n
		if i < size%n {
			capacity++
		}
		c.shards[i] = cacheShard{
			index: make(map[cacheKey]int, capacity),
			slots: make([]cacheEntry, 0, capacity),
			size:  capacity,
		}
	}
	return c
}

// shard returns the shard of a session; all audiences of a session share it.
func (c *cache) shard(session string) *cacheShard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[maphash.String(c.seed, session)%uint64(len(c.shards))]
}

// get returns the cached token for key if it is not due for renewal at now
// (Unix nanoseconds) and was signed for exactly claims.
func (c *cache) get(key cacheKey, claims map[string]string, now int64) (string, bool) {
	sh := c.shard(key.session)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.index[key]
	if !ok {
		return "", false
	}
	e := &sh.slots[i]
	if now >= e.renewAt || !maps.Equal(e.claims, claims) {
		return "", false
	}
	e.ref = true
	return e.token, true
}

// put stores token for key, signed for claims (copied) and due for renewal at
// renewAt, replacing any entry for key or else evicting one if full.
func (c *cache) put(key cacheKey, claims map[string]string, token string, renewAt, now int64) {
	e := cacheEntry{
		key:     cacheKey{strings.Clone(key.session), strings.Clone(key.audience)},
		claims:  maps.Clone(claims),
		token:   token,
		renewAt: renewAt,
	}
	sh := c.shard(key.session)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if i, ok := sh.index[key]; ok {
		sh.slots[i] = e
		return
	}
	if len(sh.slots) < sh.size {
		sh.index[e.key] = len(sh.slots)
		sh.slots = append(sh.slots, e)
		return
	}
	i := sh.victim(now)
	delete(sh.index, sh.slots[i].key)
	sh.slots[i] = e
	sh.index[e.key] = i
}

// victim advances the clock hand to the first slot that is due for renewal
// or not used since the hand last passed, clearing use bits on its way, and
// returns that slot. It stops within two turns of the ring.
func (sh *cacheShard) victim(now int64) int {
	for {
		i := sh.hand
		sh.hand = (sh.hand + 1) % len(sh.slots)
		e := &sh.slots[i]
		if !e.ref || now >= e.renewAt {
			return i
		}
		e.ref = false
	}
}

// len returns the number of cached entries.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.index)
		sh.mu.Unlock()
	}
	return n
}
