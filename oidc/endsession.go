package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// ErrNoEndSession reports a provider whose discovery document has no
// end_session_endpoint: it does not support RP-Initiated Logout.
var ErrNoEndSession = errors.New("oidc: provider has no end_session_endpoint")

// EndSessionRequest describes one RP-Initiated Logout request.
type EndSessionRequest struct {
	// IDTokenHint is the ID token of the session that ended here; omitted
	// when empty.
	IDTokenHint string
	// PostLogoutRedirectURI is where the provider sends the browser back; it
	// must be registered at the provider. Required.
	PostLogoutRedirectURI string
	// State is echoed back on the post-logout redirect. Required.
	State string
}

// EndSessionURL returns the URL of the provider's end_session_endpoint for
// req (OpenID Connect RP-Initiated Logout 1.0, section 2): id_token_hint,
// client_id, post_logout_redirect_uri and state. It fails with
// [ErrNoEndSession] when the provider advertises no such endpoint, and with
// [ErrProviderUnavailable] while its discovery document cannot be fetched.
func (c *Client) EndSessionURL(ctx context.Context, req EndSessionRequest) (string, error) {
	if req.PostLogoutRedirectURI == "" || req.State == "" {
		return "", errors.New("oidc: end session: PostLogoutRedirectURI and State are required")
	}
	md, err := c.metadata(ctx)
	if err != nil {
		return "", err
	}
	if md.EndSessionEndpoint == "" {
		return "", ErrNoEndSession
	}
	u, err := url.Parse(md.EndSessionEndpoint)
	if err != nil {
		return "", fmt.Errorf("oidc: end_session_endpoint: %w", err)
	}
	q := u.Query()
	if req.IDTokenHint != "" {
		q.Set("id_token_hint", req.IDTokenHint)
	}
	q.Set("client_id", c.ClientID)
	q.Set("post_logout_redirect_uri", req.PostLogoutRedirectURI)
	q.Set("state", req.State)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
