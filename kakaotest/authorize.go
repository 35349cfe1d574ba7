package kakaotest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authRequest is a validated /oauth/authorize request, kept server-side
// while the user signs in and consents.
type authRequest struct {
	id            string
	redirectURI   string
	clientID      string // the app key that asked
	state         string
	nonce         string
	codeChallenge string
	loginHint     string
	scopes        []string // requested: the scope parameter, or Options.Scopes
	openid        bool     // openid was requested: an ID token is issued
	promptNone    bool
	forceLogin    bool // prompt login, select_account or create
	create        bool // prompt create: the page offers sign-up
	userID        int64
	authTime      time.Time
	expiry        time.Time
}

// handleAuthorize serves GET /oauth/authorize. Configuration errors
// (client_id, redirect_uri, response_type, a scope that is not a consent
// item) show Kakao's error page; other
// errors redirect to the redirect_uri with error and error_description.
func (e *Emulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		errorPage(w, http.StatusMethodNotAllowed, "KOE001", "The authorization request must be a GET request.")
		return
	}
	q := r.URL.Query()
	app, ok := e.appByClientID(q.Get("client_id"))
	if !ok {
		errorPage(w, http.StatusBadRequest, "KOE101", "Invalid client_id: the app key is wrong or missing.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if !slices.Contains(app.redirectURIs, redirectURI) {
		errorPage(w, http.StatusBadRequest, "KOE006", "The redirect_uri is not registered for this app.")
		return
	}
	switch q.Get("response_type") {
	case "code":
	case "token":
		errorPage(w, http.StatusBadRequest, "KOE202", "The implicit grant (response_type=token) is not supported.")
		return
	default:
		errorPage(w, http.StatusBadRequest, "KOE201", "Unsupported response type: use response_type=code.")
		return
	}
	req := &authRequest{
		redirectURI:   redirectURI,
		clientID:      app.clientID,
		state:         q.Get("state"),
		nonce:         q.Get("nonce"),
		codeChallenge: q.Get("code_challenge"),
		loginHint:     q.Get("login_hint"),
		scopes:        e.opts.Scopes,
	}
	if scopes := parseScopeParam(q.Get("scope")); len(scopes) > 0 {
		req.scopes = scopes
	}
	if s, bad := e.notConsentItem(req.scopes); bad {
		// Kakao shows its own page and never redirects back; an unknown
		// scope id is treated the same [unconfirmed].
		errorPage(w, http.StatusBadRequest, "KOE205", "The app requested a scope that is not set up as one of its consent items: "+s+".")
		return
	}
	req.openid = slices.Contains(req.scopes, scopeOpenID)
	if msg := req.parsePrompt(q.Get("prompt")); msg != "" {
		e.redirectError(w, r, req, "invalid_request", msg)
		return
	}
	if msg := checkChallenge(req.codeChallenge, q.Get("code_challenge_method")); msg != "" {
		e.redirectError(w, r, req, "invalid_request", msg)
		return
	}
	acct, signedIn := e.currentAccount(r)
	switch {
	case req.promptNone && !signedIn:
		// [unconfirmed] Kakao documents no error for prompt=none without a
		// session outside KakaoTalk; OpenID Connect's login_required is used.
		e.redirectError(w, r, req, "login_required", "user authentication required.")
	case signedIn && (acct.talk || !req.forceLogin):
		// prompt=login/select_account/create are not available in KakaoTalk's
		// in-app browser: the talk session is used as is.
		req.userID, req.authTime = acct.userID, acct.authTime
		e.continueAuthorization(w, r, req)
	default:
		e.storePending(req)
		e.loginPage(w, req)
	}
}

// parsePrompt reads Kakao's comma-separated prompt list into req and
// returns an error description for an invalid list.
func (req *authRequest) parsePrompt(raw string) string {
	if raw == "" {
		return ""
	}
	var values []string
	for v := range strings.SplitSeq(raw, ",") {
		v = strings.TrimSpace(v)
		switch v {
		case "":
			continue
		case "none":
			req.promptNone = true
		case "login", "select_account":
			req.forceLogin = true
		case "create":
			req.forceLogin, req.create = true, true
		default:
			return "invalid prompt: " + v
		}
		values = append(values, v)
	}
	if req.promptNone && len(values) > 1 {
		return "prompt=none cannot be combined with other prompt values"
	}
	return ""
}

// checkChallenge validates the PKCE parameters: only S256 is supported and
// the challenge is a base64url SHA-256 (43 characters).
func checkChallenge(challenge, method string) string {
	switch {
	case challenge == "" && method == "":
		return ""
	case challenge == "":
		return "code_challenge is required with code_challenge_method"
	case method != "S256":
		return "code_challenge_method must be S256"
	case len(challenge) != 43 || strings.Trim(challenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "":
		return "code_challenge must be a base64url-encoded SHA-256 hash"
	}
	return ""
}

// continueAuthorization finishes a request whose user is known: a code for
// a linked user who agreed to every requested item, consent_required for
// prompt=none otherwise, else the consent page.
func (e *Emulator) continueAuthorization(w http.ResponseWriter, r *http.Request, req *authRequest) {
	e.mu.Lock()
	s := e.users[req.userID]
	done := s != nil && s.linked && len(s.pendingScopes(req.scopes)) == 0
	e.mu.Unlock()
	switch {
	case s == nil:
		errorPage(w, http.StatusBadRequest, "KOE001", "Unknown Kakao Account.")
	case done:
		e.redirectCode(w, r, req)
	case req.promptNone:
		e.redirectError(w, r, req, "consent_required", "user consent required.")
	default:
		e.storePending(req)
		http.Redirect(w, r, e.path(pathConsent)+"?request="+url.QueryEscape(req.id), http.StatusFound)
	}
}

// redirectCode issues a code for req and redirects to the redirect URI with
// code and state.
func (e *Emulator) redirectCode(w http.ResponseWriter, r *http.Request, req *authRequest) {
	code := e.issueCode(req)
	http.Redirect(w, r, addQuery(req.redirectURI, [][2]string{{"code", code}, {"state", req.state}}), http.StatusFound)
}

// redirectError redirects to the request's redirect URI with an OAuth error.
func (e *Emulator) redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, code, description string) {
	params := [][2]string{{"error", code}, {"error_description", description}}
	if !e.opts.ErrorsWithoutState {
		params = append(params, [2]string{"state", req.state})
	}
	http.Redirect(w, r, addQuery(req.redirectURI, params), http.StatusFound)
}

// storePending keeps req (giving it an id on first use) until CodeTTL.
func (e *Emulator) storePending(req *authRequest) {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if req.id == "" {
		req.id = randomToken(24)
	}
	req.expiry = now.Add(e.opts.CodeTTL)
	if _, ok := e.pending[req.id]; !ok {
		prune(e.pending, maxPending, func(p *authRequest) time.Time { return p.expiry }, now)
	}
	e.pending[req.id] = req
}

// loadPending returns the pending request id, if it is still valid; with
// take set it is removed (single use).
func (e *Emulator) loadPending(id string, take bool) (*authRequest, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	req, ok := e.pending[id]
	if !ok {
		return nil, false
	}
	if !req.expiry.After(e.now()) {
		delete(e.pending, id)
		return nil, false
	}
	if take {
		delete(e.pending, id)
	}
	return req, true
}
