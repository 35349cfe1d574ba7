package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/kakaogate/kakaogate/session"
)

// Bounds of the bearer cache.
const (
	// bearerCacheTTL is the longest a positive answer is used without asking the provider
	// again (never beyond the token's own expiry).
	bearerCacheTTL = 5 * time.Minute
	// bearerNegativeTTL is how long a token the provider called invalid is refused without
	// asking again.
	bearerNegativeTTL = 10 * time.Second
	// bearerCacheSize bounds the tokens one gateway remembers, positive and negative.
	bearerCacheSize = 10000
	// bearerLookupTimeout bounds one lookup shared by every request with the same token.
	bearerLookupTimeout = 10 * time.Second
	// bearerMaxLookups bounds the lookups in flight at once (distinct unknown tokens): beyond
	// it a request is answered 503 rather than piling up calls to the provider.
	bearerMaxLookups = 64
)

// errTooManyLookups is the refusal beyond bearerMaxLookups.
var errTooManyLookups = errors.New("too many bearer token lookups in flight")

// bearerLookup asks the provider about a token: the identity and how long the answer may be
// used (its remaining lifetime), or a *bearerError (a refusal, cached briefly) or another
// error (the provider could not say: never cached).
type bearerLookup func(ctx context.Context, tok string) (*session.Session, time.Duration, error)

// bearerResolver turns bearer tokens into identities through a cache keyed by the SHA-256 of
// the token (the token itself is never kept), with one lookup in flight per token.
type bearerResolver struct {
	lookup  bearerLookup
	now     func() time.Time
	metrics BearerMetrics
	flights singleflight.Group
	slots   chan struct{} // one per lookup in flight
	// complete reports whether every revocation is heard now (session.Manager.WatchUsers);
	// positive answers are served and kept only while it is true. nil: never kept.
	complete func() bool
	// stopWatching ends the revocation watch (Gateway.Close).
	stopWatching func()

	mu      sync.Mutex
	epoch   uint64 // counts drops: a lookup that began before one is not kept
	entries map[[sha256.Size]byte]*bearerEntry
}

type bearerEntry struct {
	sess   *session.Session // nil for a refusal
	refuse *bearerError
	userID string
	until  time.Time
}

func newBearerResolver(lookup bearerLookup, now func() time.Time, m BearerMetrics) *bearerResolver {
	return &bearerResolver{lookup: lookup, now: now, metrics: m, slots: make(chan struct{}, bearerMaxLookups),
		entries: make(map[[sha256.Size]byte]*bearerEntry)}
}

// resolve returns the identity of tok: from the cache, or from one lookup shared by every
// request that asks about tok meanwhile.
func (b *bearerResolver) resolve(ctx context.Context, tok string) (*session.Session, error) {
	key := sha256.Sum256([]byte(tok))
	if e, ok := b.get(key); ok {
		b.metrics.BearerCacheHit()
		if e.refuse != nil {
			return nil, e.refuse
		}
		return e.sess, nil
	}
	ch := b.flights.DoChan(string(key[:]), func() (any, error) {
		return b.fetch(key, tok)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*session.Session), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch runs the lookup (on a context of its own: one impatient client must not fail the
// others waiting for the same token) and keeps its answer.
func (b *bearerResolver) fetch(key [sha256.Size]byte, tok string) (*session.Session, error) {
	select {
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	default:
		return nil, errTooManyLookups
	}
	b.mu.Lock()
	epoch := b.epoch
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), bearerLookupTimeout)
	defer cancel()
	sess, ttl, err := b.lookup(ctx, tok)
	var be *bearerError
	if errors.As(err, &be) && be.reason != refusedUnavailable {
		b.keep(key, &bearerEntry{refuse: be, until: b.now().Add(bearerNegativeTTL)}, epoch)
		return nil, be
	}
	if err != nil {
		return nil, err
	}
	if ttl > 0 && b.complete != nil && b.complete() {
		b.keep(key, &bearerEntry{sess: sess, userID: sess.UserID, until: b.now().Add(min(ttl, bearerCacheTTL))}, epoch)
	}
	return sess, nil
}

// get returns the live entry of key. Positive ones are served only while revocations are
// heard.
func (b *bearerResolver) get(key [sha256.Size]byte) (*bearerEntry, bool) {
	b.mu.Lock()
	e, ok := b.entries[key]
	b.mu.Unlock()
	if !ok || !b.now().Before(e.until) {
		return nil, false
	}
	if e.sess != nil && (b.complete == nil || !b.complete()) {
		return nil, false
	}
	return e, true
}

// keep stores e under key unless a drop happened since epoch (then a positive answer may
// describe a revoked user).
func (b *bearerResolver) keep(key [sha256.Size]byte, e *bearerEntry, epoch uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.sess != nil && b.epoch != epoch {
		return
	}
	if _, ok := b.entries[key]; !ok && len(b.entries) >= bearerCacheSize {
		b.evictLocked()
	}
	b.entries[key] = e
}

// evictLocked makes room: the expired entries go, or else a sixteenth of them, arbitrary
// ones (so a full cache is not scanned on every new token).
func (b *bearerResolver) evictLocked() {
	now := b.now()
	for k, e := range b.entries {
		if !now.Before(e.until) {
			delete(b.entries, k)
		}
	}
	for k := range b.entries {
		if len(b.entries) < bearerCacheSize-bearerCacheSize/16 {
			return
		}
		delete(b.entries, k)
	}
}

// dropUser forgets every positive answer about userID ("" : about everyone), at once: the
// user was unlinked or revoked, here or on another instance.
func (b *bearerResolver) dropUser(userID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.epoch++
	for k, e := range b.entries {
		if e.sess != nil && (userID == "" || e.userID == userID) {
			delete(b.entries, k)
		}
	}
}

// size is how many answers are kept (tests).
func (b *bearerResolver) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.entries)
}
