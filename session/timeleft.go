package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A session with an idle timeout ends silently: its key simply expires in the store (see
// idle.go), and nothing is announced. Whoever must act at that end (the gateway closing the
// session's websockets) asks the store how long the key has left and looks again then,
// without counting as a use of the session.

// errNoTimeLeft is TimeLeft over a store that cannot say how long a session has left.
var errNoTimeLeft = errors.New("session: the store cannot say how long a session has left")

// timeLefter is implemented by the stores that can say how long a session's key has left.
type timeLefter interface {
	timeLeft(ctx context.Context, id string) (time.Duration, error)
}

// IdleTimeout returns ManagerOptions.IdleTimeout: 0 when sessions do not end when idle.
func (m *Manager) IdleTimeout() time.Duration { return m.idle }

// TimeLeft reports how long the session id has left in the store unless it is used again:
// until its idle end (ManagerOptions.IdleTimeout) or, when sooner or without one, its
// lifetime. It reads the store and does not count as a use. A session that has ended is
// ErrNotFound; a store failure, or a store that cannot say (not a MemoryStore or a
// RedisStore), is another error.
func (m *Manager) TimeLeft(ctx context.Context, id string) (time.Duration, error) {
	if !validID(id) {
		return 0, fmt.Errorf("session: time left: malformed id: %w", ErrNotFound)
	}
	tl, ok := m.store.(timeLefter)
	if !ok {
		return 0, errNoTimeLeft
	}
	d, err := tl.timeLeft(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("session: time left: %w", err)
	}
	return d, err
}

// timeLeft implements timeLefter.
func (m *MemoryStore) timeLeft(_ context.Context, id string) (time.Duration, error) {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.entries[id]
	if !ok || !now.Before(e.expires) {
		return 0, ErrNotFound
	}
	return e.expires.Sub(now), nil
}

// timeLeft implements timeLefter: PTTL of the session key.
func (r *RedisStore) timeLeft(ctx context.Context, id string) (time.Duration, error) {
	d, err := r.client.PTTL(ctx, r.sessionKey(id)).Result()
	switch {
	case err != nil:
		return 0, r.failed(fmt.Errorf("session: redis pttl: %w", err))
	case d == -2: // go-redis passes PTTL's -2 (no such key) and -1 (no expiry) on as they are
		return 0, ErrNotFound
	case d < 0:
		return 0, errors.New("session: redis: session key without expiry")
	}
	return d, nil
}

// Alive reports whether the session t refers to still holds, reading the store (never the
// cache) without counting as a use: nil when it does, ErrNotFound (possibly wrapped) when it
// has ended or been revoked, another error when the store cannot say.
func (m *Manager) Alive(ctx context.Context, t Ticket) error {
	_, err := m.read(ctx, t, false)
	return err
}
