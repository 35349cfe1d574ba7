package session

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// ErrRevokeQueueFull is part of the error Revoke returns (and hands to
// RevokerOptions.OnError) when the store failed and the retry queue already
// holds RevokerOptions.MaxQueued users: that revocation is dropped.
var ErrRevokeQueueFull = errors.New("session: revocation retry queue full")

// ErrRevokerClosed is part of the error handed to RevokerOptions.OnError for
// every revocation still queued when Close is called, and of the error Revoke
// returns when the store fails after Close: those revocations are dropped.
var ErrRevokerClosed = errors.New("session: revoker closed")

// RevokerOptions configure a Revoker. Zero values take the defaults.
type RevokerOptions struct {
	// MaxQueued bounds the users waiting for a retry; default 10000. A
	// revocation that fails when the queue is full is dropped, reported to
	// OnError and returned as an error wrapping ErrRevokeQueueFull.
	MaxQueued int
	// RetryMin and RetryMax bound the pause between retry rounds; defaults 1s
	// and 30s (at least 10ms each). The pause starts at RetryMin, doubles
	// after each failed round up to RetryMax, and goes back to RetryMin after
	// a success. Each pause is shortened by a random part of up to a quarter,
	// so instances that queued during one outage do not retry in step.
	RetryMin, RetryMax time.Duration
	// AttemptTimeout bounds each attempt, the synchronous one in Revoke (with
	// the caller's context) and each retry; default 5s.
	AttemptTimeout time.Duration
	// OnError, if set, is called for every failed retry (at most once per
	// round: a round stops at its first failure), and for every revocation
	// dropped (queue full, Revoker closed), with the user and an error that
	// says why. It is where the gateway logs. It runs on the Revoker's
	// goroutine or the caller's, must not block for long, and may be called
	// concurrently.
	OnError func(userID string, err error)
	// OnRetrySuccess, if set, is called when a retry has ended the user's n
	// sessions, under the same conditions as OnError.
	OnRetrySuccess func(userID string, n int)
}

// Revoker defaults, taken by zero RevokerOptions fields.
const (
	// DefaultRevokeMaxQueued is RevokerOptions.MaxQueued when unset.
	DefaultRevokeMaxQueued = 10000
	// DefaultRevokeRetryMin is RevokerOptions.RetryMin when unset.
	DefaultRevokeRetryMin = time.Second
	// DefaultRevokeRetryMax is RevokerOptions.RetryMax when unset.
	DefaultRevokeRetryMax = 30 * time.Second
	// DefaultRevokeAttemptTimeout is RevokerOptions.AttemptTimeout when unset.
	DefaultRevokeAttemptTimeout = 5 * time.Second

	minRevokeRetry = 10 * time.Millisecond // floor of RetryMin and RetryMax
)

// Revoker ends every session of a user now (Manager.DeleteUser), or, if the
// store fails, queues the user in memory and retries with backoff until it
// succeeds. It is for the unlink webhook (Kakao never resends one) and admin
// revocations.
//
// The queue holds each user once, oldest first; a user whose revocation keeps
// failing moves to the back, so it does not hold up the others. It lives in
// this process only: a queued revocation is lost if the process exits, and
// reported to OnError if the Revoker is closed. A retry ends every session
// the user has at that moment, including any created after the revocation was
// asked for.
//
// The retry goroutine starts with the first queued user and runs until Close;
// it sleeps while the queue is empty. A Revoker is safe for concurrent use.
type Revoker struct {
	m    *Manager
	opts RevokerOptions

	ctx    context.Context // canceled by Close; the parent of every retry
	cancel context.CancelFunc
	wake   chan struct{} // a user was queued
	done   chan struct{} // closed when the retry goroutine has exited

	mu      sync.Mutex
	queue   *list.List               // of *revokeEntry, next retry first
	byUser  map[string]*list.Element // the queue, by user
	started bool                     // the retry goroutine runs
	closed  bool

	closeOnce sync.Once
}

type revokeEntry struct {
	userID   string
	failures int // failed attempts, including the synchronous one
}

// NewRevoker returns a Revoker ending sessions through m. It panics if m is
// nil. Call Close when done with it.
func NewRevoker(m *Manager, opts RevokerOptions) *Revoker {
	if m == nil {
		panic("session: NewRevoker: nil manager")
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultRevokeMaxQueued
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = DefaultRevokeRetryMin
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = DefaultRevokeRetryMax
	}
	opts.RetryMin = max(opts.RetryMin, minRevokeRetry)
	opts.RetryMax = max(opts.RetryMax, opts.RetryMin)
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = DefaultRevokeAttemptTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Revoker{
		m:      m,
		opts:   opts,
		ctx:    ctx,
		cancel: cancel,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		queue:  list.New(),
		byUser: make(map[string]*list.Element),
	}
}

