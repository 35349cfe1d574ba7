package session

import (
	"sync/atomic"
	"time"
)

// pendingSet is the revocations a Revoker has queued and not yet applied to
// the store, for the Manager to refuse the sessions they cover on every load.
// Readers pay one atomic load while it is empty; a change replaces the whole
// map (changes are rare, reads are every request).
type pendingSet struct {
	p atomic.Pointer[map[string]time.Time] // user id → latest revocation time; nil when empty
	// revoker is the Revoker over the Manager, whose journal must be replayed
	// before the Manager answers for any session.
	revoker atomic.Pointer[Revoker]
}

// replayed makes sure the Revoker's journal has been replayed (Ready): until
// it has, the Manager cannot know which sessions are revoked and answers
// none.
func (ps *pendingSet) replayed() error {
	if r := ps.revoker.Load(); r != nil {
		return r.Ready()
	}
	return nil
}

// covers reports whether a pending revocation of userID ends a session
// created at created: one made at or after created.
func (ps *pendingSet) covers(userID string, created time.Time) bool {
	m := ps.p.Load()
	if m == nil {
		return false
	}
	at, ok := (*m)[userID]
	return ok && !created.After(at)
}

// set replaces the set with m (nil or empty: nothing pending).
func (ps *pendingSet) set(m map[string]time.Time) {
	if len(m) == 0 {
		ps.p.Store(nil)
		return
	}
	ps.p.Store(&m)
}
