package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Polling pauses of Manager.WaitUntil: the first, doubled after each load up
// to the last.
const (
	waitFirstPause = 10 * time.Millisecond
	waitMaxPause   = 200 * time.Millisecond
)

// WaitUntil loads the session t refers to (from the store, never a cache)
// until cond reports true for it, and returns that session. It serves the
// requests that meet ErrLocked while another request or gateway instance
// refreshes the session's tokens: they wait for the refreshed session
// instead of refreshing again, e.g.
//
//	s, err := m.WaitUntil(ctx, t, 3*time.Second, func(s *Session) bool {
//		return s.AccessExpiry.After(old.AccessExpiry)
//	})
//
// It loads at once, then again after pauses growing from 10ms to 200ms, for at
// most maxWait in all (maxWait <= 0: one load) and never past ctx's end. It
// returns ErrNotFound (possibly wrapped) as soon as the session is gone
// (ended by a failed refresh, a logout, a revocation), a store error at once,
// ctx's error wrapped when ctx ends, and an error wrapping
// context.DeadlineExceeded when maxWait passes with cond still false.
func (m *Manager) WaitUntil(ctx context.Context, t Ticket, maxWait time.Duration, cond func(*Session) bool) (*Session, error) {
	if cond == nil {
		return nil, errors.New("session: wait: nil condition")
	}
	deadline := time.Now().Add(maxWait)
	pause := waitFirstPause
	for {
		s, err := m.LoadFresh(ctx, t)
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("session: wait: %w", err)
		}
		if cond(s) {
			return s, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("session: wait: condition not met within %v: %w", maxWait, context.DeadlineExceeded)
		}
		timer := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("session: wait: %w", ctx.Err())
		case <-timer.C:
		}
		pause = min(2*pause, waitMaxPause)
	}
}
