package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxNumericDate is 9999-12-31T23:59:59Z; larger exp/iat values are refused
// rather than overflowing time arithmetic.
const maxNumericDate = 253402300799

// VerifyOptions holds the per-login expectations for [Client.Verify].
type VerifyOptions struct {
	// Nonce is the nonce sent in the authorization request. When non-empty
	// the token must carry exactly this nonce. Pass it for every login; it
	// may be empty only for tokens from a refresh.
	Nonce string
	// Subject, when non-empty, is the sub the token must carry (e.g. the
	// session's user when verifying a refreshed ID token).
	Subject string
	// MaxAge, when positive, requires auth_time and rejects an
	// authentication older than MaxAge (plus leeway).
	MaxAge time.Duration
	// MaxTokenAge, when positive, rejects a token whose iat is more than
	// MaxTokenAge (plus leeway) in the past. Set it for tokens that come
	// straight from the token endpoint (a login, a refresh), which are
	// always fresh; leave it zero for tokens a client presents, which may
	// have been issued long before.
	MaxTokenAge time.Duration
}

// IDToken is a verified ID token.
type IDToken struct {
	// Issuer is iss; it equals the Provider's issuer.
	Issuer string
	// Subject is sub: the provider's stable identifier of the user.
	Subject string
	// Audience is aud, as a list.
	Audience []string
	// Expiry is exp.
	Expiry time.Time
	// IssuedAt is iat.
	IssuedAt time.Time
	// AuthTime is auth_time; zero when absent.
	AuthTime time.Time
	// Nonce is the nonce claim; empty when absent.
	Nonce string
	// Claims holds every claim of the payload. JSON numbers are
	// json.Number, so large integers keep their precision.
	Claims map[string]any
}

// Verify verifies rawIDToken as an ID token for this client (OpenID Connect
// Core section 3.1.3.7) and returns its claims:
//
//   - compact serialization only, at most 16 KiB;
//   - header alg among the allowed algorithms (see Client.SigningAlgs),
//     never "none" or HS*; no crit; typ absent, "JWT" or "application/jwt";
//   - signature checked with a key of the provider's jwks_uri chosen by
//     kid (an unknown kid causes at most one rate-limited refetch);
//   - iss equal to the issuer; aud a string or array of strings containing
//     ClientID and otherwise only TrustedAudiences; azp, when present or
//     when aud has several members, equal to ClientID; sub a non-empty
//     string; exp and iat numbers with exp > now-leeway and
//     iat <= now+leeway (and >= now-opts.MaxTokenAge-leeway when that is
//     set); nbf, when present, <= now+leeway;
//   - nonce equal to opts.Nonce when that is set; sub equal to
//     opts.Subject when that is set; auth_time recent when opts.MaxAge is.
//
// Claims are checked without type coercion: a number where a string is
// required, or the reverse, is a failure. Every failure wraps
// [ErrInvalidIDToken] (and [ErrNonceMismatch], [ErrTokenExpired] or
// [ErrSubjectMismatch] where they apply); a provider outage while fetching
// keys wraps [ErrProviderUnavailable].
func (c *Client) Verify(ctx context.Context, rawIDToken string, opts VerifyOptions) (*IDToken, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, err
	}
	algs, err := c.allowedAlgs(md)
	if err != nil {
		return nil, err
	}
	hdr, payload, err := c.Provider.keys.verifyJWS(ctx, rawIDToken, algs, idTokenRefetch)
	if err != nil {
		return nil, err
	}
	if t := hdr.Typ; t != "" && !strings.EqualFold(t, "JWT") && !strings.EqualFold(t, "application/jwt") {
		return nil, invalidf("typ %.32q is not an ID token type", t)
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	return c.checkClaims(claims, opts, c.Provider.now())
}

// decodeClaims parses payload as exactly one JSON object, keeping numbers
// as json.Number.
func decodeClaims(payload []byte) (map[string]any, error) {
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, invalidCause(err, "payload")
	}
	return claims, nil
}

