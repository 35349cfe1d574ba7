package oidc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrInvalidBearerToken reports a bearer JWT that failed [Client.VerifyBearer]: its form,
// header, signature or claims. An expired one also matches [ErrTokenExpired].
var ErrInvalidBearerToken = errors.New("oidc: invalid bearer token")

// BearerOptions holds what [Client.VerifyBearer] expects of a bearer JWT.
type BearerOptions struct {
	// Audiences are the accepted aud values: the token's aud must contain at least one.
	// Required.
	Audiences []string
}

// BearerToken is a verified bearer JWT.
type BearerToken struct {
	// Subject is sub.
	Subject string
	// Audience is aud, as a list.
	Audience []string
	// Expiry is exp.
	Expiry time.Time
	// Claims holds every claim of the payload (numbers as json.Number).
	Claims map[string]any
}

// VerifyBearer verifies raw as a JWT presented as `Authorization: Bearer` by an API client
// (an ID token or a JWT access token, RFC 9068) of this client's provider:
//
//   - compact JWS of at most 16 KiB, alg among the allowed algorithms (never "none" or HS*),
//     no crit, signature checked with a key of the provider's jwks_uri chosen by kid;
//   - typ absent, "JWT", "at+jwt" or "application/at+jwt";
//   - iss equal to the issuer; aud (string or array) containing one of opts.Audiences;
//     sub a non-empty string of at most 255 bytes;
//   - exp present and after now-leeway; nbf, when present, at most now+leeway; iat, when
//     present, not after now+leeway.
//
// Unlike [Client.Verify] it checks no nonce, no azp and no age of the login: such tokens are
// used by apps for hours after the login. Failures wrap [ErrInvalidBearerToken] (and
// [ErrTokenExpired] for an expired one); a provider outage while fetching keys wraps
// [ErrProviderUnavailable].
func (c *Client) VerifyBearer(ctx context.Context, raw string, opts BearerOptions) (*BearerToken, error) {
	if len(opts.Audiences) == 0 {
		return nil, errors.New("oidc: VerifyBearer needs at least one audience")
	}
	if strings.Count(raw, ".") != 2 {
		return nil, bearerInvalid(nil, "not a JWT (an opaque token cannot be checked here)")
	}
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, err
	}
	algs, err := c.allowedAlgs(md)
	if err != nil {
		return nil, err
	}
	hdr, payload, err := c.Provider.keys.verifyJWS(ctx, raw, algs, bearerTokenRefetch)
	if err != nil {
		if errors.Is(err, ErrProviderUnavailable) {
			return nil, err
		}
		return nil, bearerInvalid(err, "")
	}
	switch strings.ToLower(hdr.Typ) {
	case "", "jwt", "at+jwt", "application/at+jwt":
	default:
		return nil, bearerInvalid(nil, fmt.Sprintf("typ %.32q is not a bearer token type", hdr.Typ))
	}
	claims, err := decodeObject(payload)
	if err != nil {
		return nil, bearerInvalid(err, "payload")
	}
	return c.checkBearerClaims(claims, opts, c.Provider.now())
}

// checkBearerClaims applies VerifyBearer's claim rules at time now.
func (c *Client) checkBearerClaims(claims map[string]any, opts BearerOptions, now time.Time) (*BearerToken, error) {
	tok := &BearerToken{Claims: claims}
	if _, err := c.checkIssuer(claims); err != nil {
		return nil, bearerInvalid(err, "")
	}
	aud, err := audience(claims)
	if err != nil {
		return nil, bearerInvalid(err, "")
	}
	if !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(opts.Audiences, a) }) {
		return nil, bearerInvalid(nil, "aud holds none of the accepted audiences")
	}
	tok.Audience = aud
	if tok.Subject, err = requiredString(claims, "sub"); err != nil {
		return nil, bearerInvalid(err, "")
	}
	if len(tok.Subject) > 255 {
		return nil, bearerInvalid(nil, "sub is longer than 255 bytes")
	}
	leeway := c.leeway()
	exp, ok, err := numericDate(claims, "exp")
	if err != nil || !ok {
		return nil, bearerInvalid(orMissing(err, "exp"), "")
	}
	if !exp.After(now.Add(-leeway)) {
		return nil, &tokenInvalidError{class: ErrInvalidBearerToken, kind: ErrTokenExpired,
			reason: fmt.Sprintf("expired at %s (now %s, leeway %s)", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), leeway)}
	}
	tok.Expiry = exp
	for _, name := range []string{"nbf", "iat"} {
		t, ok, err := numericDate(claims, name)
		if err != nil {
			return nil, bearerInvalid(err, "")
		}
		if ok && t.After(now.Add(leeway)) {
			return nil, bearerInvalid(nil, fmt.Sprintf("%s %s is in the future", name, t.UTC().Format(time.RFC3339)))
		}
	}
	return tok, nil
}

// bearerInvalid returns a bearer verification failure with cause and reason.
func bearerInvalid(cause error, reason string) error {
	return &tokenInvalidError{class: ErrInvalidBearerToken, reason: reason, cause: cause}
}
