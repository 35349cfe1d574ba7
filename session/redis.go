package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configure a RedisStore.
type RedisOptions struct {
	// KeyPrefix starts every key; default "kakaogate:". Sessions live at
	// <prefix>s:<id>, the per-user index (a sorted set; see indexAdd) at
	// <prefix>uz:<userID>; earlier versions' index (a set) is read and folded
	// in from <prefix>u:<userID>.
	KeyPrefix string
	// MaxLifetime is the longest a session can live; default 30 days. Every
	// Put sets the user index's TTL to at least this, so the index outlives
	// every session listed in it, and lists each session until this long
	// after its Put.
	MaxLifetime time.Duration
	// MaxPerUser bounds the sessions one user holds; default
	// DefaultMaxPerUser. A Put beyond it ends the user's oldest sessions.
	MaxPerUser int
	// Cache lets each Manager over the store keep the sessions it opened recently,
	// kept coherent across instances through Redis pub/sub; see RedisCacheOptions.
	// Default: off.
	// Changes and revocations are published whether or not it is on, so
	// instances with and without it can share one Redis.
	Cache RedisCacheOptions
}

// DefaultKeyPrefix is RedisOptions.KeyPrefix when unset.
const DefaultKeyPrefix = "kakaogate:"

// defaultMaxLifetime is RedisOptions.MaxLifetime when unset.
const defaultMaxLifetime = 30 * 24 * time.Hour

// RedisStore is a Store in Redis, shared by every gateway instance, so
// sessions survive restarts. It works with a single server, Sentinel and
// Cluster: it never sends a command that spans keys in different hash slots;
// multi-key work is a pipeline of single-key commands.
//
// The client's own options bound every call (set DialTimeout, ReadTimeout,
// WriteTimeout and ContextTimeoutEnabled when building it). RedisStore never
// closes the client: it is shared.
type RedisStore struct {
	client      redis.UniversalClient
	prefix      string
	maxLifetime time.Duration
	maxPerUser  int
	inv         *Invalidations // nil without RedisOptions.Cache
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a RedisStore using client.
func NewRedisStore(client redis.UniversalClient, opts RedisOptions) *RedisStore {
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	if opts.MaxLifetime <= 0 {
		opts.MaxLifetime = defaultMaxLifetime
	}
	if opts.MaxPerUser <= 0 {
		opts.MaxPerUser = DefaultMaxPerUser
	}
	r := &RedisStore{client: client, prefix: opts.KeyPrefix, maxLifetime: opts.MaxLifetime, maxPerUser: opts.MaxPerUser}
	if opts.Cache.Size > 0 {
		r.inv = newRedisSubscription(client, r.invalidationChannel(), opts.Cache).inv
	}
	return r
}

// Close stops the cache's subscriber (it starts on first use) and empties the
// Managers' caches. The store remains usable, its sessions no longer cached. It
// does not close the client.
func (r *RedisStore) Close() {
	if r.inv != nil {
		r.inv.sub.close()
	}
}

func (r *RedisStore) sessionKey(id string) string { return r.prefix + "s:" + id }

// ms returns d in whole milliseconds, rounded up, at least 1.
func ms(d time.Duration) int64 {
	return max(1, int64((d+time.Millisecond-1)/time.Millisecond))
}

// Put implements Store: SET <prefix>s:<id> blob PX ttl and the index's
// upkeep (see indexAdd), in one pipeline of a fixed number of commands,
// whatever the number of sessions the user holds; then, only when an earlier
// version left a legacy index, its fold (see foldLegacy), and only when the
// user holds more than MaxPerUser, the ending of the oldest.
func (r *RedisStore) Put(ctx context.Context, id, userID string, blob []byte, ttl time.Duration) error {
	if err := validateEntry(id, userID, ttl); err != nil {
		return err
	}
	ix := r.indexOf(userID)
	life := max(ttl, r.maxLifetime)
	var card, legacy *redis.IntCmd
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, "set", r.sessionKey(id), blob, "px", ms(ttl))
		card, legacy = r.indexAdd(ctx, p, ix, id, life)
		return nil
	})
	if err != nil {
		return r.failed(fmt.Errorf("session: redis put: %w", err))
	}
	n := card.Val()
	if legacy.Val() > 0 {
		folded, err := r.foldLegacy(ctx, ix, life)
		if err != nil {
			return r.failed(fmt.Errorf("session: redis put: folding the legacy index: %w", err))
		}
		n = max(n, folded)
	}
	if over := n - int64(r.maxPerUser); over > 0 {
		return r.endOldest(ctx, ix, id, over)
	}
	return nil
}

