package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
)

// authParam matches one quoted auth-param of a WWW-Authenticate header.
var authParam = regexp.MustCompile(`([A-Za-z_]+)="([^"]*)"`)

// UserInfo calls the provider's userinfo endpoint (OpenID Connect Core
// section 5.3) with accessToken in an Authorization: Bearer header (never in
// the URL) and returns its claims. The answer must be one JSON object whose
// sub equals subject exactly, the sub of the verified ID token; otherwise
// the claims are discarded and the error wraps [ErrSubjectMismatch].
// JSON numbers are json.Number. A refused token is a [*TokenError] with
// errors.Is(err, ErrInvalidToken).
func (c *Client) UserInfo(ctx context.Context, accessToken, subject string) (map[string]any, error) {
	if accessToken == "" {
		return nil, errors.New("oidc: userinfo: access token is empty")
	}
	if subject == "" {
		return nil, errors.New("oidc: userinfo: expected subject is empty")
	}
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if md.UserinfoEndpoint == "" {
		return nil, errors.New("oidc: userinfo: provider has no userinfo_endpoint")
	}
	ctx, cancel := context.WithTimeout(ctx, c.Provider.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, md.UserinfoEndpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("oidc: userinfo request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	res, err := c.httpClient().Do(req)
	if err != nil {
		return nil, unavailable("userinfo", err)
	}
	defer res.Body.Close()
	body, err := readCapped(res.Body, maxUserInfoBody)
	if err != nil {
		return nil, unavailable("userinfo", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, userInfoError(res, body)
	}
	if ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); ct == "application/jwt" {
		return nil, fmt.Errorf("%w: signed or encrypted userinfo is not supported", ErrInvalidResponse)
	}
	claims, err := decodeObject(body)
	if err != nil {
		return nil, fmt.Errorf("%w: userinfo: %w", ErrInvalidResponse, err)
	}
	sub, ok := claims["sub"].(string)
	if !ok {
		return nil, fmt.Errorf("oidc: userinfo: sub is missing or not a string: %w", ErrSubjectMismatch)
	}
	if sub != subject {
		return nil, fmt.Errorf("oidc: userinfo: sub differs from the ID token's: %w", ErrSubjectMismatch)
	}
	return claims, nil
}

// userInfoError builds a *TokenError from a userinfo error answer: the
// WWW-Authenticate error parameter (RFC 6750 section 3) or a JSON body. A
// 401 without a code counts as invalid_token.
func userInfoError(res *http.Response, body []byte) error {
	te := parseTokenError(res.StatusCode, body).(*TokenError)
	for _, m := range authParam.FindAllStringSubmatch(res.Header.Get("WWW-Authenticate"), -1) {
		switch m[1] {
		case "error":
			te.Code = m[2]
		case "error_description":
			te.Description = m[2]
		}
	}
	if te.Code == "" && res.StatusCode == http.StatusUnauthorized {
		te.Code = "invalid_token"
	}
	return te
}

// decodeObject parses body as exactly one JSON object with json.Number
// numbers.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return m, nil
}
