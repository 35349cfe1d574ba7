package kakaotest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
)

// handleToken serves POST /oauth/token: the authorization_code and
// refresh_token grants, with client_secret_post client authentication.
func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "the token request must be a POST request", "KOE001")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "malformed request body", "KOE001")
		return
	}
	f := r.PostForm
	app, ok := e.appByClientID(f.Get("client_id"))
	if !ok {
		writeAuthError(w, http.StatusUnauthorized, "invalid_client", "Not exist client_id ["+f.Get("client_id")+"]", "KOE101")
		return
	}
	if !app.secretMatches(f.Get("client_secret")) {
		writeAuthError(w, http.StatusUnauthorized, "invalid_client", "Bad client credentials", "KOE010")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		e.exchangeCode(w, f)
	case "refresh_token":
		e.refresh(w, f)
	default:
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "unsupported grant_type", "KOE001")
	}
}

// exchangeCode redeems a code: the redirect_uri must equal the authorize
// one (KOE303), the PKCE verifier must match the challenge, and the code is
// single use (KOE320 once used, expired or unknown).
func (e *Emulator) exchangeCode(w http.ResponseWriter, f url.Values) {
	code := f.Get("code")
	c, ok := e.redeemCode(code)
	if !ok {
		writeAuthError(w, http.StatusBadRequest, "invalid_grant", "authorization code not found for code="+code, "KOE320")
		return
	}
	if c.clientID != f.Get("client_id") {
		// A code is bound to the app key that asked for it.
		writeAuthError(w, http.StatusBadRequest, "invalid_grant", "authorization code not found for code="+code, "KOE320")
		return
	}
	if f.Get("redirect_uri") != c.redirectURI {
		writeAuthError(w, http.StatusBadRequest, "invalid_grant", "Redirect URI mismatch.", "KOE303")
		return
	}
	if c.challenge != "" && !verifierMatches(f.Get("code_verifier"), c.challenge) {
		// [unconfirmed] Kakao's PKCE failure code; KOE320 invalid_grant is used.
		writeAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match code_challenge", "KOE320")
		return
	}
	now := e.now()
	e.mu.Lock()
	s := e.users[c.userID]
	if s == nil || !s.linked {
		e.mu.Unlock()
		writeAuthError(w, http.StatusBadRequest, "invalid_grant", "authorization code not found for code="+code, "KOE320")
		return
	}
	g := &grant{family: randomToken(16), clientID: c.clientID, userID: c.userID, openid: c.openid, authTime: c.authTime}
	resp := tokenResponse{
		TokenType:             "bearer",
		AccessToken:           e.newAccessTokenLocked(g, now),
		ExpiresIn:             seconds(e.opts.AccessTokenTTL),
		RefreshToken:          e.newGrantLocked(g, now),
		RefreshTokenExpiresIn: seconds(e.opts.RefreshTokenTTL),
		Scope:                 joinScopes(s.grantedScopes(c.openid)),
	}
	var claims map[string]any
	if c.openid {
		claims = e.idTokenClaimsLocked(s, c.nonce, c.authTime, now)
		claims["aud"] = c.clientID
	}
	e.mu.Unlock()
	e.writeTokens(w, resp, claims)
}

// refresh serves the refresh_token grant: a new access token always, an ID
// token when the login had one, and a new refresh token only when the old
// one has less than RefreshRotationWindow left (the old one dies then).
// The response has no scope field. Unknown, expired or revoked refresh
// tokens answer KOE322.
func (e *Emulator) refresh(w http.ResponseWriter, f url.Values) {
	rt := f.Get("refresh_token")
	now := e.now()
	e.mu.Lock()
	g, ok := e.grants[rt]
	if ok && !g.refreshExpiry.After(now) {
		delete(e.grants, rt)
		ok = false
	}
	s := e.users[g.userIDOrZero()]
	if !ok || s == nil || g.clientID != f.Get("client_id") {
		e.mu.Unlock()
		writeAuthError(w, http.StatusBadRequest, "invalid_grant", "expired_or_invalid_refresh_token", "KOE322")
		return
	}
	resp := tokenResponse{
		TokenType:   "bearer",
		AccessToken: e.newAccessTokenLocked(g, now),
		ExpiresIn:   seconds(e.opts.AccessTokenTTL),
	}
	if g.refreshExpiry.Sub(now) < e.opts.RefreshRotationWindow {
		delete(e.grants, rt)
		resp.RefreshToken = e.newGrantLocked(g, now)
		resp.RefreshTokenExpiresIn = seconds(e.opts.RefreshTokenTTL)
	}
	var claims map[string]any
	if g.openid {
		claims = e.idTokenClaimsLocked(s, "", g.authTime, now)
		claims["aud"] = g.clientID
	}
	e.mu.Unlock()
	e.writeTokens(w, resp, claims)
}

// userIDOrZero returns the grant's user, or 0 for a nil grant.
func (g *grant) userIDOrZero() int64 {
	if g == nil {
		return 0
	}
	return g.userID
}

// writeTokens signs the ID token (when claims is set) and writes resp.
func (e *Emulator) writeTokens(w http.ResponseWriter, resp tokenResponse, claims map[string]any) {
	if claims != nil {
		idt, err := e.keys.sign(claims)
		if err != nil {
			writeAuthError(w, http.StatusInternalServerError, "server_error", "signing the id token failed", "KOE003")
			return
		}
		resp.IDToken = idt
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// verifierMatches checks a PKCE S256 verifier (43–128 characters) against
// the challenge, in constant time.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
