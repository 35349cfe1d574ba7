package session

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MemoryOptions configure a MemoryStore.
type MemoryOptions struct {
	// MaxSessions bounds the number of sessions held; default 100000. When a
	// new session arrives at a full store, expired sessions are dropped first,
	// then the session closest to expiry (it has the least life left to lose).
	MaxSessions int
	// JanitorInterval is how often a background goroutine drops expired
	// sessions; default one minute. Expiry is also checked on every Get.
	JanitorInterval time.Duration
	// Now is the clock expiry is judged by; default time.Now.
	Now func() time.Time
	// MaxPerUser bounds the sessions one user holds; default
	// DefaultMaxPerUser. A Put beyond it ends the user's oldest session (the
	// one stored first).
	MaxPerUser int
}

// DefaultMaxSessions is MemoryOptions.MaxSessions when unset.
const DefaultMaxSessions = 100000

// DefaultMaxPerUser is how many sessions one user may hold when
// MemoryOptions.MaxPerUser or RedisOptions.MaxPerUser is unset: more than a
// person uses (a phone, a laptop and a few browsers), few enough that a
// runaway script cannot pile up sessions in one index.
const DefaultMaxPerUser = 100

// MemoryStore is a bounded, expiring, in-process Store for a single machine.
// Sessions do not survive a restart. It is safe for concurrent use; call
// Close to stop its janitor goroutine.
type MemoryStore struct {
	max        int
	maxPerUser int
	now        func() time.Time
	seq        uint64 // counts Puts of new sessions: their order of arrival

	mu      sync.RWMutex
	entries map[string]*memEntry
	byUser  map[string]map[string]struct{}
	expiry  expiryHeap[*memEntry]
	// inv hears of every change and removal of an existing session.
	inv *Invalidations

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ Store = (*MemoryStore)(nil)

type memEntry struct {
	id, userID string
	blob       []byte
	expires    time.Time
	seq        uint64 // when it was stored: the smallest is the user's oldest
	index      int    // position in the expiry heap
}

// NewMemoryStore returns a MemoryStore and starts its janitor.
func NewMemoryStore(opts MemoryOptions) *MemoryStore {
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.JanitorInterval <= 0 {
		opts.JanitorInterval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxPerUser <= 0 {
		opts.MaxPerUser = DefaultMaxPerUser
	}
	m := &MemoryStore{
		max:        opts.MaxSessions,
		maxPerUser: opts.MaxPerUser,
		now:        opts.Now,
		entries:    make(map[string]*memEntry),
		byUser:     make(map[string]map[string]struct{}),
		inv:        newInvalidations(opts.MaxSessions, 0, nil),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go m.janitor(opts.JanitorInterval)
	return m
}

// Close stops the janitor and waits for it to exit. The store stays usable
// (expired sessions are then dropped only when read). Close is idempotent.
func (m *MemoryStore) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	<-m.done
	return nil
}

// Len returns the number of sessions held, including expired ones not yet
// dropped.
func (m *MemoryStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries)
}

func validateEntry(id, userID string, ttl time.Duration) error {
	switch {
	case id == "":
		return errors.New("session: empty session id")
	case userID == "":
		return errors.New("session: empty user id")
	case ttl <= 0:
		return fmt.Errorf("session: non-positive ttl %v", ttl)
	}
	return nil
}

// Put implements Store. It copies blob.
func (m *MemoryStore) Put(_ context.Context, id, userID string, blob []byte, ttl time.Duration) error {
	if err := validateEntry(id, userID, ttl); err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[id]; ok {
		m.update(e, userID, blob, now.Add(ttl))
		return nil
	}
	if len(m.entries) >= m.max {
		m.sweepLocked(now)
	}
	if len(m.entries) >= m.max {
		m.removeLocked(m.expiry[0])
	}
	m.seq++
	e := &memEntry{id: id, userID: userID, blob: clone(blob), expires: now.Add(ttl), seq: m.seq}
	m.entries[id] = e
	heap.Push(&m.expiry, e)
	m.indexLocked(userID, id)
	m.capUserLocked(userID)
	return nil
}

// capUserLocked ends the oldest sessions of userID while it holds more than
// maxPerUser. The scan is over one user's sessions, at most maxPerUser+1.
func (m *MemoryStore) capUserLocked(userID string) {
	for len(m.byUser[userID]) > m.maxPerUser {
		var oldest *memEntry
		for id := range m.byUser[userID] {
			if e, ok := m.entries[id]; ok && (oldest == nil || e.seq < oldest.seq) {
				oldest = e
			}
		}
		if oldest == nil {
			return
		}
		m.removeLocked(oldest)
	}
}

// Touch implements Store; an expired session counts as gone.
func (m *MemoryStore) Touch(_ context.Context, id string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("session: non-positive ttl %v", ttl)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[id]
	if !ok || !now.Before(e.expires) {
		return ErrNotFound
	}
	e.expires = now.Add(ttl)
	heap.Fix(&m.expiry, e.index)
	return nil
}

// Replace implements Store; an expired session counts as gone.
func (m *MemoryStore) Replace(_ context.Context, id, userID string, blob []byte, ttl time.Duration) error {
	if err := validateEntry(id, userID, ttl); err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[id]
	if !ok || !now.Before(e.expires) {
		return ErrNotFound
	}
	m.update(e, userID, blob, now.Add(ttl))
	return nil
}

func (m *MemoryStore) update(e *memEntry, userID string, blob []byte, expires time.Time) {
	if e.userID != userID {
		m.unindexLocked(e.userID, e.id)
		e.userID = userID
		m.indexLocked(userID, e.id)
	}
	e.blob = clone(blob)
	e.expires = expires
	heap.Fix(&m.expiry, e.index)
	m.inv.announce(invalidateSession + e.id)
}

// Get implements Store. The returned slice is a copy.
func (m *MemoryStore) Get(_ context.Context, id string) ([]byte, error) {
	now := m.now()
	m.mu.RLock()
	e, ok := m.entries[id]
	if ok && now.Before(e.expires) {
		b := clone(e.blob)
		m.mu.RUnlock()
		return b, nil
	}
	m.mu.RUnlock()
	if ok {
		m.mu.Lock()
		if e, ok := m.entries[id]; ok && !now.Before(e.expires) {
			m.removeLocked(e)
		}
		m.mu.Unlock()
	}
	return nil, ErrNotFound
}

// Delete implements Store. The session is removed from the index of the user
// it was stored for, whatever userID says.
func (m *MemoryStore) Delete(_ context.Context, id, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[id]; ok {
		m.removeLocked(e)
	}
	m.unindexLocked(userID, id)
	return nil
}

// DeleteUser implements Store. It counts the sessions that had not expired.
func (m *MemoryStore) DeleteUser(_ context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, errors.New("session: empty user id")
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id := range m.byUser[userID] {
		if e, ok := m.entries[id]; ok {
			if now.Before(e.expires) {
				n++
			}
			m.removeLocked(e)
		}
	}
	delete(m.byUser, userID)
	m.inv.announce(invalidateUser + userID) // for Manager.WatchUsers
	return n, nil
}

// Ping implements Store; a MemoryStore is always reachable.
func (m *MemoryStore) Ping(context.Context) error { return nil }

func (m *MemoryStore) janitor(every time.Duration) {
	defer close(m.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			now := m.now()
			m.mu.Lock()
			m.sweepLocked(now)
			m.mu.Unlock()
		}
	}
}

