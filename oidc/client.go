package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Client authentication methods at the token endpoint.
const (
	// AuthMethodPost sends client_id and client_secret in the form body.
	AuthMethodPost = "client_secret_post"
	// AuthMethodBasic sends them in an HTTP Basic Authorization header,
	// each form-urlencoded first (RFC 6749 section 2.3.1).
	AuthMethodBasic = "client_secret_basic"
)

// DefaultLeeway is the clock skew tolerated on exp, iat, nbf and auth_time.
const DefaultLeeway = 60 * time.Second

// Client is a confidential OpenID Connect relying party using the
// authorization code flow with PKCE at one [Provider]. Set the fields, then
// use it from any number of goroutines; do not change fields while in use.
type Client struct {
	// Provider is the identity provider. Required.
	Provider *Provider
	// ClientID is the client identifier registered at the provider
	// (Kakao: the REST API key). Required.
	ClientID string
	// ClientSecret authenticates the client at the token endpoint. Empty
	// for a public client: then only client_id is sent.
	ClientSecret string
	// Scopes are requested when [AuthRequest.Scopes] is nil.
	Scopes []string
	// ScopeSeparator joins scopes in the authorization request.
	// Default: " " (RFC 6749); Kakao's additional-consent requests use ",".
	ScopeSeparator string
	// HTTPClient makes token and userinfo calls. Default: the Provider's.
	// Redirects are never followed for these calls.
	HTTPClient *http.Client
	// AuthMethod forces a token endpoint authentication method
	// (AuthMethodPost or AuthMethodBasic). Default: AuthMethodPost, or
	// AuthMethodBasic when the discovery document lists basic but not post.
	AuthMethod string
	// SigningAlgs overrides the ID token algorithms accepted. Default: the
	// discovery document's id_token_signing_alg_values_supported,
	// intersected with the asymmetric algorithms (RS*, PS*, ES*, EdDSA).
	// Only those are allowed here; "none" and HS* never are.
	SigningAlgs []string
	// TrustedAudiences are audiences besides ClientID an ID token may name.
	// Default: none, so aud must be exactly ClientID.
	TrustedAudiences []string
	// Leeway is the clock skew tolerated when checking exp, iat, nbf and
	// auth_time. Default: 60s.
	Leeway time.Duration
}

// AuthRequest describes one authorization request. State, Nonce and
// CodeChallenge must be fresh per login (see [RandomToken], [GenerateVerifier]
// and [S256Challenge]).
type AuthRequest struct {
	// RedirectURI is the callback registered at the provider; the same
	// string must be passed to [Client.Exchange]. Required.
	RedirectURI string
	// State binds the response to the browser that started the login.
	// Required.
	State string
	// Nonce binds the ID token to this login. Required.
	Nonce string
	// CodeChallenge is S256Challenge(verifier). Required; the method sent is
	// always S256.
	CodeChallenge string
	// Prompt is the OIDC prompt parameter ("none", "login", ...); omitted
	// when empty.
	Prompt string
	// LoginHint is the OIDC login_hint parameter; omitted when empty.
	LoginHint string
	// Scopes overrides Client.Scopes when non-nil. When the resulting list
	// is empty the scope parameter is omitted.
	Scopes []string
	// Extra holds further parameters. It may not set any parameter this
	// type controls.
	Extra url.Values
}

// reservedParams are the authorization request parameters AuthCodeURL
// controls; Extra may not override them.
var reservedParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "prompt", "login_hint",
}

// AuthCodeURL returns the URL of the provider's authorization endpoint
// for req: response_type=code, client_id, redirect_uri, scope, state,
// nonce, code_challenge with code_challenge_method=S256, and the optional
// parameters. It needs the discovery document, so it fails with
// [ErrProviderUnavailable] while the provider cannot be reached.
func (c *Client) AuthCodeURL(ctx context.Context, req AuthRequest) (string, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case req.RedirectURI == "":
		return "", errors.New("oidc: auth request: RedirectURI is required")
	case req.State == "":
		return "", errors.New("oidc: auth request: State is required")
	case req.Nonce == "":
		return "", errors.New("oidc: auth request: Nonce is required")
	case req.CodeChallenge == "":
		return "", errors.New("oidc: auth request: CodeChallenge is required")
	}
	for name := range req.Extra {
		if slices.Contains(reservedParams, name) {
			return "", fmt.Errorf("oidc: auth request: Extra may not set %q", name)
		}
	}
	scopes := c.Scopes
	if req.Scopes != nil {
		scopes = req.Scopes
	}
	sep := c.ScopeSeparator
	if sep == "" {
		sep = " "
	}
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") || strings.Contains(s, sep) {
			return "", fmt.Errorf("oidc: auth request: invalid scope %q", s)
		}
	}
	u, err := url.Parse(md.AuthorizationEndpoint)
	if err != nil {
		return "", fmt.Errorf("oidc: authorization endpoint: %w", err)
	}
	q := u.Query()
	for name, vs := range req.Extra {
		q[name] = slices.Clone(vs)
	}
	q.Set("response_type", "code")
	q.Set("client_id", c.ClientID)
	q.Set("redirect_uri", req.RedirectURI)
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, sep))
	}
	q.Set("state", req.State)
	q.Set("nonce", req.Nonce)
	q.Set("code_challenge", req.CodeChallenge)
	q.Set("code_challenge_method", "S256")
	if req.Prompt != "" {
		q.Set("prompt", req.Prompt)
	}
	if req.LoginHint != "" {
		q.Set("login_hint", req.LoginHint)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// metadata checks the Client's required fields and returns the provider's
// discovery document.
func (c *Client) metadata(ctx context.Context) (*Metadata, error) {
	if c.Provider == nil {
		return nil, errors.New("oidc: client has no Provider")
	}
	if c.ClientID == "" {
		return nil, errors.New("oidc: client has no ClientID")
	}
	return c.Provider.Metadata(ctx)
}

// httpClient returns the client for token and userinfo calls, which never
// follows redirects.
func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return noRedirects(c.HTTPClient)
	}
	return noRedirects(c.Provider.httpClient)
}

// leeway returns the configured clock skew tolerance.
func (c *Client) leeway() time.Duration {
	return orDefault(c.Leeway, DefaultLeeway)
}

// allowedAlgs returns the ID token algorithms to accept: SigningAlgs when
// set, else the discovered ones that this package supports.
func (c *Client) allowedAlgs(md *Metadata) ([]string, error) {
	if len(c.SigningAlgs) > 0 {
		if err := checkAlgs(c.SigningAlgs); err != nil {
			return nil, err
		}
		return c.SigningAlgs, nil
	}
	var algs []string
	for _, a := range md.IDTokenSigningAlgs {
		if _, ok := algFamily[a]; ok {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("%w: provider advertises no supported ID token signing algorithm (got %q)",
			ErrInvalidIDToken, md.IDTokenSigningAlgs)
	}
	return algs, nil
}
