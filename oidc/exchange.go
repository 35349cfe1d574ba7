package oidc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Token is a token endpoint answer (RFC 6749 section 5.1). Never log it.
type Token struct {
	// AccessToken is the bearer token for the provider's APIs.
	AccessToken string
	// TokenType is "bearer" in any letter case; other types are refused.
	TokenType string
	// RefreshToken is empty when the provider issued none (after a refresh:
	// keep using the previous one).
	RefreshToken string
	// IDToken is the raw ID token. Always set after Exchange; after Refresh
	// only when the provider issued a new one. Verify it with
	// [Client.Verify] before trusting anything in it.
	IDToken string
	// Expiry is when AccessToken expires (from expires_in); zero if unknown.
	Expiry time.Time
	// RefreshExpiry is when RefreshToken expires (from Kakao's
	// refresh_token_expires_in); zero if unknown.
	RefreshExpiry time.Time
	// Scopes are the granted scopes (from the space-separated scope
	// member); nil when the provider did not say.
	Scopes []string
}

// Exchange redeems an authorization code (RFC 6749 section 4.1.3) with the
// PKCE verifier (RFC 7636) and the redirect URI, which must be byte for byte
// the one sent in the authorization request. The answer must carry an
// id_token; verify it with [Client.Verify] and the login's nonce.
//
// An error answer is a [*TokenError] (errors.Is(err, ErrInvalidGrant) for
// a bad, used or expired code); transport failures and 5xx wrap
// [ErrProviderUnavailable].
func (c *Client) Exchange(ctx context.Context, code, verifier, redirectURI string) (*Token, error) {
	switch {
	case code == "":
		return nil, errors.New("oidc: exchange: code is empty")
	case !validVerifier(verifier):
		return nil, errors.New("oidc: exchange: code verifier is not a valid RFC 7636 verifier")
	case redirectURI == "":
		return nil, errors.New("oidc: exchange: redirect URI is empty")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}
	return c.tokenRequest(ctx, form, true)
}

// Refresh redeems a refresh token (RFC 6749 section 6). The answer may
// carry a new refresh token and a new ID token; verify the latter with
// [Client.Verify], passing the session's subject in VerifyOptions.Subject.
// errors.Is(err, ErrInvalidGrant) means the refresh token is dead and the
// session must end.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, errors.New("oidc: refresh: refresh token is empty")
	}
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	}
	return c.tokenRequest(ctx, form, false)
}

// authMethod picks the token endpoint authentication method.
func (c *Client) authMethod(md *Metadata) string {
	if c.AuthMethod != "" {
		return c.AuthMethod
	}
	m := md.TokenEndpointAuthMethods
	if slices.Contains(m, AuthMethodBasic) && !slices.Contains(m, AuthMethodPost) {
		return AuthMethodBasic
	}
	return AuthMethodPost
}

// tokenRequest POSTs form to the token endpoint with client
// authentication and parses the answer.
func (c *Client) tokenRequest(ctx context.Context, form url.Values, requireIDToken bool) (*Token, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, err
	}
	var basic string
	switch method := c.authMethod(md); {
	case c.ClientSecret == "":
		form.Set("client_id", c.ClientID)
	case method == AuthMethodPost:
		form.Set("client_id", c.ClientID)
		form.Set("client_secret", c.ClientSecret)
	case method == AuthMethodBasic:
		basic = base64.StdEncoding.EncodeToString(
			[]byte(url.QueryEscape(c.ClientID) + ":" + url.QueryEscape(c.ClientSecret)))
	default:
		return nil, fmt.Errorf("oidc: unsupported AuthMethod %q", method)
	}

	ctx, cancel := context.WithTimeout(ctx, c.Provider.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, md.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("oidc: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	req.Header.Set("Accept", "application/json")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	res, err := c.httpClient().Do(req)
	if err != nil {
		return nil, unavailable("token endpoint", err)
	}
	defer res.Body.Close()
	body, err := readCapped(res.Body, maxTokenBody)
	if err != nil {
		return nil, unavailable("token endpoint", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, parseTokenError(res.StatusCode, body)
	}
	return c.parseToken(body, requireIDToken)
}

// parseTokenError builds a *TokenError from an error answer; a body that is
// not the JSON error object still yields the status.
func parseTokenError(status int, body []byte) error {
	te := &TokenError{StatusCode: status}
	var e struct {
		Error       any `json:"error"`
		Description any `json:"error_description"`
		KakaoCode   any `json:"error_code"`
	}
	if json.Unmarshal(body, &e) == nil {
		te.Code, _ = e.Error.(string)
		te.Description, _ = e.Description.(string)
		te.KakaoCode, _ = e.KakaoCode.(string)
	}
	return te
}

// parseToken decodes a successful token answer.
func (c *Client) parseToken(body []byte, requireIDToken bool) (*Token, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: token answer is not a JSON object", ErrInvalidResponse)
	}
	if _, ok := m["error"]; ok {
		return nil, parseTokenError(http.StatusOK, body)
	}
	str := func(name string) (string, error) {
		v, ok := m[name]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: token answer member %s is not a string", ErrInvalidResponse, name)
		}
		return s, nil
	}
	var t Token
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"access_token", &t.AccessToken}, {"token_type", &t.TokenType},
		{"refresh_token", &t.RefreshToken}, {"id_token", &t.IDToken},
	} {
		if *f.dst, err = str(f.name); err != nil {
			return nil, err
		}
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("%w: token answer has no access_token", ErrInvalidResponse)
	}
	if !strings.EqualFold(t.TokenType, "bearer") {
		return nil, fmt.Errorf("%w: token_type %.32q is not bearer", ErrInvalidResponse, t.TokenType)
	}
	if requireIDToken && t.IDToken == "" {
		return nil, fmt.Errorf("%w: token answer has no id_token", ErrInvalidResponse)
	}
	if len(t.IDToken) > maxIDTokenSize {
		return nil, fmt.Errorf("%w: id_token is larger than %d bytes", ErrInvalidResponse, maxIDTokenSize)
	}
	now := c.Provider.now()
	if t.Expiry, err = expiresAt(m, "expires_in", now); err != nil {
		return nil, err
	}
	if t.RefreshExpiry, err = expiresAt(m, "refresh_token_expires_in", now); err != nil {
		return nil, err
	}
	scope, err := str("scope")
	if err != nil {
		return nil, err
	}
	if _, ok := m["scope"]; ok {
		t.Scopes = strings.Fields(scope)
	}
	return &t, nil
}

// expiresAt turns a lifetime in seconds (a JSON number, or a string of
// digits as some providers send) into an absolute time; absent or zero
// gives the zero time.
func expiresAt(m map[string]any, name string, now time.Time) (time.Time, error) {
	var s string
	switch v := m[name].(type) {
	case nil:
		return time.Time{}, nil
	case json.Number:
		s = v.String()
	case string:
		s = v
	default:
		return time.Time{}, fmt.Errorf("%w: token answer member %s is not a number", ErrInvalidResponse, name)
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || !(n >= 0 && n <= 100*365*24*3600) { // also refuses NaN
		return time.Time{}, fmt.Errorf("%w: token answer member %s is not a valid lifetime", ErrInvalidResponse, name)
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return now.Add(time.Duration(n * float64(time.Second))), nil
}
