package kakaotest

import (
	"net/http"
	"strings"
	"time"
)

// accountCookie is the emulator's Kakao Account browser-session cookie, set
// on the emulator's own host (like Kakao's on kauth.kakao.com).
const accountCookie = "kakaotest_account"

// accountSession is a signed-in Kakao Account in one browser.
type accountSession struct {
	userID   int64
	authTime time.Time // when the user signed in (the ID token auth_time)
	expiry   time.Time
}

// account is who is signed in to Kakao for one request.
type account struct {
	userID   int64
	authTime time.Time
	talk     bool // the KakaoTalk in-app browser's session
}

// isTalk reports whether the request comes from KakaoTalk's in-app browser.
func isTalk(r *http.Request) bool {
	return strings.Contains(r.UserAgent(), "KAKAOTALK")
}

// currentAccount returns the Kakao Account signed in for r: the talk user
// for KakaoTalk's in-app browser, else the browser session of the cookie.
func (e *Emulator) currentAccount(r *http.Request) (account, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if isTalk(r) {
		return account{userID: e.talkUser, authTime: e.talkAuth, talk: true}, true
	}
	c, err := r.Cookie(accountCookie)
	if err != nil {
		return account{}, false
	}
	s, ok := e.sessions[c.Value]
	if !ok || !s.expiry.After(e.now()) {
		delete(e.sessions, c.Value)
		return account{}, false
	}
	return account{userID: s.userID, authTime: s.authTime}, true
}

// startAccountSession signs the browser in as userID with a new session
// cookie and returns the session's auth time. The cookie is a browser
// session cookie; the server-side session enforces AccountSessionTTL on the
// emulator's clock (which tests may advance).
func (e *Emulator) startAccountSession(w http.ResponseWriter, r *http.Request, userID int64) time.Time {
	now := e.now()
	id := randomToken(32)
	e.mu.Lock()
	if c, err := r.Cookie(accountCookie); err == nil {
		delete(e.sessions, c.Value)
	}
	prune(e.sessions, maxSessions, func(s *accountSession) time.Time { return s.expiry }, now)
	e.sessions[id] = &accountSession{userID: userID, authTime: now, expiry: now.Add(e.opts.AccountSessionTTL)}
	e.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name:     accountCookie,
		Value:    id,
		Path:     e.path("/"),
		Secure:   e.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return now
}

// endAccountSession signs the browser out of its Kakao Account. The
// KakaoTalk session is never ended.
func (e *Emulator) endAccountSession(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(accountCookie)
	if err != nil {
		return
	}
	e.mu.Lock()
	delete(e.sessions, c.Value)
	e.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name:     accountCookie,
		Value:    "",
		Path:     e.path("/"),
		MaxAge:   -1,
		Secure:   e.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}
