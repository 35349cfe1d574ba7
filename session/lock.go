package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrLocked means the name is held by a lease granted elsewhere (another
// goroutine or another gateway instance) that has not expired. A refresh that
// meets it lets the holder do the work: it waits for the result
// (Manager.WaitUntil) or uses the still-valid token.
var ErrLocked = errors.New("session: locked")

// ErrNotHeld is returned by Lease.Release when the lease had already expired,
// so the name was free or taken by someone else; the other holder's lease is
// left alone. It tells the caller that its work may have overlapped with
// another holder's.
var ErrNotHeld = errors.New("session: lease no longer held")

// Locker grants exclusive, expiring leases on names: while a lease on a name
// is live, every other Acquire of that name fails with ErrLocked, whichever
// Locker instance sharing the same backing state it goes through. Leases are
// not reentrant: the holder's own second Acquire fails too. A lease ends when
// it is released or when its duration has passed, so a crashed holder never
// blocks a name for longer than its lease. Implementations: *RedisLocker
// (across gateway instances) and *MemoryLocker (one process).
//
// A lease is a promise about time, not a fence: choose a duration that
// outlives the work it protects (bound the work with Lease.Deadline), because
// once it expires another holder may start.
//
// One refresh per session across instances goes like this (in process, a
// singleflight group in front saves the round trips):
//
//	lease, err := locker.Acquire(ctx, "refresh:"+t.ID, 30*time.Second)
//	switch {
//	case errors.Is(err, ErrLocked): // someone else refreshes: wait for it
//		old := s.AccessExpiry
//		s, err = m.WaitUntil(ctx, t, 3*time.Second, func(n *Session) bool {
//			return n.AccessExpiry.After(old)
//		})
//	case err != nil: // store down: 503
//	default:
//		defer lease.Release(context.WithoutCancel(ctx))
//		s, err = m.Load(ctx, t) // again: a holder that just released may have refreshed it
//		// if still due: refresh under context.WithDeadline(ctx, lease.Deadline()), then m.Save
//	}
type Locker interface {
	// Acquire takes a lease on name for the given duration (> 0). It fails
	// with ErrLocked when the name is held elsewhere, and with another error
	// (never ErrLocked) when the lock's backing store fails or ctx ends.
	Acquire(ctx context.Context, name string, lease time.Duration) (*Lease, error)
}

// releaser is the part of a Locker a Lease calls back: it deletes name if it
// is still held under token, and reports whether it was.
type releaser interface {
	release(ctx context.Context, name, token string) (bool, error)
}

// Lease is a granted lock on a name. It is safe for concurrent use.
type Lease struct {
	name     string
	token    string
	deadline time.Time
	owner    releaser

	mu       sync.Mutex
	released bool
}

// Name returns the name the lease is on.
func (l *Lease) Name() string { return l.name }

// Deadline returns a time by which the work under the lease should be done:
// the start of Acquire plus the lease duration, on the local clock (a
// MemoryLocker's own clock). The lease does not expire before it (clock drift
// between hosts aside), so
// context.WithDeadline(ctx, lease.Deadline()) bounds a slow token call to the
// time the lock is surely ours.
func (l *Lease) Deadline() time.Time { return l.deadline }

// Release ends the lease if it is still ours: the name is deleted only when
// it still holds this lease's token (128 random bits in Redis), so releasing a lease that expired
// and was taken by another holder leaves that holder's lock in place (and
// returns ErrNotHeld). If the store cannot be reached Release returns that
// error, and may be called again; the lease otherwise ends by itself at its
// expiry. Once Release has returned nil or ErrNotHeld, later calls return
// nil. A nil *Lease releases nothing.
func (l *Lease) Release(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	held, err := l.owner.release(ctx, l.name, l.token)
	if err != nil {
		return fmt.Errorf("session: release lock: %w", err)
	}
	l.released = true
	if !held {
		return ErrNotHeld
	}
	return nil
}

// validateLock checks Acquire's arguments.
func validateLock(name string, lease time.Duration) error {
	switch {
	case name == "":
		return errors.New("session: lock: empty name")
	case lease <= 0:
		return fmt.Errorf("session: lock: non-positive lease %v", lease)
	}
	return nil
}
