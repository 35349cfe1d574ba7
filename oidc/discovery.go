package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// discoveryPath is appended to the issuer to find its metadata
// (OpenID Connect Discovery 1.0, section 4).
const discoveryPath = "/.well-known/openid-configuration"

// Metadata is the subset of a provider's discovery document the relying
// party uses. Values returned by [Provider.Metadata] are shared: treat them
// as read-only.
type Metadata struct {
	// Issuer is the provider's issuer identifier; it equals the configured
	// issuer exactly.
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint is where browsers are sent to log in.
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	// TokenEndpoint redeems codes and refresh tokens.
	TokenEndpoint string `json:"token_endpoint"`
	// UserinfoEndpoint returns claims about the user; may be empty.
	UserinfoEndpoint string `json:"userinfo_endpoint,omitempty"`
	// JWKSURI is the only place signing keys are taken from.
	JWKSURI string `json:"jwks_uri"`
	// EndSessionEndpoint is the RP-initiated logout endpoint; may be empty.
	EndSessionEndpoint string `json:"end_session_endpoint,omitempty"`
	// IDTokenSigningAlgs lists the JWS algorithms the provider signs ID
	// tokens with. When the document omits it, it is ["RS256"].
	IDTokenSigningAlgs []string `json:"id_token_signing_alg_values_supported,omitempty"`
	// TokenEndpointAuthMethods lists the client authentication methods the
	// token endpoint accepts.
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	// CodeChallengeMethods lists the PKCE methods the provider supports.
	CodeChallengeMethods []string `json:"code_challenge_methods_supported,omitempty"`
	// ScopesSupported lists the scopes the provider advertises.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// AuthorizationResponseIssParameterSupported is true when the provider
	// adds iss to authorization responses (RFC 9207); callbacks without it
	// are then rejected.
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// discoveryURL returns the metadata URL for issuer.
func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + discoveryPath
}

// fetchMetadata GETs and validates the discovery document. Every failure
// wraps ErrProviderUnavailable: a broken document is as unusable as a
// missing one, and a later retry may succeed.
func fetchMetadata(ctx context.Context, c *http.Client, issuer string) (*Metadata, error) {
	u := discoveryURL(issuer)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, unavailable("discovery", err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return nil, unavailable("discovery", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, unavailable("discovery", fmt.Errorf("GET %s: status %d", u, res.StatusCode))
	}
	body, err := readCapped(res.Body, maxDiscoveryBody)
	if err != nil {
		return nil, unavailable("discovery", fmt.Errorf("GET %s: %w", u, err))
	}
	md, err := parseMetadata(body, issuer)
	if err != nil {
		return nil, unavailable("discovery", fmt.Errorf("%s: %w", u, err))
	}
	return md, nil
}

// parseMetadata decodes and validates a discovery document for issuer.
func parseMetadata(body []byte, issuer string) (*Metadata, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: document is not a JSON object", ErrInvalidResponse)
	}
	var md Metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("%w: decoding document: %w", ErrInvalidResponse, err)
	}
	if err := md.validate(issuer); err != nil {
		return nil, err
	}
	if len(md.IDTokenSigningAlgs) == 0 {
		md.IDTokenSigningAlgs = []string{"RS256"}
	}
	return &md, nil
}

// validate applies OpenID Connect Discovery section 4.3 and RFC 9700
// section 2.6: exact issuer, required endpoints, https everywhere.
func (md *Metadata) validate(issuer string) error {
	if md.Issuer != issuer {
		return fmt.Errorf("%w: document issuer %.200q differs from the configured issuer %q",
			ErrIssuerMismatch, md.Issuer, issuer)
	}
	required := []struct{ name, v string }{
		{"authorization_endpoint", md.AuthorizationEndpoint},
		{"token_endpoint", md.TokenEndpoint},
		{"jwks_uri", md.JWKSURI},
	}
	for _, f := range required {
		if f.v == "" {
			return fmt.Errorf("%w: %s is missing", ErrInvalidResponse, f.name)
		}
		if _, err := checkSecureURL(f.name, f.v); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
		}
	}
	optional := []struct{ name, v string }{
		{"userinfo_endpoint", md.UserinfoEndpoint},
		{"end_session_endpoint", md.EndSessionEndpoint},
	}
	for _, f := range optional {
		if f.v == "" {
			continue
		}
		if _, err := checkSecureURL(f.name, f.v); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
		}
	}
	return nil
}
