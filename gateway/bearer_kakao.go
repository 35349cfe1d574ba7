package gateway

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/session"
)

// kakaoBearer checks a Kakao access token: access_token_info must name this app (app_id) and
// a remaining lifetime; /v2/user/me gives the claims (with property_keys) and, when
// require_scope is set, /v2/user/scopes the agreed scopes. A token Kakao does not know, or of
// another app, is a *bearerError; Kakao unreachable, rate limiting or -1 are other errors
// (503, never cached as invalid).
func (g *Gateway) kakaoBearer(ctx context.Context, tok string) (*session.Session, time.Duration, error) {
	info, err := g.kakao.TokenInfo(ctx, tok)
	if err != nil {
		return nil, 0, kakaoBearerError(err)
	}
	if strconv.FormatInt(info.AppID, 10) != g.cfg.AppID {
		return nil, 0, &bearerError{reason: refusedOtherApp,
			desc: "the token was issued to another Kakao app; log in with this app's keys"}
	}
	lifetime := time.Duration(info.ExpiresIn) * time.Second
	if lifetime <= 0 {
		return nil, 0, &bearerError{reason: refusedExpired, desc: "the token has expired; refresh it"}
	}
	user, err := g.kakao.UserMe(ctx, tok, g.cfg.PropertyKeys)
	if err != nil {
		return nil, 0, kakaoBearerError(err)
	}
	if user.ID != info.ID {
		return nil, 0, errors.New("kakao: /v2/user/me names another user than access_token_info")
	}
	p := g.primary()
	claims := make(map[string]string, 16)
	for k, v := range user.Claims() {
		setClaim(claims, k, v)
	}
	claims["id"] = p.userID(claims["sub"])
	if g.multi() {
		claims["provider"] = p.name
	}
	sess := &session.Session{
		UserID: claims["id"], Issuer: p.rp.Provider.Issuer(), Claims: claims,
		AccessExpiry: g.now().Add(lifetime),
	}
	if len(g.cfg.RequireScopes) > 0 {
		scopes, err := g.kakao.Scopes(ctx, tok)
		if err != nil {
			return nil, 0, kakaoBearerError(err)
		}
		sess.Scopes = scopes.Agreed()
	}
	return sess, lifetime, nil
}

// kakaoBearerError sorts a failed Kakao call: the token is invalid or expired (-401, or -2
// for a malformed token), or Kakao could not say.
func kakaoBearerError(err error) error {
	var ae *kakao.APIError
	switch {
	case kakao.IsTransient(err):
		return err
	case errors.Is(err, kakao.ErrTokenInvalid):
		if errors.As(err, &ae) && (strings.Contains(strings.ToUpper(ae.Reason), "EXPIRED") || strings.Contains(ae.Msg, "expired")) {
			return &bearerError{reason: refusedExpired, desc: "the token has expired; refresh it", cause: err}
		}
		return &bearerError{reason: refusedInvalid, desc: "Kakao does not know this token; log in again", cause: err}
	case errors.As(err, &ae) && ae.Code == kakao.CodeIllegalParams:
		return &bearerError{reason: refusedInvalid, desc: "Kakao does not accept this token; log in again", cause: err}
	}
	return err
}
