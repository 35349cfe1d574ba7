package session

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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
	// RetryInterval is the pause between retry rounds while revocations are
	// queued; default 1s, at least 10ms. It does not grow while the store
	// keeps failing: other instances serve a revoked session until a retry
	// ends it in the store, so the first retry after the store returns comes
	// within RetryInterval. Each pause is shortened by a random part of up to
	// a quarter, so instances that queued during one outage do not retry in
	// step.
	RetryInterval time.Duration
	// AttemptTimeout bounds each attempt, the synchronous one in Revoke (with
	// the caller's context) and each retry; default 5s.
	AttemptTimeout time.Duration
	// OnError, if set, is called for the failed attempts 1, 2, 4, 8, … of
	// each queued user (a round stops at its first failure, and the attempts
	// come every RetryInterval while the store is down, so the reports thin
	// out), and for every revocation dropped (queue full, Revoker closed),
	// with the user and an error that says why. It is where the gateway logs. It runs on the Revoker's
	// goroutine or the caller's, must not block for long, and may be called
	// concurrently.
	OnError func(userID string, err error)
	// OnRetrySuccess, if set, is called when a retry has completed the user's
	// revocation, with the n sessions its attempts ended (a failed attempt may
	// have ended some), under the same conditions as OnError.
	OnRetrySuccess func(userID string, n int)
	// Journal, if set, makes the queue durable: a revocation is queued only
	// once it is written and fsynced there (otherwise Revoke fails with an
	// error wrapping ErrJournal), the file is replayed by Ready, and compacted
	// as queued revocations are applied. Without it the queue lives in memory
	// and is lost when the process exits. The Revoker does not close it.
	Journal *Journal
	// OnSkippedEntry, if set, is told of every journal line Ready skipped
	// (corrupt, or of another store), with the file and line number.
	OnSkippedEntry func(path string, line int, err error)
}

// Revoker defaults, taken by zero RevokerOptions fields.
const (
	// DefaultRevokeMaxQueued is RevokerOptions.MaxQueued when unset.
	DefaultRevokeMaxQueued = 10000
	// DefaultRevokeRetryInterval is RevokerOptions.RetryInterval when unset.
	DefaultRevokeRetryInterval = time.Second
	// DefaultRevokeAttemptTimeout is RevokerOptions.AttemptTimeout when unset.
	DefaultRevokeAttemptTimeout = 5 * time.Second

	minRevokeRetry = 10 * time.Millisecond // floor of RetryInterval
)

// Revoker ends every session of a user now (Manager.DeleteUser), or, if the
// store fails, queues the revocation and retries every RetryInterval until it
// succeeds. It is for the unlink webhook (Kakao never resends one) and admin
// revocations.
//
// While a revocation is queued, the Manager refuses (ErrNotFound) every
// session of the user created at or before it, from memory and at once, also
// in the moment the store comes back and before the retry ran. A retry ends
// only those sessions (Manager.DeleteUserBefore): a login after the
// revocation stays.
//
// The queue holds each user once, oldest first; a user whose revocation keeps
// failing moves to the back, so it does not hold up the others. With
// RevokerOptions.Journal the queue is on disk too: it survives the process,
// and Ready replays it. Without it, a queued revocation is lost if the process
// exits, and reported to OnError if the Revoker is closed.
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

	// jmu orders journal writes: an Append and its queueing, against a
	// compaction's snapshot of the queue and its rewrite. Taken before mu.
	jmu   sync.Mutex
	ready atomic.Bool // Ready succeeded: the journal is open and replayed

	closeOnce sync.Once
}

type revokeEntry struct {
	userID   string
	at       time.Time // the latest revocation queued for the user
	failures int       // failed attempts, including the synchronous one
	ended    int       // sessions its attempts ended, failed ones included
}

// NewRevoker returns a Revoker ending sessions through m, and makes m refuse
// the sessions its queued revocations cover (m replays the journal, Ready,
// before it answers for a session). Use one Revoker per Manager. It panics if
// m is nil. Call Close when done with it.
func NewRevoker(m *Manager, opts RevokerOptions) *Revoker {
	if m == nil {
		panic("session: NewRevoker: nil manager")
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultRevokeMaxQueued
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRevokeRetryInterval
	}
	opts.RetryInterval = max(opts.RetryInterval, minRevokeRetry)
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = DefaultRevokeAttemptTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Revoker{
		m:      m,
		opts:   opts,
		ctx:    ctx,
		cancel: cancel,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		queue:  list.New(),
		byUser: make(map[string]*list.Element),
	}
	m.pending.revoker.Store(r)
	return r
}

