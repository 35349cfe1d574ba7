package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// An idle timeout (ManagerOptions.IdleTimeout) is kept by the store's own expiry: a session's
// key lives for the idle timeout (never past the session's end), and each use of the session
// pushes that out again with Store.Touch. So a session nobody uses ends by itself, on every
// instance at once, and the hot path writes nothing most of the time: each Manager touches a
// session at most once per RecordInterval, remembering when it last did.
//
// Neither the Manager's cache of opened sessions nor the gateway's ticket memo can outlive an
// idle end: a Load whose session this Manager has not touched within RecordInterval touches
// it (a missing key is ErrNotFound), and one it has touched within RecordInterval is alive,
// because that touch keeps it for the whole idle timeout, longer than RecordInterval.

// MinIdleTimeout is the shortest ManagerOptions.IdleTimeout.
const MinIdleTimeout = 10 * time.Second

// maxRecordInterval is the longest RecordInterval.
const maxRecordInterval = time.Minute

// maxUses bounds the sessions whose last recorded use a Manager remembers. Forgetting one
// only costs an early touch.
const maxUses = 1 << 16

// RecordInterval is how often, at most, a Manager with idle timeout idle records that a
// session is used: once a minute, or a quarter of idle when that is shorter. A session used
// within idle − RecordInterval(idle) is alive; one unused for idle has ended.
func RecordInterval(idle time.Duration) time.Duration {
	return min(maxRecordInterval, idle/4)
}

// useLog remembers when a Manager last recorded each session's use.
type useLog struct {
	every time.Duration

	mu   sync.RWMutex
	last map[string]int64 // session id → Unix nanoseconds of the last recorded use
}

func newUseLog(every time.Duration) *useLog {
	return &useLog{every: every, last: make(map[string]int64)}
}

// due reports whether a use of id at now must be recorded: this Manager has not recorded one
// within the interval. Requests of one session that arrive while its use is being recorded
// record it too (a few writes once per interval), rather than pass before it is known alive.
func (u *useLog) due(id string, now time.Time) bool {
	u.mu.RLock()
	t, ok := u.last[id]
	u.mu.RUnlock()
	return !ok || now.UnixNano()-t >= int64(u.every)
}

// set notes a use of id recorded at now.
func (u *useLog) set(id string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.setLocked(id, now.UnixNano())
}

func (u *useLog) setLocked(id string, n int64) {
	if _, ok := u.last[id]; !ok && len(u.last) >= maxUses {
		for k, t := range u.last {
			if n-t >= int64(u.every) {
				delete(u.last, k)
			}
		}
		for k := range u.last {
			if len(u.last) < maxUses/2 {
				break
			}
			delete(u.last, k)
		}
	}
	u.last[id] = n
}

// forget drops what is known of id, so its next use is recorded.
func (u *useLog) forget(id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.last, id)
}

// keepFor returns how long a session ending at expires is kept at now: the idle timeout, or
// its lifetime's rest when that is shorter; everything when there is no idle timeout.
func (m *Manager) keepFor(now, expires time.Time) time.Duration {
	left := expires.Sub(now)
	if m.uses != nil {
		return min(left, m.idle)
	}
	return left
}

// recordUse records a use of the session id (ending at expires) unless this Manager did so
// within RecordInterval. A session that is gone (idle too long, or ended) is ErrNotFound.
func (m *Manager) recordUse(ctx context.Context, id string, expires time.Time) error {
	now := m.now()
	if !m.uses.due(id, now) {
		return nil
	}
	ttl := m.keepFor(now, expires)
	if ttl <= 0 {
		return fmt.Errorf("session: load: expired: %w", ErrNotFound)
	}
	start := m.begin()
	err := m.store.Touch(ctx, id, ttl)
	m.observed(OpTouch, start, err)
	if err == nil {
		m.uses.set(id, now) // the time before the write: the store keeps it at least ttl from then
		return nil
	}
	m.uses.forget(id)
	if errors.Is(err, ErrNotFound) {
		if m.cache != nil {
			m.cache.drop(id)
		}
		return fmt.Errorf("session: load: idle or ended: %w", ErrNotFound)
	}
	return fmt.Errorf("session: record use: %w", err)
}
