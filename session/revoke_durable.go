package session

import (
	"context"
	"fmt"
	"time"
)

// errRevokedPending is what the Manager answers for a session a queued
// revocation covers.
var errRevokedPending = fmt.Errorf("session: load: revoked, not yet applied to the store: %w", ErrNotFound)

// Ready opens and replays the Journal, once: every revocation in it is queued
// (whatever MaxQueued says: none is dropped) and refused by the Manager from
// then on, and the retry goroutine starts applying them. Call it before the
// first request is served; it costs one atomic load once it has succeeded.
// On failure nothing is queued and the next call tries again; the caller
// must fail closed meanwhile (the revocations in the file are unknown).
// Without a Journal it does nothing.
func (r *Revoker) Ready() error {
	if r.ready.Load() {
		return nil
	}
	return r.replay()
}

// Durable reports whether the Revoker keeps its queue in a Journal.
func (r *Revoker) Durable() bool { return r.opts.Journal != nil }

func (r *Revoker) replay() error {
	r.jmu.Lock()
	defer r.jmu.Unlock()
	if r.ready.Load() {
		return nil
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if r.opts.Journal == nil || closed {
		r.ready.Store(true)
		return nil
	}
	j := r.opts.Journal
	entries, err := j.Open(func(line int, err error) {
		if r.opts.OnSkippedEntry != nil {
			r.opts.OnSkippedEntry(j.Path(), line, err)
		}
	})
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		r.mu.Lock()
		for _, e := range entries {
			r.queueLocked(e.UserID, e.At, 0)
		}
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	r.ready.Store(true)
	return nil
}

// applied notes that every session of userID created until at has ended (a
// successful DeleteUser): a queued revocation it covers is dropped.
func (r *Revoker) applied(userID string, at time.Time) {
	r.mu.Lock()
	el, ok := r.byUser[userID]
	covered := ok && !el.Value.(*revokeEntry).at.After(at)
	if covered {
		r.removeLocked(el)
		r.publishLocked()
	}
	r.mu.Unlock()
	if covered {
		r.compact(userID, at)
	}
}

// publishLocked hands the queued revocations to the Manager, which refuses
// the sessions they cover.
func (r *Revoker) publishLocked() {
	if r.queue.Len() == 0 {
		r.m.pending.set(nil)
		return
	}
	m := make(map[string]time.Time, r.queue.Len())
	for el := r.queue.Front(); el != nil; el = el.Next() {
		e := el.Value.(*revokeEntry)
		m[e.userID] = e.at
	}
	r.m.pending.set(m)
}

// compact drops from the journal the revocations of userID until at, now
// applied, and compacts it. A failure is reported to OnError and is
// harmless: the applied entry stays in the file, and replaying it ends only
// sessions created before it, none of which are left.
func (r *Revoker) compact(userID string, at time.Time) {
	if r.opts.Journal == nil {
		return
	}
	if err := r.opts.Journal.Applied(userID, at); err != nil {
		r.onError(userID, fmt.Errorf("session: revoke: applied, but compacting the journal failed: %w", err))
	}
}

// attemptBefore runs DeleteUserBefore once, bounded by ctx and AttemptTimeout.
func (r *Revoker) attemptBefore(ctx context.Context, userID string, at time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.AttemptTimeout)
	defer cancel()
	return r.m.DeleteUserBefore(ctx, userID, at)
}

// userBeforeDeleter is a Store that can end only the sessions of a user
// created until a time.
type userBeforeDeleter interface {
	DeleteUserBefore(ctx context.Context, userID string, before time.Time) (int, error)
}

// DeleteUserBefore ends every session of userID created at or before before,
// and reports how many there were; sessions created later stay. A store that
// cannot tell when a session was created ends them all, as DeleteUser.
func (m *Manager) DeleteUserBefore(ctx context.Context, userID string, before time.Time) (int, error) {
	d, ok := m.store.(userBeforeDeleter)
	if !ok {
		return m.DeleteUser(ctx, userID)
	}
	start := m.begin()
	n, err := d.DeleteUserBefore(ctx, userID, before)
	if err := m.observed(OpDeleteUser, start, err); err != nil {
		return n, fmt.Errorf("session: delete user: %w", err)
	}
	return n, nil
}
