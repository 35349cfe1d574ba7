package session

import (
	"strings"
	"sync/atomic"
)

// WatchUsers makes f hear, from now on, the id of every user whose sessions were all ended
// (DeleteUser: unlink, its webhook, admin revocation), on this instance and, for a RedisStore
// with its cache, on every other instance; and "" whenever everything heard so far must be
// forgotten (the subscription failed or was made again, so announcements may have been lost).
// Caches of answers about users (the gateway's bearer-token cache) drop what f is told.
//
// It returns complete, which reports whether announcements are complete right now (a cache
// may serve only while it reports true), and stop, after which f hears nothing more and is
// no longer referenced (call it when the cache goes, e.g. on a configuration reload). ok is
// false when the store announces nothing (a RedisStore without its cache): nothing about a
// user may then be cached across requests.
func (m *Manager) WatchUsers(f func(userID string)) (complete func() bool, stop func(), ok bool) {
	inv := m.store.Invalidations()
	if inv == nil {
		return nil, func() {}, false
	}
	var watcher atomic.Pointer[func(string)]
	watcher.Store(&f)
	inv.listen(func(msg string) {
		fp := watcher.Load()
		if fp == nil {
			return
		}
		switch {
		case strings.HasPrefix(msg, invalidateUser):
			(*fp)(msg[len(invalidateUser):])
		case strings.HasPrefix(msg, invalidateSession):
			// One session changed or ended: not a revocation of the user.
		default:
			(*fp)("")
		}
	})
	return inv.complete, func() { watcher.Store(nil) }, true
}
