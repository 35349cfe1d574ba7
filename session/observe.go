package session

import (
	"context"
	"errors"
	"time"
)

// Store operations as named to an Observer.
const (
	OpPut        = "put"
	OpReplace    = "replace"
	OpGet        = "get"
	OpDelete     = "delete"
	OpDeleteUser = "delete_user"
	OpPing       = "ping"
)

// Observer is told about every call to an observed Store: the operation (one of the Op*
// constants), how long it took and its error. ErrNotFound is reported as nil: a missing
// session is an answer, not a store failure. It must be fast and safe for concurrent use.
type Observer func(op string, took time.Duration, err error)

// Observe returns a Store that forwards every call to s and reports it to observe (for
// latency and error metrics). It keeps s's atomic Replace, so Manager.Save stays safe.
func Observe(s Store, observe Observer) Store {
	o := observedStore{s: s, observe: observe}
	r, replaces := s.(replacer)
	c, caches := s.(openedCache)
	switch {
	case replaces && caches:
		// Keep the opened-session cache visible to the Manager: hiding it would silently
		// turn the cache off.
		return observedCachingReplacer{observedReplacer{observedStore: o, r: r}, c}
	case replaces:
		return observedReplacer{observedStore: o, r: r}
	case caches:
		return observedCaching{o, c}
	}
	return o
}

// observedCachingReplacer is an observed store that replaces atomically and keeps opened
// sessions (cache hits are not store operations, so they are not reported).
type observedCachingReplacer struct {
	observedReplacer
	openedCache
}

// observedCaching is an observed store without Replace that keeps opened sessions.
type observedCaching struct {
	observedStore
	openedCache
}

// observedStore reports the calls of a Store without a Replace method.
type observedStore struct {
	s       Store
	observe Observer
}

func (o observedStore) report(op string, start time.Time, err error) {
	if errors.Is(err, ErrNotFound) {
		err = nil
	}
	o.observe(op, time.Since(start), err)
}

// Put implements Store.
func (o observedStore) Put(ctx context.Context, id, userID string, blob []byte, ttl time.Duration) error {
	start := time.Now()
	err := o.s.Put(ctx, id, userID, blob, ttl)
	o.report(OpPut, start, err)
	return err
}

// Get implements Store.
func (o observedStore) Get(ctx context.Context, id string) ([]byte, error) {
	start := time.Now()
	b, err := o.s.Get(ctx, id)
	o.report(OpGet, start, err)
	return b, err
}

// Delete implements Store.
func (o observedStore) Delete(ctx context.Context, id, userID string) error {
	start := time.Now()
	err := o.s.Delete(ctx, id, userID)
	o.report(OpDelete, start, err)
	return err
}

// DeleteUser implements Store.
func (o observedStore) DeleteUser(ctx context.Context, userID string) (int, error) {
	start := time.Now()
	n, err := o.s.DeleteUser(ctx, userID)
	o.report(OpDeleteUser, start, err)
	return n, err
}

// Ping implements Store.
func (o observedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := o.s.Ping(ctx)
	o.report(OpPing, start, err)
	return err
}

// observedReplacer is an observedStore over a Store with an atomic Replace.
type observedReplacer struct {
	observedStore
	r replacer
}

// Replace overwrites a session only if it still exists (see Manager.Save).
func (o observedReplacer) Replace(ctx context.Context, id, userID string, blob []byte, ttl time.Duration) error {
	start := time.Now()
	err := o.r.Replace(ctx, id, userID, blob, ttl)
	o.report(OpReplace, start, err)
	return err
}

// Unwrap returns the store an Observe wrapper reports on, or s itself when it is not one.
func Unwrap(s Store) Store {
	switch o := s.(type) {
	case observedStore:
		return o.s
	case observedReplacer:
		return o.s
	case observedCachingReplacer:
		return o.s
	case observedCaching:
		return o.s
	}
	return s
}
