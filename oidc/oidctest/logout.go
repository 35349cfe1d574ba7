package oidctest

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// BackChannelLogoutEvent is the events member of a back-channel logout token.
const BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// endSession serves RP-Initiated Logout: a registered post_logout_redirect_uri
// gets the browser back with the state; without one the provider shows its
// own signed-out page. id_token_hint and client_id are only recorded.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.Form
	back := q.Get("post_logout_redirect_uri")
	if back == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("signed out at the provider"))
		return
	}
	if len(s.opts.PostLogoutRedirectURIs) > 0 && !slices.Contains(s.opts.PostLogoutRedirectURIs, back) {
		http.Error(w, "unregistered post_logout_redirect_uri", http.StatusBadRequest)
		return
	}
	u, err := url.Parse(back)
	if err != nil {
		http.Error(w, "bad post_logout_redirect_uri", http.StatusBadRequest)
		return
	}
	if state := q.Get("state"); state != "" {
		v := u.Query()
		v.Set("state", state)
		u.RawQuery = v.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// LogoutTokenClaims returns good back-channel logout token claims for the
// configured subject and, when sid is not empty, that provider session: iss,
// aud, iat=now, exp=now+2m, a fresh jti, sub, sid and the logout event.
func (s *Server) LogoutTokenClaims(sid string) map[string]any {
	now := s.opts.Now()
	c := map[string]any{
		"iss":    s.Issuer,
		"aud":    s.ClientID,
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"jti":    newSecret("jti"),
		"sub":    s.opts.Subject,
		"events": map[string]any{BackChannelLogoutEvent: map[string]any{}},
	}
	if sid != "" {
		c["sid"] = sid
	}
	return c
}

// SignLogoutToken signs claims like SignIDToken does (current algorithm,
// signing key and header hook) but with the header typ logout+jwt.
func (s *Server) SignLogoutToken(claims map[string]any) string {
	return s.signTyped("logout+jwt", claims)
}
