package kakaotest

import (
	"net/http"
	"slices"
	"time"
)

// logoutRequest is a bridge page waiting for the user's choice.
type logoutRequest struct {
	redirectURI string
	state       string
	expiry      time.Time
}

// handleLogout serves POST /v1/user/logout. With a Bearer token it revokes
// that access token and the other tokens of the same login (its refresh
// token); with the admin key and a target it revokes every token of the
// user for that admin key's app (every key of the app: REST, native; not
// another app's). The Kakao Account browser session is not ended.
func (e *Emulator) handleLogout(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, true, http.MethodPost)
	if !ok {
		return
	}
	e.mu.Lock()
	if c.admin {
		e.revokeUserOfAppLocked(c.userID, c.appID)
	} else {
		e.revokeFamilyLocked(c.family)
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": c.userID})
}

// handleAccountLogout serves /oauth/logout, "log out of the service and the
// Kakao Account". GET checks client_id (KOE101 page) and
// logout_redirect_uri (registered, else the KOE007 page); with a Kakao
// Account session it shows the bridge page, without one it redirects to
// logout_redirect_uri?state= at once. POST is the bridge page's form:
// logout_with_kakao=true also ends the emulator's Kakao Account session
// (the KakaoTalk session cannot be ended), then both choices redirect
// alike: Kakao tells the service nothing about the choice. No token is
// revoked here [unconfirmed]: the service calls /v1/user/logout itself.
func (e *Emulator) handleAccountLogout(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		e.showBridge(w, r)
	case http.MethodPost:
		e.bridgeChoice(w, r)
	default:
		errorPage(w, http.StatusMethodNotAllowed, "KOE001", "Method not allowed.")
	}
}

// showBridge validates a logout request and shows the bridge page.
func (e *Emulator) showBridge(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != e.opts.ClientID {
		errorPage(w, http.StatusBadRequest, "KOE101", "Invalid client_id: the app key is wrong or missing.")
		return
	}
	uri := q.Get("logout_redirect_uri")
	if !slices.Contains(e.opts.LogoutRedirectURIs, uri) {
		errorPage(w, http.StatusBadRequest, "KOE007", "The logout_redirect_uri is not registered for this app.")
		return
	}
	lr := &logoutRequest{redirectURI: uri, state: q.Get("state")}
	if _, ok := e.currentAccount(r); !ok {
		e.redirectLogout(w, r, lr)
		return
	}
	now := e.now()
	id := randomToken(24)
	lr.expiry = now.Add(e.opts.CodeTTL)
	e.mu.Lock()
	prune(e.logouts, maxPending, func(l *logoutRequest) time.Time { return l.expiry }, now)
	e.logouts[id] = lr
	e.mu.Unlock()
	renderPage(w, http.StatusOK, "bridge", struct{ Action, Request string }{e.path("/oauth/logout"), id})
}

// bridgeChoice handles the bridge page's form (csts, logout_with_kakao).
func (e *Emulator) bridgeChoice(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "KOE001", "Malformed logout form.")
		return
	}
	choice := r.PostForm.Get("logout_with_kakao")
	if choice != "true" && choice != "false" {
		errorPage(w, http.StatusBadRequest, "KOE001", "Choose how to log out.")
		return
	}
	id := r.PostForm.Get("csts")
	e.mu.Lock()
	lr, ok := e.logouts[id]
	delete(e.logouts, id)
	e.mu.Unlock()
	if !ok || !lr.expiry.After(e.now()) {
		errorPage(w, http.StatusBadRequest, "KOE001", "The logout request expired or is unknown.")
		return
	}
	if choice == "true" {
		e.endAccountSession(w, r)
	}
	e.redirectLogout(w, r, lr)
}

// redirectLogout sends the browser to logout_redirect_uri with state.
func (e *Emulator) redirectLogout(w http.ResponseWriter, r *http.Request, lr *logoutRequest) {
	http.Redirect(w, r, addQuery(lr.redirectURI, [][2]string{{"state", lr.state}}), http.StatusFound)
}
