package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

// jwtBearer checks a provider JWT (an ID token or a JWT access token) with the main
// provider's keys and the bearer audiences. An opaque token is refused: a generic provider
// offers no standard way to check one here.
func (g *Gateway) jwtBearer(ctx context.Context, tok string) (*session.Session, time.Duration, error) {
	if strings.Count(tok, ".") != 2 {
		return nil, 0, &bearerError{reason: refusedOpaque, desc: "send a JWT issued by the provider (an ID token or a JWT access token)"}
	}
	p := g.primary()
	bt, err := p.rp.VerifyBearer(ctx, tok, oidc.BearerOptions{Audiences: g.cfg.BearerAudiences()})
	switch {
	case errors.Is(err, oidc.ErrTokenExpired):
		return nil, 0, &bearerError{reason: refusedExpired, desc: "the token has expired; refresh it", cause: err}
	case errors.Is(err, oidc.ErrInvalidBearerToken):
		return nil, 0, &bearerError{reason: refusedInvalid, desc: "the token is not valid here", cause: err}
	case err != nil:
		return nil, 0, err
	}
	claims := make(map[string]string, 16)
	mergeClaims(claims, bt.Claims)
	if claims["email_verified"] != "true" {
		delete(claims, "email") // only verified addresses identify a person
	}
	claims["sub"] = bt.Subject
	claims["id"] = p.userID(bt.Subject)
	if g.multi() {
		claims["provider"] = p.name
	}
	sess := &session.Session{
		UserID: claims["id"], Issuer: p.rp.Provider.Issuer(), Claims: claims,
		Scopes: tokenScopes(bt.Claims), AccessExpiry: bt.Expiry,
	}
	return sess, bt.Expiry.Sub(g.now()), nil
}

// tokenScopes reads the scopes of a JWT access token: "scope" (space-separated, RFC 9068) or
// "scp" (an array, as some providers send).
func tokenScopes(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	var out []string
	if list, ok := claims["scp"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
