package session

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound means there is no usable session: it is missing, expired,
// revoked, or cannot be decrypted. Callers treat it as "logged out". Store
// failures (a Redis outage) are never ErrNotFound; callers answer 503 for them.
var ErrNotFound = errors.New("session: not found")

// Store keeps opaque sealed session blobs, keyed by session id, with a
// per-user index so that every session of a user can be ended. It never sees
// plaintext: the Manager seals and opens, and keeps the sessions it opened.
// Implementations: *MemoryStore and *RedisStore. All methods are safe for
// concurrent use.
type Store interface {
	// Put stores blob under id for ttl (> 0) and records id in userID's index.
	// When the index then lists more than the store's limit of sessions per
	// user, the oldest listed are ended (deleted, as by Delete).
	Put(ctx context.Context, id, userID string, blob []byte, ttl time.Duration) error
	// Replace overwrites the blob of the session id for ttl (> 0), only if it
	// still exists, atomically; otherwise it returns ErrNotFound. Manager.Save
	// uses it, so that saving a refreshed session cannot bring back one that was
	// deleted (logout, unlink, admin revocation) while the refresh was in flight.
	Replace(ctx context.Context, id, userID string, blob []byte, ttl time.Duration) error
	// Get returns the blob stored under id, or ErrNotFound when there is none
	// or it has expired. The caller owns the returned slice.
	Get(ctx context.Context, id string) ([]byte, error)
	// Touch sets the session id to expire ttl (> 0) from now, only if it still
	// exists; otherwise it returns ErrNotFound. It changes nothing else, so it
	// announces nothing. Manager uses it to record that a session was used
	// (ManagerOptions.IdleTimeout).
	Touch(ctx context.Context, id string, ttl time.Duration) error
	// Delete removes the session id and its entry in userID's index. Deleting
	// a missing session is not an error.
	Delete(ctx context.Context, id, userID string) error
	// DeleteUser ends every session of userID and reports how many existed.
	DeleteUser(ctx context.Context, userID string) (int, error)
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	// Invalidations returns where the store announces the sessions it changes
	// or ends, for the cache of opened sessions of every Manager over it, or nil
	// when no session read from it may be cached.
	Invalidations() *Invalidations
}
