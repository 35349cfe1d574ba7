package session

import "crypto/subtle"

// openedCache is implemented by stores that keep sessions Manager.Load has already opened
// (decrypted and decoded), so that the next Load of the same session skips the store round
// trip, the decryption and the decoding: *MemoryStore always (it drops a session's opened
// copy whenever the session changes or ends), and *RedisStore with RedisOptions.Cache (kept
// coherent across instances by a pub/sub channel; see RedisCacheOptions).
//
// An opened session is returned only for the key it was opened with, so holding a session
// id alone never yields it.
type openedCache interface {
	// cachedOpen returns the session cached for id, if it was opened with key and the
	// cache may serve it now.
	cachedOpen(id string, key [32]byte) (*Session, bool)
	// cacheToken returns a token to hand to keepOpened; ok is false when the cache takes
	// nothing now.
	cacheToken() (token uint64, ok bool)
	// keepOpened caches s, opened from the blob a Get returned for id after cacheToken gave
	// token, unless anything was invalidated since: a session changed or ended while it was
	// being read is never cached. s must not be modified afterwards.
	keepOpened(id, userID string, token uint64, key [32]byte, s *Session)
}

// opened is a session as Manager.Load returned it, with the key that opened it.
type opened struct {
	key  [32]byte
	sess *Session
}

// matches reports, in constant time, whether key is the key o was opened with.
func (o *opened) matches(key [32]byte) bool {
	return subtle.ConstantTimeCompare(o.key[:], key[:]) == 1
}

// shallowCopy returns a copy of s that its receiver may modify field by field. Claims and
// Scopes are shared with the cached original: they must be replaced, never modified in place.
func shallowCopy(s *Session) *Session {
	c := *s
	return &c
}