// sweepLocked drops every session expired at now.
func (m *MemoryStore) sweepLocked(now time.Time) {
	for len(m.expiry) > 0 && !now.Before(m.expiry[0].expires) {
		m.removeLocked(m.expiry[0])
	}
}

func (m *MemoryStore) removeLocked(e *memEntry) {
	delete(m.entries, e.id)
	heap.Remove(&m.expiry, e.index)
	m.unindexLocked(e.userID, e.id)
	m.inv.announce(invalidateSession + e.id)
}

func (m *MemoryStore) indexLocked(userID, id string) {
	ids := m.byUser[userID]
	if ids == nil {
		ids = make(map[string]struct{})
		m.byUser[userID] = ids
	}
	ids[id] = struct{}{}
}

func (m *MemoryStore) unindexLocked(userID, id string) {
	if ids, ok := m.byUser[userID]; ok {
		delete(ids, id)
		if len(ids) == 0 {
			delete(m.byUser, userID)
		}
	}
}

// Invalidations implements Store: every change and removal of a session
// (expiry and eviction included) is announced while the store is locked, and
// each Manager may cache as many sessions as the store holds, until then.
func (m *MemoryStore) Invalidations() *Invalidations { return m.inv }

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (e *memEntry) expiresAt() time.Time { return e.expires }
func (e *memEntry) setIndex(i int)       { e.index = i }
