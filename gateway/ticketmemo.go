package gateway

import (
	"strings"
	"sync"
	"time"

	"github.com/kakaogate/kakaogate/session"
)

// Opening the session cookie (securecookie's HMAC check, AES-CTR and base64) is the largest
// part of the gateway's own work on an authenticated request, and a browser sends the same
// cookie with every request. The ticket memo remembers, for a minute, what a cookie value
// that opened correctly opened to: the same value then yields the same ticket without the
// crypto. Only values that opened are kept, so a stranger cannot fill the memo with junk;
// it is bounded, and the store still checks every session on every request (expiry,
// revocation, logout), so the one minute a memo entry may outlive the cookie's own max-age
// never outlives the session.
const (
	memoTTL     = time.Minute
	memoEntries = 8192
)

// ticketMemo maps recently opened session-cookie values to their tickets.
type ticketMemo struct {
	mu      sync.RWMutex
	entries map[string]memoEntry
}

type memoEntry struct {
	ticket session.Ticket
	until  time.Time
}

func newTicketMemo() *ticketMemo {
	return &ticketMemo{entries: make(map[string]memoEntry)}
}

// get returns the ticket cookie value v opened to, if it was opened within memoTTL of now.
func (m *ticketMemo) get(v string, now time.Time) (session.Ticket, bool) {
	m.mu.RLock()
	e, ok := m.entries[v]
	m.mu.RUnlock()
	if !ok || now.After(e.until) {
		return session.Ticket{}, false
	}
	return e.ticket, true
}

// put remembers that v opened to t. When the memo is full, the expired entries go, or when
// none has, an arbitrary half.
func (m *ticketMemo) put(v string, t session.Ticket, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) >= memoEntries {
		for k, e := range m.entries {
			if now.After(e.until) {
				delete(m.entries, k)
			}
		}
		for k := range m.entries {
			if len(m.entries) < memoEntries/2 {
				break
			}
			delete(m.entries, k)
		}
	}
	// A copy: v is a piece of the request's Cookie header, which it would keep alive.
	m.entries[strings.Clone(v)] = memoEntry{ticket: t, until: now.Add(memoTTL)}
}