// Revoke ends every session of userID. It tries once, bounded by ctx and
// AttemptTimeout: on success it returns the number of sessions ended (and
// drops any queued retry the attempt covered). On failure it queues the
// revocation (written to the Journal first, if there is one) and returns
// queued=true with the store error, which the caller should log: from then
// on the Manager refuses the user's sessions created until now, and a retry
// ends them in the store. A failure that cannot be queued (queue full,
// Revoker closed, journal write failed) returns queued=false and an error
// wrapping the store error and ErrRevokeQueueFull, ErrRevokerClosed or
// ErrJournal, and is also reported to OnError: the revocation did not happen
// and must not be acknowledged.
func (r *Revoker) Revoke(ctx context.Context, userID string) (ended int, queued bool, err error) {
	if userID == "" {
		return 0, false, errors.New("session: revoke: empty user id")
	}
	if err := r.Ready(); err != nil {
		r.onError(userID, err)
		return 0, false, fmt.Errorf("session: revoke: %w", err)
	}
	at := r.m.now().UTC().Round(0)
	n, err := r.attempt(ctx, userID)
	if err == nil {
		r.applied(userID, at)
		return n, false, nil
	}
	err = fmt.Errorf("session: revoke: %w", err)
	if dropped := r.enqueue(userID, at); dropped != nil {
		err = fmt.Errorf("%w; not queued: %w", err, dropped)
		r.onError(userID, err)
		return 0, false, err
	}
	return 0, true, err
}

// enqueue queues the revocation of userID at at, journaled first, and wakes
// the retry goroutine. It returns why it could not.
func (r *Revoker) enqueue(userID string, at time.Time) error {
	r.jmu.Lock()
	defer r.jmu.Unlock()
	r.mu.Lock()
	_, known := r.byUser[userID]
	switch {
	case r.closed:
		r.mu.Unlock()
		return ErrRevokerClosed
	case !known && r.queue.Len() >= r.opts.MaxQueued:
		r.mu.Unlock()
		return fmt.Errorf("%w (%d users): revocation dropped", ErrRevokeQueueFull, r.opts.MaxQueued)
	}
	r.mu.Unlock()
	if r.opts.Journal != nil {
		if err := r.opts.Journal.Append(userID, at); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.queueLocked(userID, at, 1)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

// queueLocked queues userID's revocation at at, or moves the user's queued
// one to at if later, starts the retry goroutine, and republishes the
// revocations the Manager refuses.
func (r *Revoker) queueLocked(userID string, at time.Time, failures int) {
	if el, ok := r.byUser[userID]; ok {
		if e := el.Value.(*revokeEntry); at.After(e.at) {
			e.at = at
		}
	} else {
		r.byUser[userID] = r.queue.PushBack(&revokeEntry{userID: userID, at: at, failures: failures})
	}
	if !r.started {
		r.started = true
		go r.run()
	}
	r.publishLocked()
}

// Pending returns the number of users waiting for a retry.
func (r *Revoker) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queue.Len()
}

// Close stops the retry goroutine, cancelling a retry in flight, and waits
// for it to exit. With a Journal, the revocations still queued stay in it
// for the next Ready (of a Revoker in this process or the next); the Journal
// stays open (its owner closes it). Without one, they are dropped and reported to OnError
// with an error wrapping ErrRevokerClosed. Revoke keeps working afterwards
// but no longer queues. Close is safe to call more than once.
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
		r.publishLocked()
		r.mu.Unlock()
		if r.opts.Journal != nil {
			return // the queued revocations stay in the journal, which its owner closes
		}
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
// otherwise runs a retry round every RetryInterval.
func (r *Revoker) run() {
	defer close(r.done)
	for {
		if r.Pending() == 0 {
			select {
			case <-r.ctx.Done():
				return
			case <-r.wake:
			}
			continue
		}
		timer := time.NewTimer(jitter(r.opts.RetryInterval))
		select {
		case <-r.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		r.round()
	}
}

// round retries the queued users in order until the queue is empty or one
// fails: a failure most likely means the store is still down, so the rest
// wait for the next round. The failed user moves to the back.
func (r *Revoker) round() {
	for r.ctx.Err() == nil {
		r.mu.Lock()
		el := r.queue.Front()
		if el == nil {
			r.mu.Unlock()
			return
		}
		e := el.Value.(*revokeEntry)
		at := e.at
		r.mu.Unlock()

		n, err := r.attemptBefore(r.ctx, e.userID, at)
		if r.ctx.Err() != nil {
			return // closed meanwhile: Close reports the user
		}

		r.mu.Lock()
		current := r.byUser[e.userID] == el // not removed by a successful Revoke meanwhile
		if current {
			e.ended += n
		}
		ended, completed := e.ended, false
		switch {
		case err == nil && current && !e.at.After(at): // not revoked again meanwhile
			r.removeLocked(el)
			r.publishLocked()
			completed = true
		case err == nil && current:
			r.queue.MoveToBack(el) // the later revocation is applied in the next pass
		case err != nil && current:
			e.failures++
			r.queue.MoveToBack(el)
		}
		failures := e.failures
		r.mu.Unlock()
		if err == nil && current {
			r.compact(e.userID, at) // before it is reported done
		}

		switch {
		case err != nil && current:
			if failures&(failures-1) == 0 { // a power of two
				r.onError(e.userID, fmt.Errorf("session: revoke: attempt %d failed, will retry: %w", failures, err))
			}
			return
		case err != nil:
			return // the user was revoked meanwhile, but the store seems to be failing
		case completed && r.opts.OnRetrySuccess != nil:
			r.opts.OnRetrySuccess(e.userID, ended)
		}
	}
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
