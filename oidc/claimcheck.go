package oidc

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The claim checks ID tokens and logout tokens share. Each returns a plain
// reason; Verify and VerifyLogoutToken wrap it once in their own error class.

// errExpired is the reason of a token whose exp has passed.
var errExpired = errors.New("expired")

// checkIssuer returns iss, which must be the provider's issuer.
func (c *Client) checkIssuer(claims map[string]any) (string, error) {
	iss, err := requiredString(claims, "iss")
	if err != nil {
		return "", err
	}
	if iss != c.Provider.issuer {
		return "", fmt.Errorf("iss %.100q is not the issuer %q", iss, c.Provider.issuer)
	}
	return iss, nil
}

// checkAudience returns aud, which must contain the client id and otherwise
// only trusted audiences.
func (c *Client) checkAudience(claims map[string]any) ([]string, error) {
	aud, err := audience(claims)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(aud, c.ClientID) {
		return nil, errors.New("aud does not contain the client id")
	}
	for _, a := range aud {
		if a != c.ClientID && !slices.Contains(c.TrustedAudiences, a) {
			return nil, fmt.Errorf("aud contains the untrusted audience %.100q", a)
		}
	}
	return aud, nil
}

// issuedAt returns iat, which must be present and not in the future beyond
// leeway.
func issuedAt(claims map[string]any, now time.Time, leeway time.Duration) (time.Time, error) {
	iat, ok, err := numericDate(claims, "iat")
	if err != nil || !ok {
		return time.Time{}, orMissing(err, "iat")
	}
	if iat.After(now.Add(leeway)) {
		return time.Time{}, fmt.Errorf("issued in the future (iat %s)", iat.UTC().Format(time.RFC3339))
	}
	return iat, nil
}

// requiredString returns claim name, which must be a non-empty string.
func requiredString(claims map[string]any, name string) (string, error) {
	s, ok, err := optionalString(claims, name)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", fmt.Errorf("%s is missing or empty", name)
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
		return "", true, fmt.Errorf("%s is not a string", name)
	}
	return s, true, nil
}

// audience returns aud, which must be a string or a non-empty array of
// strings.
func audience(claims map[string]any) ([]string, error) {
	switch v := claims["aud"].(type) {
	case nil:
		return nil, errors.New("aud is missing")
	case string:
		if v == "" {
			return nil, errors.New("aud is empty")
		}
		return []string{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, errors.New("aud is an empty array")
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("aud holds a non-string member")
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, errors.New("aud is neither a string nor an array of strings")
	}
}

// numericDate returns claim name as a time and whether it is present; it
// must be a JSON number of seconds since the epoch, within year 9999.
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		return time.Time{}, true, fmt.Errorf("%s is not a number", name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, true, fmt.Errorf("%s is not a valid date", name)
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)), true, nil
}

// orMissing returns err, or a "missing" reason for name when err is nil.
func orMissing(err error, name string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s is missing", name)
}