// Replace implements Store: SET ... PX ttl XX. The user index is left as Put
// made it: its expiry already covers the session's whole life.
func (r *RedisStore) Replace(ctx context.Context, id, userID string, blob []byte, ttl time.Duration) error {
	if err := validateEntry(id, userID, ttl); err != nil {
		return err
	}
	err := r.client.Do(ctx, "set", r.sessionKey(id), blob, "px", ms(ttl), "xx").Err()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return r.failed(fmt.Errorf("session: redis replace: %w", err))
	}
	return r.changed(ctx, invalidateSession+id)
}

// Get implements Store.
func (r *RedisStore) Get(ctx context.Context, id string) ([]byte, error) {
	b, err := r.client.Get(ctx, r.sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, r.failed(fmt.Errorf("session: redis get: %w", err))
	}
	return b, nil
}

// Touch implements Store: PEXPIRE <prefix>s:<id> ttl, which sets nothing
// when the key is gone.
func (r *RedisStore) Touch(ctx context.Context, id string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("session: non-positive ttl %v", ttl)
	}
	ok, err := r.client.PExpire(ctx, r.sessionKey(id), ttl).Result()
	if err != nil {
		return r.failed(fmt.Errorf("session: redis touch: %w", err))
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// Delete implements Store: DEL the session key and ZREM it from the user
// index, in one pipeline. With an empty userID only the session key goes. An
// id left in a legacy index names a key that is gone: DeleteUser and the next
// fold drop it.
func (r *RedisStore) Delete(ctx context.Context, id, userID string) error {
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.sessionKey(id))
		if userID != "" {
			p.ZRem(ctx, r.indexOf(userID).sorted, id)
		}
		return nil
	})
	if err != nil {
		return r.failed(fmt.Errorf("session: redis delete: %w", err))
	}
	return r.changed(ctx, invalidateSession+id)
}

// DeleteUser implements Store: it lists the user index (SMEMBERS of a legacy
// one, then ZRANGE; see indexed), then in one pipeline DELs every session key
// and ZREMs and SREMs exactly those ids from the index (a session created
// meanwhile stays listed, so it can still be revoked later; the index keys
// disappear once empty). It counts the session keys deleted.
func (r *RedisStore) DeleteUser(ctx context.Context, userID string) (int, error) {
	return r.endIndexed(ctx, userID, "delete user", nil)
}

// endIndexed ends the sessions of userID that its index lists, or only those
// pick keeps of them when pick is not nil, and announces the change; op names
// the operation in errors. It counts the session keys deleted.
func (r *RedisStore) endIndexed(ctx context.Context, userID, op string, pick func([]string) ([]string, error)) (int, error) {
	if userID == "" {
		return 0, errors.New("session: empty user id")
	}
	ix := r.indexOf(userID)
	ids, err := r.indexed(ctx, ix)
	if err == nil && len(ids) > 0 && pick != nil {
		ids, err = pick(ids)
	}
	if err != nil {
		return 0, r.failed(fmt.Errorf("session: redis %s: %w", op, err))
	}
	n := 0
	if len(ids) > 0 {
		if n, err = r.deleteListed(ctx, ix, ids); err != nil {
			return 0, r.failed(fmt.Errorf("session: redis %s: %w", op, err))
		}
	}
	return n, r.changed(ctx, invalidateUser+userID)
}

// Ping implements Store.
func (r *RedisStore) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return r.failed(fmt.Errorf("session: redis ping: %w", err))
	}
	return nil
}

// Invalidations implements Store: nil without RedisOptions.Cache (nothing read
// from the store is cached), else the announcements of every change made
// through this store or heard on the invalidation channel.
func (r *RedisStore) Invalidations() *Invalidations { return r.inv }

// invalidationChannel is where changed and ended sessions are announced.
func (r *RedisStore) invalidationChannel() string { return r.prefix + "invalidate" }

// changed announces msg to the Managers' caches in this process and publishes it
// to every other instance's, after Redis acknowledged the change (published
// earlier, another instance could read the old value back into its cache).
// A failed publish is returned: the caller's change is made, but other
// instances may serve the old session from their caches for up to their TTL,
// so the caller should retry (a retried Delete or DeleteUser publishes again).
func (r *RedisStore) changed(ctx context.Context, msg string) error {
	if r.inv != nil {
		r.inv.announce(msg)
	}
	if err := r.client.Publish(ctx, r.invalidationChannel(), msg).Err(); err != nil {
		return r.failed(fmt.Errorf("session: redis publish invalidation: %w", err))
	}
	return nil
}

// failed stops the caches serving after a failed command (Redis may be
// unreachable) and returns err.
func (r *RedisStore) failed(err error) error {
	if r.inv != nil {
		r.inv.sub.storeFailed(err)
	}
	return err
}

// CacheServing reports whether the cache (RedisOptions.Cache) serves sessions
// now: it is on, subscribed to invalidations and has heard from Redis within
// the last four heartbeats. It starts the cache's subscriber if need be.
func (r *RedisStore) CacheServing() bool {
	return r.inv != nil && r.inv.sub.live()
}
