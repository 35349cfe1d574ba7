package oidc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// BackChannelLogoutEvent is the member of a logout token's events claim that
// makes it a back-channel logout request (OpenID Connect Back-Channel Logout
// 1.0, section 2.4).
const BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// MaxLogoutTokenAge is how old (by iat) a logout token may be: they are sent
// the moment the provider ends a session, so an older one is a replay.
const MaxLogoutTokenAge = 5 * time.Minute

// maxLogoutIDLength bounds jti and sid.
const maxLogoutIDLength = 255

// ErrInvalidLogoutToken reports a back-channel logout token that failed
// verification: its form, header, signature or claims.
var ErrInvalidLogoutToken = errors.New("oidc: invalid logout token")

// LogoutToken is a verified back-channel logout token.
type LogoutToken struct {
	// Issuer is iss; it equals the Provider's issuer.
	Issuer string
	// Subject is sub; empty when the token names only a session (SessionID).
	Subject string
	// SessionID is sid, the provider's session; empty when the token names
	// only a Subject.
	SessionID string
	// ID is jti, unique per token.
	ID string
	// IssuedAt is iat.
	IssuedAt time.Time
	// Expiry is exp; zero when the token has none.
	Expiry time.Time
}

// VerifyLogoutToken verifies raw as a back-channel logout token for this
// client (OpenID Connect Back-Channel Logout 1.0, section 2.6):
//
//   - the signature, exactly as for ID tokens (see [Client.Verify]): compact
//     form, an allowed asymmetric alg (never none or HS*), a key of the
//     provider's jwks_uri;
//   - typ, when present, logout+jwt (or JWT, which many providers send; an ID
//     token is still refused by the rules below);
//   - iss equal to the issuer; aud containing ClientID and otherwise only
//     TrustedAudiences;
//   - iat present, not in the future beyond the leeway, and not older than
//     MaxLogoutTokenAge; exp, when present, not passed beyond the leeway;
//   - jti a non-empty string; sub and/or sid non-empty strings;
//   - events an object with a BackChannelLogoutEvent member that is an
//     object; no nonce (so an ID token can never pass as a logout token).
//
// Every failure wraps [ErrInvalidLogoutToken], except a provider outage while
// fetching keys, which wraps [ErrProviderUnavailable].
func (c *Client) VerifyLogoutToken(ctx context.Context, raw string) (*LogoutToken, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, err
	}
	algs, err := c.allowedAlgs(md)
	if err != nil {
		return nil, logoutInvalid(err)
	}
	hdr, payload, err := c.Provider.keys.verifyJWS(ctx, raw, algs, logoutTokenRefetch)
	if err != nil {
		if errors.Is(err, ErrProviderUnavailable) {
			return nil, err
		}
		return nil, logoutInvalid(err)
	}
	switch strings.ToLower(hdr.Typ) {
	case "", "logout+jwt", "application/logout+jwt", "jwt":
	default:
		return nil, logoutInvalidf("typ %.32q is not a logout token type", hdr.Typ)
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, logoutInvalid(err)
	}
	lt, err := c.checkLogoutClaims(claims, c.Provider.now())
	if err != nil {
		return nil, logoutInvalid(err)
	}
	return lt, nil
}

// checkLogoutClaims applies the claim rules of VerifyLogoutToken at time now
// and returns the plain reason of a failure.
func (c *Client) checkLogoutClaims(claims map[string]any, now time.Time) (*LogoutToken, error) {
	leeway := c.leeway()
	lt := &LogoutToken{}
	var err error
	if lt.Issuer, err = c.checkIssuer(claims); err != nil {
		return nil, err
	}
	if _, err = c.checkAudience(claims); err != nil {
		return nil, err
	}
	if lt.IssuedAt, err = issuedAt(claims, now, leeway); err != nil {
		return nil, err
	}
	if now.Sub(lt.IssuedAt) > MaxLogoutTokenAge+leeway {
		return nil, fmt.Errorf("issued at %s, more than %s ago", lt.IssuedAt.UTC().Format(time.RFC3339), MaxLogoutTokenAge)
	}
	exp, ok, err := numericDate(claims, "exp")
	if err != nil {
		return nil, err
	}
	if ok {
		if !exp.After(now.Add(-leeway)) {
			return nil, fmt.Errorf("%w at %s", errExpired, exp.UTC().Format(time.RFC3339))
		}
		lt.Expiry = exp
	}
	if lt.ID, err = requiredString(claims, "jti"); err != nil {
		return nil, err
	}
	var hasSub, hasSid bool
	if lt.Subject, hasSub, err = optionalString(claims, "sub"); err != nil {
		return nil, err
	}
	if lt.SessionID, hasSid, err = optionalString(claims, "sid"); err != nil {
		return nil, err
	}
	switch {
	case (!hasSub || lt.Subject == "") && (!hasSid || lt.SessionID == ""):
		return nil, errors.New("neither sub nor sid is present")
	case hasSub && lt.Subject == "", hasSid && lt.SessionID == "":
		return nil, errors.New("sub or sid is empty")
	case len(lt.Subject) > 255 || len(lt.SessionID) > maxLogoutIDLength || len(lt.ID) > maxLogoutIDLength:
		return nil, errors.New("sub, sid or jti is too long")
	}
	events, ok := claims["events"].(map[string]any)
	if !ok {
		return nil, errors.New("events is missing or not an object")
	}
	if _, ok := events[BackChannelLogoutEvent].(map[string]any); !ok {
		return nil, errors.New("events has no back-channel logout member")
	}
	if _, ok := claims["nonce"]; ok {
		return nil, errors.New("nonce is present (an ID token is not a logout token)")
	}
	return lt, nil
}

// logoutInvalid turns a failure into a logout token failure: a token
// verification failure (of the signature checks shared with ID tokens) keeps
// its reason and cause under the logout token class; a plain reason is
// wrapped in it.
func logoutInvalid(err error) error {
	var ti *tokenInvalidError
	if errors.As(err, &ti) {
		return &tokenInvalidError{class: ErrInvalidLogoutToken, reason: ti.reason, cause: ti.cause}
	}
	return &tokenInvalidError{class: ErrInvalidLogoutToken, cause: err}
}

// logoutInvalidf returns a logout token failure with a formatted reason.
func logoutInvalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidLogoutToken}, args...)...)
}