// Revoke ends every session of userID. It tries once, bounded by ctx and
// AttemptTimeout: on success it returns the number of sessions ended (and
// drops any queued retry for the user, now done). On failure it queues the
// user for retries (once, however often Revoke is called for them) and
// returns queued=true with the store error, which the caller should log: the
// sessions are still valid until a retry succeeds. A failure that cannot be
// queued (queue full, Revoker closed) returns queued=false and an error
// wrapping the store error and ErrRevokeQueueFull or ErrRevokerClosed, and is
// also reported to OnError.
func (r *Revoker) Revoke(ctx context.Context, userID string) (ended int, queued bool, err error) {
	if userID == "" {
		return 0, false, errors.New("session: revoke: empty user id")
	}
	n, err := r.attempt(ctx, userID)
	if err == nil {
		r.mu.Lock()
		if el, ok := r.byUser[userID]; ok {
			r.removeLocked(el)
		}
		r.mu.Unlock()
		return n, false, nil
	}
	err = fmt.Errorf("session: revoke: %w", err)

	var dropped error
	r.mu.Lock()
	switch _, ok := r.byUser[userID]; {
	case r.closed:
		dropped = ErrRevokerClosed
	case ok:
		r.mu.Unlock()
		return 0, true, err
	case r.queue.Len() >= r.opts.MaxQueued:
		dropped = fmt.Errorf("%w (%d users): revocation dropped", ErrRevokeQueueFull, r.opts.MaxQueued)
	default:
		r.byUser[userID] = r.queue.PushBack(&revokeEntry{userID: userID, failures: 1})
		if !r.started {
			r.started = true
			go r.run()
		}
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
		return 0, true, err
	}
	r.mu.Unlock()
	err = fmt.Errorf("%w; not queued: %w", err, dropped)
	r.onError(userID, err)
	return 0, false, err
}

// Pending returns the number of users waiting for a retry.
func (r *Revoker) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queue.Len()
}

// Close stops the retry goroutine, cancelling a retry in flight, and waits
// for it to exit. Every revocation still queued is dropped and reported to
// OnError with an error wrapping ErrRevokerClosed. Revoke keeps working
// afterwards but no longer queues. Close is safe to call more than once.
func (r *Revoker) Close() {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		started := r.started
		r.mu.Unlock()
		r.cancel()
		if started {
			<-r.done
		}
		r.mu.Lock()
		var users []string
		for el := r.queue.Front(); el != nil; el = el.Next() {
			users = append(users, el.Value.(*revokeEntry).userID)
		}
		r.queue.Init()
		clear(r.byUser)
		r.mu.Unlock()
		for _, u := range users {
			r.onError(u, fmt.Errorf("session: revoke: %w with the revocation still queued: dropped", ErrRevokerClosed))
		}
	})
}

// attempt runs DeleteUser once, bounded by ctx and AttemptTimeout.
func (r *Revoker) attempt(ctx context.Context, userID string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.AttemptTimeout)
	defer cancel()
	return r.m.DeleteUser(ctx, userID)
}

// run is the retry goroutine: it sleeps while the queue is empty, and
// otherwise runs a retry round after each backoff pause.
func (r *Revoker) run() {
	defer close(r.done)
	pause := r.opts.RetryMin
	for {
		if r.Pending() == 0 {
			pause = r.opts.RetryMin
			select {
			case <-r.ctx.Done():
				return
			case <-r.wake:
			}
			continue
		}
		timer := time.NewTimer(jitter(pause))
		select {
		case <-r.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if r.round() {
			pause = r.opts.RetryMin
		} else {
			pause = min(2*pause, r.opts.RetryMax)
		}
	}
}

// round retries the queued users in order until the queue is empty (true) or
// one fails (false): a failure most likely means the store is still down, so
// the rest wait for the next round. The failed user moves to the back.
func (r *Revoker) round() bool {
	for r.ctx.Err() == nil {
		r.mu.Lock()
		el := r.queue.Front()
		if el == nil {
			r.mu.Unlock()
			return true
		}
		e := el.Value.(*revokeEntry)
		r.mu.Unlock()

		n, err := r.attempt(r.ctx, e.userID)
		if r.ctx.Err() != nil {
			return false // closed meanwhile: Close reports the user
		}

		r.mu.Lock()
		current := r.byUser[e.userID] == el // not removed by a successful Revoke meanwhile
		switch {
		case err == nil && current:
			r.removeLocked(el)
		case err != nil && current:
			e.failures++
			r.queue.MoveToBack(el)
		}
		failures := e.failures
		r.mu.Unlock()

		switch {
		case err != nil && current:
			r.onError(e.userID, fmt.Errorf("session: revoke: attempt %d failed, will retry: %w", failures, err))
			return false
		case err != nil:
			return false // the user was revoked meanwhile, but the store seems to be failing
		case current && r.opts.OnRetrySuccess != nil:
			r.opts.OnRetrySuccess(e.userID, n)
		}
	}
	return false
}

func (r *Revoker) removeLocked(el *list.Element) {
	delete(r.byUser, el.Value.(*revokeEntry).userID)
	r.queue.Remove(el)
}

func (r *Revoker) onError(userID string, err error) {
	if r.opts.OnError != nil {
		r.opts.OnError(userID, err)
	}
}

// jitter returns d less a random part of up to a quarter of it.
func jitter(d time.Duration) time.Duration {
	return d - rand.N(d/4+1)
}
