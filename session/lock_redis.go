package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisLocker is a Locker in Redis, shared by every gateway instance that
// uses the same server (or Sentinel group, or Cluster) and key prefix. A lease
// on name is the key <prefix>l:<name>, set with SET NX PX to a random 128-bit
// token; Release deletes the key with a compare-and-delete script only while it
// still holds that token. Every command touches that one key, so it works on
// Redis Cluster.
//
// It is a single-server lock, not Redlock: a failover that loses the key can
// grant a name twice. For token refresh that costs one extra refresh, never a
// wrong session.
//
// The client's own options bound every call, as for RedisStore. If the SET
// reached Redis but its reply was lost (a timeout), Acquire reports the error
// and the name stays held until the lease expires. RedisLocker never closes
// the client.
type RedisLocker struct {
	client redis.UniversalClient
	prefix string
}

var _ Locker = (*RedisLocker)(nil)

// NewRedisLocker returns a RedisLocker using client. Only opts.KeyPrefix is
// used (default "kakaogate:"); give it the same options as the RedisStore so
// every key of one gateway shares a prefix.
func NewRedisLocker(client redis.UniversalClient, opts RedisOptions) *RedisLocker {
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	return &RedisLocker{client: client, prefix: opts.KeyPrefix}
}

func (r *RedisLocker) lockKey(name string) string { return r.prefix + "l:" + name }

// Acquire implements Locker with SET <prefix>l:<name> <token> PX <lease> NX.
func (r *RedisLocker) Acquire(ctx context.Context, name string, lease time.Duration) (*Lease, error) {
	if err := validateLock(name, lease); err != nil {
		return nil, err
	}
	token, err := newLockToken()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	err = r.client.Do(ctx, "set", r.lockKey(name), token, "px", ms(lease), "nx").Err()
	if errors.Is(err, redis.Nil) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("session: redis lock: %w", err)
	}
	return &Lease{name: name, token: token, deadline: start.Add(lease), owner: r}, nil
}

// releaseScript deletes KEYS[1] only if it holds ARGV[1]; it returns 1 if it
// did, 0 otherwise.
var releaseScript = redis.NewScript(`
if redis.call("get", KEYS[1]) == ARGV[1] then
	return redis.call("del", KEYS[1])
end
return 0
`)

func (r *RedisLocker) release(ctx context.Context, name, token string) (bool, error) {
	n, err := releaseScript.Run(ctx, r.client, []string{r.lockKey(name)}, token).Int()
	if err != nil {
		return false, fmt.Errorf("redis: %w", err)
	}
	return n == 1, nil
}

// newLockToken returns 128 random bits, hex-encoded.
func newLockToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: random lock token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
