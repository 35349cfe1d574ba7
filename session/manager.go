package session

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	// Lifetime is how long a session lives from Create; default 24 hours.
	// Refreshing tokens does not extend it. With a RedisStore, keep
	// RedisOptions.MaxLifetime at least this long.
	Lifetime time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Observer, if set, is told of every call to the store (for latency and
	// error metrics).
	Observer Observer
	// IdleTimeout, if set, ends a session nobody has used for this long; it
	// must be at least MinIdleTimeout and shorter than Lifetime. Uses are
	// recorded in the store at most once per RecordInterval(IdleTimeout) per
	// session and Manager, so a session ends between IdleTimeout −
	// RecordInterval and IdleTimeout after its last use. Default: off.
	IdleTimeout time.Duration
}

// DefaultLifetime is ManagerOptions.Lifetime when unset.
const DefaultLifetime = 24 * time.Hour

// Manager creates, loads, saves and deletes sessions. Each session is sealed
// with AES-256-GCM under its own random key (carried only in the Ticket), with
// the session id as additional data, so the store holds ciphertext only and a
// blob cannot be moved to another id. Unless the store's Invalidations are nil,
// it keeps the sessions it opened in memory, dropping each as the store
// announces its change or end. It is safe for concurrent use.
type Manager struct {
	store    Store
	lifetime time.Duration
	now      func() time.Time
	cache    *sessionCache // nil: every Load reads the store
	observer Observer
	pending  pendingSet // revocations queued by a Revoker, refused at once
	idle     time.Duration
	uses     *useLog // nil without an idle timeout
}

// Sealed blob layout: a version byte, the session's creation time (version 2,
// see sealtime.go), the GCM nonce, then the ciphertext and tag.
const (
	sealVersion1 byte = 1
	nonceLen          = 12
	sealOverhead      = 1 + nonceLen + 16
)

