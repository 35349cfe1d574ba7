package oidctest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// handler wraps endpoint e with counting, recording and faults.
func (s *Server) handler(e Endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		_ = r.ParseForm()
		form := r.Form
		if r.Method == http.MethodPost {
			form = r.PostForm
		}
		s.mu.Lock()
		s.counts[e]++
		s.requests[e] = append(s.requests[e], Request{
			Method: r.Method, URL: r.URL, Header: r.Header.Clone(), Form: form,
		})
		f, faulty := s.faults[e]
		s.mu.Unlock()
		if faulty {
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			for k, vs := range f.Header {
				w.Header()[k] = slices.Clone(vs)
			}
			if f.Status != 0 || f.Body != nil {
				if f.Status == 0 {
					f.Status = http.StatusOK
				}
				w.WriteHeader(f.Status)
				_, _ = w.Write(f.Body)
				return
			}
		}
		switch e {
		case Discovery:
			s.discovery(w)
		case JWKSURI:
			s.mu.Lock()
			body := JWKS(s.keys...)
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		case Authorize:
			s.authorize(w, r)
		case Token:
			s.token(w, r)
		case UserInfo:
			s.userinfo(w, r)
		case EndSession:
			s.endSession(w, r)
		}
	}
}

// discovery serves the metadata document.
func (s *Server) discovery(w http.ResponseWriter) {
	doc := map[string]any{
		"issuer":                                s.Issuer,
		"authorization_endpoint":                s.URL(Authorize),
		"token_endpoint":                        s.URL(Token),
		"userinfo_endpoint":                     s.URL(UserInfo),
		"jwks_uri":                              s.URL(JWKSURI),
		"end_session_endpoint":                  s.URL(EndSession),
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"id_token_signing_alg_values_supported": s.opts.SigningAlgs,
		"token_endpoint_auth_methods_supported": s.opts.AuthMethods,
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
	}
	if s.opts.IssParameter {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	s.mu.Lock()
	hook := s.mutateDiscovery
	s.mu.Unlock()
	if hook != nil {
		hook(doc)
	}
	writeJSON(w, http.StatusOK, doc)
}

// authorize approves at once: it checks client_id, redirect_uri,
// response_type and the S256 challenge, then redirects with a code.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if q.Get("client_id") != s.ClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	if redirect == "" || (len(s.opts.RedirectURIs) > 0 && !slices.Contains(s.opts.RedirectURIs, redirect)) {
		http.Error(w, "unregistered redirect_uri", http.StatusBadRequest)
		return
	}
	ru, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	back := ru.Query()
	back.Set("state", q.Get("state"))
	if s.opts.IssParameter {
		back.Set("iss", s.Issuer)
	}
	s.mu.Lock()
	authErr := s.authorizeError
	s.mu.Unlock()
	switch {
	case authErr != "":
		back.Set("error", authErr)
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE S256 is required")
	default:
		code := newSecret("code")
		s.mu.Lock()
		s.codes[code] = &grant{
			redirectURI: redirect, challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
			scope: q.Get("scope"), subject: s.opts.Subject, expires: s.opts.Now().Add(10 * time.Minute),
		}
		s.mu.Unlock()
		back.Set("code", code)
	}
	ru.RawQuery = back.Encode()
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

// token serves the authorization_code and refresh_token grants.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "POST only")
		return
	}
	if r.URL.RawQuery != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "parameters in the URL")
		return
	}
	if status, code := s.authenticateClient(r); code != "" {
		oauthError(w, status, code, "client authentication failed")
		return
	}
	f := r.PostForm
	now := s.opts.Now()
	s.mu.Lock()
	var g *grant
	var nonce string
	switch f.Get("grant_type") {
	case "authorization_code":
		g = s.codes[f.Get("code")]
		switch {
		case g == nil || g.used || now.After(g.expires):
			g = nil
		case f.Get("redirect_uri") != g.redirectURI:
			g = nil
		case !pkceMatches(f.Get("code_verifier"), g.challenge):
			g = nil
		}
		if c := s.codes[f.Get("code")]; c != nil {
			c.used = true // single use, even after a failed attempt
		}
		if g != nil {
			nonce = g.nonce
		}
	case "refresh_token":
		g = s.refreshTokens[f.Get("refresh_token")]
		if g != nil && s.opts.RotateRefreshTokens {
			delete(s.refreshTokens, f.Get("refresh_token"))
		}
	default:
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	if g == nil {
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code or refresh token invalid, used, expired or mismatched")
		return
	}
	access := newSecret("at")
	s.accessTokens[access] = g
	refresh := f.Get("refresh_token")
	if refresh == "" || s.opts.RotateRefreshTokens {
		refresh = newSecret("rt")
		s.refreshTokens[refresh] = g
	}
	s.mu.Unlock()
	resp := map[string]any{
		"access_token":  access,
		"token_type":    "bearer",
		"expires_in":    int(s.opts.TokenLifetime / time.Second),
		"refresh_token": refresh,
		"id_token":      s.IssueIDToken(nonce),
	}
	if g.scope != "" {
		resp["scope"] = strings.Join(strings.FieldsFunc(g.scope, func(r rune) bool { return r == ' ' || r == ',' }), " ")
	}
	s.mu.Lock()
	hook := s.mutateToken
	s.mu.Unlock()
	if hook != nil {
		hook(resp)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// authenticateClient checks client_secret_basic or client_secret_post as
// allowed by Options.AuthMethods; it returns an OAuth error code on failure.
func (s *Server) authenticateClient(r *http.Request) (int, string) {
	id, secret, hasBasic := r.BasicAuth()
	_, hasPost := r.PostForm["client_secret"]
	method := "client_secret_post"
	switch {
	case hasBasic && hasPost:
		return http.StatusBadRequest, "invalid_request" // one method only (RFC 6749 2.3)
	case hasBasic:
		method = "client_secret_basic"
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return http.StatusUnauthorized, "invalid_client"
		}
	default:
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if !slices.Contains(s.opts.AuthMethods, method) {
		return http.StatusUnauthorized, "invalid_client"
	}
	if id != s.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.ClientSecret)) != 1 {
		return http.StatusUnauthorized, "invalid_client"
	}
	return 0, ""
}

// userinfo serves the claims of the user a Bearer access token stands for.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	if r.Form.Has("access_token") {
		oauthError(w, http.StatusBadRequest, "invalid_request", "access token outside the Authorization header")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g := s.accessTokens[tok]
	hook := s.mutateUserInfo
	s.mu.Unlock()
	if !ok || g == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="unknown access token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	claims := map[string]any{"sub": g.subject}
	for k, v := range s.opts.UserInfo {
		claims[k] = v
	}
	if hook != nil {
		hook(claims)
	}
	writeJSON(w, http.StatusOK, claims)
}

// pkceMatches checks an S256 verifier against its challenge.
func pkceMatches(verifier, challenge string) bool {
	if verifier == "" || challenge == "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// oauthError writes an RFC 6749 error answer.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]any{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

// writeJSON writes v as a JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
