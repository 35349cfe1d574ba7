package session

import (
	"strings"
	"sync/atomic"
)

// Change is one announcement a watcher (Manager.Watch) hears. Exactly one of its fields is
// set, or neither:
//
//   - SessionID: that session changed or ended (Save after a refresh, Delete on logout,
//     expiry or eviction in a MemoryStore); whether it still exists only the store can say;
//   - UserID: every session of that user ended (DeleteUser: unlink, its webhook, admin
//     revocation);
//   - neither: everything heard so far must be forgotten, because announcements may have
//     been lost (the subscription failed or was made again, a Redis command failed).
type Change struct {
	SessionID string
	UserID    string
}

// Forget reports whether c says that announcements may have been lost.
func (c Change) Forget() bool { return c.SessionID == "" && c.UserID == "" }

// Watch makes f hear, from now on, every Change announced on this instance and, for a
// RedisStore with its cache, on every other instance (over Redis pub/sub). f is called from
// the store's own goroutines, possibly while the store is locked (a MemoryStore): it must
// return quickly and must not call the Manager.
//
// It returns complete, which reports whether announcements are complete right now, and
// stop, after which f hears nothing more and is no longer referenced (call it when the
// watcher goes, e.g. on a configuration reload). ok is false when the store announces
// nothing (a RedisStore without its cache).
func (m *Manager) Watch(f func(Change)) (complete func() bool, stop func(), ok bool) {
	inv := m.store.Invalidations()
	if inv == nil {
		return nil, func() {}, false
	}
	var watcher atomic.Pointer[func(Change)]
	watcher.Store(&f)
	inv.listen(func(msg string) {
		fp := watcher.Load()
		if fp == nil {
			return
		}
		switch {
		case strings.HasPrefix(msg, invalidateUser) && len(msg) > len(invalidateUser):
			(*fp)(Change{UserID: msg[len(invalidateUser):]})
		case strings.HasPrefix(msg, invalidateSession) && len(msg) > len(invalidateSession):
			(*fp)(Change{SessionID: msg[len(invalidateSession):]})
		default:
			(*fp)(Change{})
		}
	})
	return inv.complete, func() { watcher.Store(nil) }, true
}

// WatchUsers makes f hear, from now on, the id of every user whose sessions were all ended
// (DeleteUser: unlink, its webhook, admin revocation), on this instance and, for a RedisStore
// with its cache, on every other instance; and "" whenever everything heard so far must be
// forgotten (the subscription failed or was made again, so announcements may have been lost).
// Caches of answers about users (the gateway's bearer-token cache) drop what f is told.
// It is Watch without the announcements of single sessions.
//
// It returns complete, which reports whether announcements are complete right now (a cache
// may serve only while it reports true), and stop, after which f hears nothing more and is
// no longer referenced (call it when the cache goes, e.g. on a configuration reload). ok is
// false when the store announces nothing (a RedisStore without its cache): nothing about a
// user may then be cached across requests.
func (m *Manager) WatchUsers(f func(userID string)) (complete func() bool, stop func(), ok bool) {
	return m.Watch(func(c Change) {
		if c.SessionID == "" {
			f(c.UserID) // a user, or "" to forget everything
		}
	})
}
