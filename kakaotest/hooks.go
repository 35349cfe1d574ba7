package kakaotest

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnknownUser is returned by hooks given an id that is not a test user.
var ErrUnknownUser = errors.New("kakaotest: unknown user")

// ErrNotLinked is returned by [Emulator.Unlink] for a user who is not linked
// to the app.
var ErrNotLinked = errors.New("kakaotest: user not linked to the app")

// Advance moves the emulator's clock forward by d (on top of Options.Now):
// codes, tokens and Kakao Account sessions expire as if d had passed.
func (e *Emulator) Advance(d time.Duration) {
	e.offset.Add(int64(d))
}

// ExpireAccessTokens makes every access token issued so far expired
// (kapi answers -401 "this access token is already expired"); refresh
// tokens keep working.
func (e *Emulator) ExpireAccessTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	past := e.now().Add(-time.Second)
	for _, at := range e.access {
		at.expiry = past
	}
}

// ExpireRefreshTokens makes every refresh token issued so far expired
// (the refresh grant answers KOE322).
func (e *Emulator) ExpireRefreshTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	past := e.now().Add(-time.Second)
	for _, g := range e.grants {
		g.refreshExpiry = past
	}
}

// RotateKeys makes a new ID-token signing key current. The JWKS then lists
// the new key and the previous one; keys older than that disappear.
func (e *Emulator) RotateKeys() error {
	return e.keys.rotate()
}

// KeyID returns the kid of the key that signs new ID tokens.
func (e *Emulator) KeyID() string {
	return e.keys.currentKID()
}

// SetTalkUser makes the KakaoTalk in-app browser (a User-Agent containing
// KAKAOTALK) signed in as user id, with a fresh auth_time.
func (e *Emulator) SetTalkUser(id int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.users[id]; !ok {
		return fmt.Errorf("%w: %d", ErrUnknownUser, id)
	}
	e.talkUser = id
	e.talkAuth = e.now()
	return nil
}

// TalkUser returns the user the KakaoTalk in-app browser is signed in as.
func (e *Emulator) TalkUser() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.talkUser
}

// SignedUp reports whether the user is linked and, with auto-link off, has
// signed up (/v1/user/signup): has_signed_up true. With auto-link on it is
// [Emulator.Linked].
func (e *Emulator) SignedUp(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.users[id]
	return ok && s.linked && !e.preregistered(s)
}

// Linked reports whether the user is linked to the app.
func (e *Emulator) Linked(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.users[id]
	return ok && s.linked
}

// AgreedScopes returns the consent items the user has agreed to, in a fixed
// order (openid is not a consent item and never listed).
func (e *Emulator) AgreedScopes(id int64) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.users[id]
	if !ok {
		return nil
	}
	return s.grantedScopes(false)
}

// Link links the user to the app and agrees to scopes (none: the default
// consent items), as if the user had gone through the consent screen.
// Scopes the user has no value for are skipped.
func (e *Emulator) Link(id int64, scopes ...string) error {
	if len(scopes) == 0 {
		scopes = e.opts.Scopes
	}
	for _, sc := range scopes {
		if _, ok := lookupScope(sc); !ok {
			return fmt.Errorf("kakaotest: link: unknown scope %q", sc)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.users[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownUser, id)
	}
	e.agreeLocked(s, s.pendingScopes(scopes))
	return nil
}

// agreeLocked links s (if not linked yet) and records the agreement to
// items. Callers hold e.mu.
func (e *Emulator) agreeLocked(s *userState, items []scopeInfo) {
	now := e.now()
	if !s.linked {
		s.linked = true
		s.connectedAt = now
		s.signedUp = false
	}
	for _, it := range items {
		s.agreed[it.id] = now
	}
}