// NewManager returns a Manager over store.
func NewManager(store Store, opts ManagerOptions) (*Manager, error) {
	if store == nil {
		return nil, errors.New("session: nil store")
	}
	if opts.Lifetime < 0 {
		return nil, fmt.Errorf("session: negative lifetime %v", opts.Lifetime)
	}
	if opts.Lifetime == 0 {
		opts.Lifetime = DefaultLifetime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleTimeout != 0 && (opts.IdleTimeout < MinIdleTimeout || opts.IdleTimeout >= opts.Lifetime) {
		return nil, fmt.Errorf("session: idle timeout %v must be at least %v and shorter than the lifetime %v", opts.IdleTimeout, MinIdleTimeout, opts.Lifetime)
	}
	m := &Manager{store: store, lifetime: opts.Lifetime, now: opts.Now, observer: opts.Observer, idle: opts.IdleTimeout}
	if opts.IdleTimeout > 0 {
		m.uses = newUseLog(RecordInterval(opts.IdleTimeout))
	}
	if inv := store.Invalidations(); inv != nil {
		m.cache = newSessionCache(inv)
	}
	return m, nil
}

// Create stores s as a new session and returns its ticket. Every call draws a
// fresh random id and key (so a login never reuses a planted session), and
// sets s.ID, s.CreatedAt and s.ExpiresAt. s.UserID must be set.
func (m *Manager) Create(ctx context.Context, s *Session) (Ticket, error) {
	if s.UserID == "" {
		return Ticket{}, errors.New("session: create: empty user id")
	}
	id, err := newID()
	if err != nil {
		return Ticket{}, err
	}
	t := Ticket{ID: id}
	if _, err := rand.Read(t.Key[:]); err != nil {
		return Ticket{}, fmt.Errorf("session: random key: %w", err)
	}
	now := m.now().UTC().Round(0) // as Load will return it: UTC, no monotonic reading
	s.ID = id
	s.CreatedAt = now
	s.ExpiresAt = now.Add(m.lifetime)
	blob, err := seal(t, s)
	if err != nil {
		return Ticket{}, err
	}
	start := m.begin()
	err = m.store.Put(ctx, id, s.UserID, blob, m.keepFor(now, s.ExpiresAt))
	if err := m.observed(OpPut, start, err); err != nil {
		return Ticket{}, fmt.Errorf("session: create: %w", err)
	}
	if m.uses != nil {
		m.uses.set(id, now)
	}
	return t, nil
}

// Load returns the session t refers to. A malformed ticket, a missing or
// expired session, or one that does not decrypt under t.Key is ErrNotFound
// (possibly wrapped); a store failure is returned wrapped and is not
// ErrNotFound. With ManagerOptions.IdleTimeout, a session unused for that
// long is ErrNotFound too, and Load records the use in the store (Touch) when
// this Manager has not done so within RecordInterval.
//
// With the cache (a *MemoryStore; a *RedisStore with a cache) a session loaded
// recently comes from memory, without a store round trip. The caller may change the returned Session's fields, but its
// Claims and Scopes may be shared with the cache: replace them, never modify
// them in place.
func (m *Manager) Load(ctx context.Context, t Ticket) (*Session, error) {
	return m.load(ctx, t, true)
}

// LoadFresh is Load without the cache: it always reads the store. Use it
// where a change made by another gateway instance a moment ago must be seen,
// such as the check under the refresh lease.
func (m *Manager) LoadFresh(ctx context.Context, t Ticket) (*Session, error) {
	return m.load(ctx, t, false)
}

func (m *Manager) load(ctx context.Context, t Ticket, cached bool) (*Session, error) {
	s, err := m.read(ctx, t, cached)
	if err != nil || m.uses == nil {
		return s, err
	}
	if err := m.recordUse(ctx, t.ID, s.ExpiresAt); err != nil {
		return nil, err
	}
	return s, nil
}

// read returns the session t refers to, from the cache when cached allows.
func (m *Manager) read(ctx context.Context, t Ticket, cached bool) (*Session, error) {
	if !validID(t.ID) {
		return nil, fmt.Errorf("session: load: malformed id: %w", ErrNotFound)
	}
	if err := m.pending.replayed(); err != nil {
		return nil, fmt.Errorf("session: load: %w", err)
	}
	var token uint64
	keep := false
	if m.cache != nil && cached {
		if s, ok := m.cache.get(t.ID, t.Key); ok && m.now().Before(s.ExpiresAt) {
			if m.pending.covers(s.UserID, s.CreatedAt) {
				return nil, errRevokedPending
			}
			return shallowCopy(s), nil
		}
		token, keep = m.cache.token()
	}
	start := m.begin()
	blob, err := m.store.Get(ctx, t.ID)
	m.observed(OpGet, start, err)
	if errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("session: load: %w", err)
	}
	s, err := open(t, blob)
	if err != nil {
		return nil, fmt.Errorf("session: load: %w (%v)", ErrNotFound, err)
	}
	if !m.now().Before(s.ExpiresAt) {
		return nil, fmt.Errorf("session: load: expired: %w", ErrNotFound)
	}
	if m.pending.covers(s.UserID, s.CreatedAt) {
		return nil, errRevokedPending
	}
	if keep {
		m.cache.keep(t.ID, s.UserID, token, t.Key, s)
		return shallowCopy(s), nil
	}
	return s, nil
}

