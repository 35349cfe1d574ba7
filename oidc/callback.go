package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
)

// ParseCallback checks the authorization response that the provider
// redirected to the redirect URI (query holds its parameters) and returns
// the authorization code. state is the value bound to this browser when the
// login started. In order:
//
//  1. state must be present once and equal state (constant-time), else the
//     error wraps [ErrStateMismatch];
//  2. iss (RFC 9207), when present or when the discovery document promises
//     it, must equal the issuer exactly, else [ErrIssuerMismatch];
//  3. an error parameter yields an [*AuthError] ([ErrAccessDenied] when
//     the user declined);
//  4. code must be present once.
//
// Only after ParseCallback succeeds may the code be sent to
// [Client.Exchange].
func (c *Client) ParseCallback(ctx context.Context, query url.Values, state string) (string, error) {
	if state == "" {
		return "", fmt.Errorf("oidc: callback: no state is bound to this browser: %w", ErrStateMismatch)
	}
	got := query["state"]
	if len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(state)) != 1 {
		return "", fmt.Errorf("oidc: callback: %w", ErrStateMismatch)
	}
	md, err := c.metadata(ctx)
	if err != nil {
		return "", err
	}
	iss, hasIss := query["iss"]
	if hasIss || md.AuthorizationResponseIssParameterSupported {
		if len(iss) != 1 {
			return "", fmt.Errorf("oidc: callback: iss parameter missing or repeated: %w", ErrIssuerMismatch)
		}
		if iss[0] != c.Provider.issuer {
			return "", fmt.Errorf("oidc: callback: iss %.100q is not the issuer: %w", iss[0], ErrIssuerMismatch)
		}
	}
	if e := query.Get("error"); e != "" {
		return "", &AuthError{Code: e, Description: query.Get("error_description")}
	}
	code := query["code"]
	if len(code) != 1 || code[0] == "" {
		return "", errors.New("oidc: callback: code missing or repeated")
	}
	return code[0], nil
}
