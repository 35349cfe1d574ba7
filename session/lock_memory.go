package session

import (
	"container/heap"
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// maxMemoryLeases bounds the live leases a MemoryLocker holds.
const maxMemoryLeases = 1 << 16

// MemoryLocker is a Locker for a single process (with MemoryStore). It holds
// at most 65536 live leases: an Acquire beyond that fails with an error that
// is not ErrLocked. Expired leases are reclaimed on every Acquire and Release,
// oldest first, without a background goroutine. It is safe for concurrent use.
type MemoryLocker struct {
	now func() time.Time
	max int

	mu     sync.Mutex
	held   map[string]*memLease
	expiry expiryHeap[*memLease]
	seq    uint64 // last token issued
}

var _ Locker = (*MemoryLocker)(nil)

type memLease struct {
	name, token string
	expires     time.Time
	index       int // position in the expiry heap
}

// NewMemoryLocker returns a MemoryLocker judging expiry by now (nil means
// time.Now).
func NewMemoryLocker(now func() time.Time) *MemoryLocker {
	if now == nil {
		now = time.Now
	}
	return &MemoryLocker{now: now, max: maxMemoryLeases, held: make(map[string]*memLease)}
}

// Acquire implements Locker.
func (m *MemoryLocker) Acquire(ctx context.Context, name string, lease time.Duration) (*Lease, error) {
	if err := validateLock(name, lease); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("session: memory lock: %w", err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reclaimLocked(now)
	if _, ok := m.held[name]; ok {
		return nil, ErrLocked
	}
	if len(m.held) >= m.max {
		return nil, fmt.Errorf("session: memory lock: %d leases held, the most a MemoryLocker holds", len(m.held))
	}
	m.seq++
	e := &memLease{name: name, token: strconv.FormatUint(m.seq, 36), expires: now.Add(lease)}
	m.held[name] = e
	heap.Push(&m.expiry, e)
	return &Lease{name: name, token: e.token, deadline: e.expires, owner: m}, nil
}

func (m *MemoryLocker) release(_ context.Context, name, token string) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reclaimLocked(now)
	e, ok := m.held[name]
	if !ok || e.token != token {
		return false, nil
	}
	delete(m.held, name)
	heap.Remove(&m.expiry, e.index)
	return true, nil
}

// reclaimLocked drops every lease expired at now.
func (m *MemoryLocker) reclaimLocked(now time.Time) {
	for len(m.expiry) > 0 && !now.Before(m.expiry[0].expires) {
		e := heap.Pop(&m.expiry).(*memLease)
		delete(m.held, e.name)
	}
}

func (e *memLease) expiresAt() time.Time { return e.expires }
func (e *memLease) setIndex(i int)       { e.index = i }