// Save stores s again under t (after a token refresh, say), sealed with a new
// nonce. It keeps s.CreatedAt and s.ExpiresAt, using the time left as the TTL
// (or the idle timeout, when shorter: a save is a use).
// A session past ExpiresAt, or one deleted meanwhile (logout, revocation), is
// ErrNotFound and is not brought back: the store checks and writes atomically
// (Store.Replace).
func (m *Manager) Save(ctx context.Context, t Ticket, s *Session) error {
	if !validID(t.ID) {
		return fmt.Errorf("session: save: malformed id: %w", ErrNotFound)
	}
	if s.ID != "" && s.ID != t.ID {
		return errors.New("session: save: session id does not match the ticket")
	}
	if s.UserID == "" {
		return errors.New("session: save: empty user id")
	}
	now := m.now()
	ttl := m.keepFor(now, s.ExpiresAt)
	if ttl <= 0 {
		return fmt.Errorf("session: save: expired: %w", ErrNotFound)
	}
	s.ID = t.ID
	blob, err := seal(t, s)
	if err != nil {
		return err
	}
	start := m.begin()
	err = m.store.Replace(ctx, t.ID, s.UserID, blob, ttl)
	if err := m.observed(OpReplace, start, err); err != nil {
		return fmt.Errorf("session: save: %w", err)
	}
	if m.uses != nil {
		m.uses.set(t.ID, now)
	}
	return nil
}

// Delete ends the session t refers to. userID is the session's user, needed
// to update the per-user index; when empty, Delete loads the session to learn
// it.
func (m *Manager) Delete(ctx context.Context, t Ticket, userID string) error {
	if !validID(t.ID) {
		return nil
	}
	if userID == "" {
		s, err := m.Load(ctx, t)
		switch {
		case err == nil:
			userID = s.UserID
		case !errors.Is(err, ErrNotFound):
			return fmt.Errorf("session: delete: %w", err)
		}
	}
	start := m.begin()
	err := m.store.Delete(ctx, t.ID, userID)
	if err := m.observed(OpDelete, start, err); err != nil {
		return fmt.Errorf("session: delete: %w", err)
	}
	return nil
}

// DeleteUser ends every session of userID (unlink, admin revocation) and
// reports how many there were.
func (m *Manager) DeleteUser(ctx context.Context, userID string) (int, error) {
	start := m.begin()
	n, err := m.store.DeleteUser(ctx, userID)
	if err := m.observed(OpDeleteUser, start, err); err != nil {
		return n, fmt.Errorf("session: delete user: %w", err)
	}
	return n, nil
}

// seal encodes s and encrypts it under t.Key with t.ID as additional data.
func seal(t Ticket, s *Session) ([]byte, error) {
	plain, err := s.MarshalBinary()
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(t.Key)
	if err != nil {
		return nil, err
	}
	out := appendSealHeader(make([]byte, 0, sealHeaderLen+sealOverhead+len(plain)), s.CreatedAt)
	hdr := len(out)
	out = out[:hdr+nonceLen]
	if _, err := rand.Read(out[hdr:]); err != nil {
		return nil, fmt.Errorf("session: random nonce: %w", err)
	}
	return aead.Seal(out, out[hdr:], plain, sealAD(t.ID, out[:hdr])), nil
}

// open reverses seal. It decrypts in place: blob must be the caller's.
func open(t Ticket, blob []byte) (*Session, error) {
	hdr, ok := sealHeaderSize(blob)
	if !ok || len(blob) < hdr-1+sealOverhead {
		return nil, errors.New("malformed blob")
	}
	aead, err := newAEAD(t.Key)
	if err != nil {
		return nil, err
	}
	nonce, ct := blob[hdr:hdr+nonceLen], blob[hdr+nonceLen:]
	plain, err := aead.Open(ct[:0], nonce, ct, sealAD(t.ID, blob[:hdr]))
	if err != nil {
		return nil, errors.New("blob does not decrypt under the ticket's key")
	}
	s := &Session{ID: t.ID}
	if err := s.UnmarshalBinary(plain); err != nil {
		return nil, errors.New("blob does not decode")
	}
	return s, nil
}

func newAEAD(key [32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("session: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("session: gcm: %w", err)
	}
	return aead, nil
}

// Ping reports whether the session store answers (for readiness checks).
func (m *Manager) Ping(ctx context.Context) error {
	start := m.begin()
	err := m.store.Ping(ctx)
	if err := m.observed(OpPing, start, err); err != nil {
		return fmt.Errorf("session: ping: %w", err)
	}
	return nil
}
