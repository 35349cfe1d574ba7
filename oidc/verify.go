package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"math"
	"slices"
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
//     iat <= now+leeway; nbf, when present, <= now+leeway;
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
	hdr, payload, err := c.Provider.keys.verifyJWS(ctx, rawIDToken, algs)
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

// checkClaims applies the claim rules of Verify at time now.
func (c *Client) checkClaims(claims map[string]any, opts VerifyOptions, now time.Time) (*IDToken, error) {
	leeway := c.leeway()
	tok := &IDToken{Claims: claims}
	var err error

	if tok.Issuer, err = requiredString(claims, "iss"); err != nil {
		return nil, err
	}
	if tok.Issuer != c.Provider.issuer {
		return nil, invalidf("iss %.100q is not the issuer %q", tok.Issuer, c.Provider.issuer)
	}
	if tok.Audience, err = audience(claims); err != nil {
		return nil, err
	}
	if !slices.Contains(tok.Audience, c.ClientID) {
		return nil, invalidf("aud does not contain the client id")
	}
	for _, a := range tok.Audience {
		if a != c.ClientID && !slices.Contains(c.TrustedAudiences, a) {
			return nil, invalidf("aud contains the untrusted audience %.100q", a)
		}
	}
	azp, hasAzp, err := optionalString(claims, "azp")
	if err != nil {
		return nil, err
	}
	if len(tok.Audience) > 1 && !hasAzp {
		return nil, invalidf("aud has %d members and azp is missing", len(tok.Audience))
	}
	if hasAzp && azp != c.ClientID {
		return nil, invalidf("azp %.100q is not the client id", azp)
	}
	if tok.Subject, err = requiredString(claims, "sub"); err != nil {
		return nil, err
	}
	if len(tok.Subject) > 255 {
		return nil, invalidf("sub is longer than 255 bytes")
	}

	exp, ok, err := numericDate(claims, "exp")
	if err != nil || !ok {
		return nil, orMissing(err, "exp")
	}
	if !exp.After(now.Add(-leeway)) {
		return nil, invalidKind(ErrTokenExpired, "expired at %s (now %s, leeway %s)",
			exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), leeway)
	}
	tok.Expiry = exp
	iat, ok, err := numericDate(claims, "iat")
	if err != nil || !ok {
		return nil, orMissing(err, "iat")
	}
	if iat.After(now.Add(leeway)) {
		return nil, invalidf("issued in the future (iat %s)", iat.UTC().Format(time.RFC3339))
	}
	tok.IssuedAt = iat
	nbf, ok, err := numericDate(claims, "nbf")
	if err != nil {
		return nil, err
	}
	if ok && nbf.After(now.Add(leeway)) {
		return nil, invalidf("not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	authTime, ok, err := numericDate(claims, "auth_time")
	if err != nil {
		return nil, err
	}
	if ok {
		tok.AuthTime = authTime
	}
	if opts.MaxAge > 0 {
		if !ok {
			return nil, invalidf("auth_time is required when a max age is set")
		}
		if now.Sub(authTime) > opts.MaxAge+leeway {
			return nil, invalidf("authentication at %s is older than the max age %s",
				authTime.UTC().Format(time.RFC3339), opts.MaxAge)
		}
	}

	nonce, hasNonce, err := optionalString(claims, "nonce")
	if err != nil && opts.Nonce != "" {
		return nil, invalidKind(ErrNonceMismatch, "nonce is not a string")
	}
	if opts.Nonce != "" {
		if !hasNonce {
			return nil, invalidKind(ErrNonceMismatch, "nonce is missing")
		}
		if subtle.ConstantTimeCompare([]byte(nonce), []byte(opts.Nonce)) != 1 {
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

// requiredString returns claim name, which must be a non-empty string.
func requiredString(claims map[string]any, name string) (string, error) {
	s, ok, err := optionalString(claims, name)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", invalidf("%s is missing or empty", name)
	}
	return s, nil
}

// optionalString returns claim name and whether it is present; present
// but not a string is an error.
func optionalString(claims map[string]any, name string) (string, bool, error) {
	v, ok := claims[name]
	if !ok {
		return "", false, nil
	}
	s, isString := v.(string)
	if !isString {
		return "", true, invalidf("%s is not a string", name)
	}
	return s, true, nil
}

// audience returns aud, which must be a string or a non-empty array of
// strings.
func audience(claims map[string]any) ([]string, error) {
	switch v := claims["aud"].(type) {
	case nil:
		return nil, invalidf("aud is missing")
	case string:
		if v == "" {
			return nil, invalidf("aud is empty")
		}
		return []string{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, invalidf("aud is an empty array")
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, invalidf("aud holds a non-string member")
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, invalidf("aud is neither a string nor an array of strings")
	}
}

// numericDate returns claim name as a time; present but not a JSON number
// in [0, year 9999] is an error.
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		return time.Time{}, true, invalidf("%s is not a number", name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, true, invalidf("%s is not a valid date", name)
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)), true, nil
}

// orMissing returns err, or a "missing" failure for name when err is nil.
func orMissing(err error, name string) error {
	if err != nil {
		return err
	}
	return invalidf("%s is missing", name)
}
