package kakaotest

import (
	"net/http"
	"slices"
	"strconv"
)

// Paths of the login and consent pages that follow /oauth/authorize (Kakao
// serves them from accounts.kakao.com; the emulator keeps one host).
const (
	pathLogin   = "/oauth/authorize/login"
	pathConsent = "/oauth/authorize/consent"
)

// handleLogin serves POST /oauth/authorize/login, the login page's form:
// request (the pending authorize request) and user (the pressed button).
// It signs the browser in to its Kakao Account and goes on with the
// authorization.
func (e *Emulator) handleLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		errorPage(w, http.StatusMethodNotAllowed, "KOE001", "The login form must be posted.")
		return
	}
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "KOE001", "Malformed login form.")
		return
	}
	uid, err := strconv.ParseInt(r.PostForm.Get("user"), 10, 64)
	if err != nil || !e.knownUser(uid) {
		errorPage(w, http.StatusBadRequest, "KOE001", "Choose one of the test users.")
		return
	}
	req, ok := e.loadPending(r.PostForm.Get("request"), true)
	if !ok {
		errorPage(w, http.StatusBadRequest, "KOE001", "The login request expired or is unknown. Start the login again.")
		return
	}
	req.userID = uid
	req.authTime = e.startAccountSession(w, r, uid)
	req.forceLogin = false
	e.continueAuthorization(w, r, req)
}

// handleConsent serves the consent page: GET shows the items of the pending
// request the user has not agreed to yet, POST records the choice. Agreeing
// links the user (on first consent) and redirects with a code; cancelling
// redirects with error=access_denied.
func (e *Emulator) handleConsent(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		req, ok := e.loadPending(r.URL.Query().Get("request"), false)
		if !ok || !e.sameAccount(r, req) {
			errorPage(w, http.StatusBadRequest, "KOE001", "The consent request expired or belongs to another session. Start the login again.")
			return
		}
		e.consentPage(w, req)
	case http.MethodPost:
		e.postConsent(w, r)
	default:
		errorPage(w, http.StatusMethodNotAllowed, "KOE001", "Method not allowed.")
	}
}

// postConsent handles the consent form: request, consent=agree|cancel and
// the checked scope boxes (required items are agreed whether checked or not).
func (e *Emulator) postConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "KOE001", "Malformed consent form.")
		return
	}
	req, ok := e.loadPending(r.PostForm.Get("request"), false)
	if !ok || !e.sameAccount(r, req) {
		errorPage(w, http.StatusBadRequest, "KOE001", "The consent request expired or belongs to another session. Start the login again.")
		return
	}
	if _, ok := e.loadPending(req.id, true); !ok {
		errorPage(w, http.StatusBadRequest, "KOE001", "The consent request was already answered.")
		return
	}
	switch r.PostForm.Get("consent") {
	case "agree":
	case "cancel":
		e.redirectError(w, r, req, "access_denied", "User denied access")
		return
	default:
		errorPage(w, http.StatusBadRequest, "KOE001", "Press agree or cancel.")
		return
	}
	checked := r.PostForm["scope"]
	e.mu.Lock()
	s := e.users[req.userID]
	var chosen []scopeInfo
	for _, it := range s.pendingScopes(req.scopes) {
		if it.required || slices.Contains(checked, it.id) {
			chosen = append(chosen, it)
		}
	}
	e.agreeLocked(s, chosen)
	e.mu.Unlock()
	e.redirectCode(w, r, req)
}

// sameAccount reports whether r is signed in as the user of req (the consent
// page belongs to the browser that signed in).
func (e *Emulator) sameAccount(r *http.Request, req *authRequest) bool {
	acct, ok := e.currentAccount(r)
	return ok && req.userID != 0 && acct.userID == req.userID
}

// knownUser reports whether id is a test user.
func (e *Emulator) knownUser(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.users[id]
	return ok
}