// checkClaims applies the claim rules of Verify at time now. Every failure
// wraps ErrInvalidIDToken once, around the plain reason of the check.
func (c *Client) checkClaims(claims map[string]any, opts VerifyOptions, now time.Time) (*IDToken, error) {
	tok := &IDToken{Claims: claims}
	if err := c.checkIDTokenParties(tok, claims); err != nil {
		return nil, invalidBecause(err)
	}
	if err := c.checkIDTokenTimes(tok, claims, opts, now); err != nil {
		if errors.Is(err, errExpired) {
			return nil, &tokenInvalidError{kind: ErrTokenExpired, cause: err}
		}
		return nil, invalidBecause(err)
	}
	nonce, hasNonce, err := optionalString(claims, "nonce")
	if opts.Nonce != "" {
		switch {
		case err != nil:
			return nil, invalidKind(ErrNonceMismatch, "nonce is not a string")
		case !hasNonce:
			return nil, invalidKind(ErrNonceMismatch, "nonce is missing")
		case subtle.ConstantTimeCompare([]byte(nonce), []byte(opts.Nonce)) != 1:
			return nil, invalidKind(ErrNonceMismatch, "nonce does not match the one sent")
		}
	}
	if hasNonce {
		tok.Nonce = nonce
	}
	if opts.Subject != "" && tok.Subject != opts.Subject {
		return nil, invalidKind(ErrSubjectMismatch, "sub is not the expected subject")
	}
	return tok, nil
}

// checkIDTokenParties checks iss, aud, azp and sub and records them in tok.
func (c *Client) checkIDTokenParties(tok *IDToken, claims map[string]any) error {
	var err error
	if tok.Issuer, err = c.checkIssuer(claims); err != nil {
		return err
	}
	if tok.Audience, err = c.checkAudience(claims); err != nil {
		return err
	}
	azp, hasAzp, err := optionalString(claims, "azp")
	if err != nil {
		return err
	}
	if len(tok.Audience) > 1 && !hasAzp {
		return fmt.Errorf("aud has %d members and azp is missing", len(tok.Audience))
	}
	if hasAzp && azp != c.ClientID {
		return fmt.Errorf("azp %.100q is not the client id", azp)
	}
	if tok.Subject, err = requiredString(claims, "sub"); err != nil {
		return err
	}
	if len(tok.Subject) > 255 {
		return errors.New("sub is longer than 255 bytes")
	}
	return nil
}

// checkIDTokenTimes checks exp, iat, nbf and auth_time (against opts.MaxAge)
// at time now and records them in tok. An expired token's error wraps
// errExpired.
func (c *Client) checkIDTokenTimes(tok *IDToken, claims map[string]any, opts VerifyOptions, now time.Time) error {
	leeway := c.leeway()
	exp, ok, err := numericDate(claims, "exp")
	if err != nil || !ok {
		return orMissing(err, "exp")
	}
	if !exp.After(now.Add(-leeway)) {
		return fmt.Errorf("%w at %s (now %s, leeway %s)", errExpired,
			exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), leeway)
	}
	tok.Expiry = exp
	if tok.IssuedAt, err = issuedAt(claims, now, leeway); err != nil {
		return err
	}
	if opts.MaxTokenAge > 0 && now.Sub(tok.IssuedAt) > opts.MaxTokenAge+leeway {
		return fmt.Errorf("issued at %s, longer than %s (plus %s leeway) ago: not fresh from the token endpoint",
			tok.IssuedAt.UTC().Format(time.RFC3339), opts.MaxTokenAge, leeway)
	}
	nbf, ok, err := numericDate(claims, "nbf")
	if err != nil {
		return err
	}
	if ok && nbf.After(now.Add(leeway)) {
		return fmt.Errorf("not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	authTime, ok, err := numericDate(claims, "auth_time")
	if err != nil {
		return err
	}
	tok.AuthTime = authTime
	if opts.MaxAge > 0 {
		if !ok {
			return errors.New("auth_time is required when a max age is set")
		}
		if now.Sub(authTime) > opts.MaxAge+leeway {
			return fmt.Errorf("authentication at %s is older than the max age %s",
				authTime.UTC().Format(time.RFC3339), opts.MaxAge)
		}
	}
	return nil
}
