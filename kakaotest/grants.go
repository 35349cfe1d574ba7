package kakaotest

import (
	"strings"
	"time"
)

// authCode is an issued, unused authorization code.
type authCode struct {
	redirectURI string
	clientID    string
	userID      int64
	openid      bool
	nonce       string
	challenge   string
	authTime    time.Time
	expiry      time.Time
}

// grant is one login's refresh token and what it carries. Refreshing with
// rotation moves the grant to the new refresh token; its family id stays.
type grant struct {
	family        string // shared by the refresh token and every access token of the login
	clientID      string // the app key the login was made with
	userID        int64
	openid        bool // issued with an ID token: refreshes return one too
	authTime      time.Time
	refreshExpiry time.Time
}

// accessToken is an issued access token.
type accessToken struct {
	family   string
	clientID string
	userID   int64
	expiry   time.Time
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	TokenType             string `json:"token_type"`
	AccessToken           string `json:"access_token"`
	IDToken               string `json:"id_token,omitempty"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token,omitempty"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in,omitempty"`
	Scope                 string `json:"scope,omitempty"`
}

// issueCode stores a single-use code for the request's user.
func (e *Emulator) issueCode(req *authRequest) string {
	now := e.now()
	code := randomToken(64)
	e.mu.Lock()
	defer e.mu.Unlock()
	prune(e.codes, maxCodes, func(c *authCode) time.Time { return c.expiry }, now)
	e.codes[code] = &authCode{
		redirectURI: req.redirectURI,
		clientID:    req.clientID,
		userID:      req.userID,
		openid:      req.openid,
		nonce:       req.nonce,
		challenge:   req.codeChallenge,
		authTime:    req.authTime,
		expiry:      now.Add(e.opts.CodeTTL),
	}
	return code
}

// redeemCode removes code (codes are single use, whatever the outcome of
// the exchange) and returns it if it had not expired.
func (e *Emulator) redeemCode(code string) (*authCode, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.codes[code]
	if !ok {
		return nil, false
	}
	delete(e.codes, code)
	return c, c.expiry.After(e.now())
}

// newGrantLocked creates a login's refresh token. Callers hold e.mu.
func (e *Emulator) newGrantLocked(g *grant, now time.Time) string {
	rt := randomToken(40)
	g.refreshExpiry = now.Add(e.opts.RefreshTokenTTL)
	prune(e.grants, maxTokens, func(g *grant) time.Time { return g.refreshExpiry }, now)
	e.grants[rt] = g
	return rt
}

// newAccessTokenLocked issues an access token of the grant's login.
// Callers hold e.mu.
func (e *Emulator) newAccessTokenLocked(g *grant, now time.Time) string {
	at := randomToken(40)
	prune(e.access, maxTokens, func(a *accessToken) time.Time { return a.expiry }, now)
	e.access[at] = &accessToken{family: g.family, clientID: g.clientID, userID: g.userID, expiry: now.Add(e.opts.AccessTokenTTL)}
	return at
}

// idTokenClaimsLocked builds the ID token claims for the user: iss, aud,
// sub, iat, exp (iat + the access-token lifetime), auth_time, nonce when
// given, and the consented nickname, picture and email (only a valid and
// verified one). Callers hold e.mu.
func (e *Emulator) idTokenClaimsLocked(s *userState, nonce string, authTime, now time.Time) map[string]any {
	claims := map[string]any{
		"iss":       e.opts.Issuer,
		"aud":       e.opts.ClientID,
		"sub":       itoa(s.user.ID),
		"iat":       now.Unix(),
		"exp":       now.Add(e.opts.AccessTokenTTL).Unix(),
		"auth_time": authTime.Unix(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if s.hasAgreed("profile_nickname") && s.user.Nickname != "" {
		claims["nickname"] = s.user.Nickname
	}
	if s.hasAgreed("profile_image") && s.user.ProfileImageURL != "" {
		claims["picture"] = s.user.thumbnailURL()
	}
	if s.hasAgreed("account_email") && s.user.Email != "" && s.user.EmailValid && s.user.EmailVerified {
		claims["email"] = s.user.Email
	}
	return claims
}

// revokeFamilyLocked revokes the refresh token and every access token of
// one login. Callers hold e.mu.
func (e *Emulator) revokeFamilyLocked(family string) {
	for k, g := range e.grants {
		if g.family == family {
			delete(e.grants, k)
		}
	}
	for k, a := range e.access {
		if a.family == family {
			delete(e.access, k)
		}
	}
}

// revokeUserLocked revokes every token of the user. Callers hold e.mu.
func (e *Emulator) revokeUserLocked(userID int64) {
	for k, g := range e.grants {
		if g.userID == userID {
			delete(e.grants, k)
		}
	}
	for k, a := range e.access {
		if a.userID == userID {
			delete(e.access, k)
		}
	}
}

// revokeUserOfAppLocked revokes every token of the user issued to a key of the app appID.
// Callers hold e.mu.
func (e *Emulator) revokeUserOfAppLocked(userID int64, appID string) {
	for k, g := range e.grants {
		if g.userID == userID && e.appIDOf(g.clientID) == appID {
			delete(e.grants, k)
		}
	}
	for k, a := range e.access {
		if a.userID == userID && e.appIDOf(a.clientID) == appID {
			delete(e.access, k)
		}
	}
}

// seconds converts a duration to whole seconds for expires_in fields.
func seconds(d time.Duration) int64 {
	return int64(d / time.Second)
}

// joinScopes formats granted scopes as the token response's space-separated
// scope field.
func joinScopes(scopes []string) string {
	return strings.Join(scopes, " ")
}
