package session

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// DeleteUserBefore ends every session of userID created at or before before
// (read from each blob's header; a blob without a creation time counts as
// before) and reports how many there were. A queued revocation uses it, so
// that a login after the revocation stays.
func (m *MemoryStore) DeleteUserBefore(_ context.Context, userID string, before time.Time) (int, error) {
	if userID == "" {
		return 0, errors.New("session: empty user id")
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id := range m.byUser[userID] {
		e, ok := m.entries[id]
		if ok && createdAfter(e.blob, before) {
			continue
		}
		if ok {
			if now.Before(e.expires) {
				n++
			}
			m.removeLocked(e)
		}
		delete(m.byUser[userID], id)
	}
	if len(m.byUser[userID]) == 0 {
		delete(m.byUser, userID)
	}
	m.inv.announce(invalidateUser + userID)
	return n, nil
}

// DeleteUserBefore ends every session of userID created at or before before
// and reports how many there were. It lists the user index (see indexed), reads the header of each session's blob
// (GETRANGE of its first bytes, one pipeline), then deletes the session keys
// of those created until before (or without a creation time) and removes them,
// and the ids whose key is gone, from the index, in a second pipeline. A
// session's creation time never changes, so nothing can slip between the two.
func (r *RedisStore) DeleteUserBefore(ctx context.Context, userID string, before time.Time) (int, error) {
	return r.endIndexed(ctx, userID, "delete user before", func(ids []string) ([]string, error) {
		heads := make([]*redis.StringCmd, len(ids))
		if _, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				heads[i] = p.GetRange(ctx, r.sessionKey(id), 0, sealHeaderLen-1)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		var gone []string
		for i, h := range heads {
			if !createdAfter([]byte(h.Val()), before) {
				gone = append(gone, ids[i])
			}
		}
		return gone, nil
	})
}
