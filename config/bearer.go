package config

import (
	"errors"
	"fmt"
	"strconv"
)

// BearerOptions let native apps and other API clients authenticate with
// `Authorization: Bearer <token>` instead of a session cookie. With provider kakao the token
// is a Kakao access token (checked with Kakao's access_token_info: it must belong to app_id);
// with provider oidc it is a JWT (an ID token or a JWT access token) checked against the
// provider's keys. A request that carries both a bearer token and a session cookie is
// judged by the bearer token alone.
type BearerOptions struct {
	// Off turns off bearer access inherited from the global options (`bearer off`).
	Off bool `json:"off,omitempty"`

	// Audiences are the aud values a provider JWT may carry (any one of them suffices).
	// Provider oidc only. Default: the client id.
	Audiences []string `json:"audiences,omitempty"`
}

// BearerEnabled reports whether bearer tokens are accepted.
func (c *Config) BearerEnabled() bool { return c.Bearer != nil && !c.Bearer.Off }

// BearerAudiences are the audiences a provider JWT may carry: the configured ones, or the
// client id.
func (c *Config) BearerAudiences() []string {
	if c.Bearer != nil && len(c.Bearer.Audiences) > 0 {
		return c.Bearer.Audiences
	}
	return []string{c.ClientID}
}

// inheritBearer takes the global bearer options when the handler sets none (`bearer off`
// counts as set).
func (c *Config) inheritBearer(d *BearerOptions) {
	if c.Bearer == nil && d != nil {
		b := *d
		b.Audiences = append([]string(nil), d.Audiences...)
		c.Bearer = &b
	}
}

// validateBearer checks the bearer options for the provider.
func (c *Config) validateBearer() []error {
	if c.Bearer == nil {
		return nil
	}
	var errs []error
	if c.Bearer.Off && len(c.Bearer.Audiences) > 0 {
		errs = append(errs, errors.New("bearer off takes no audiences: remove the block or the word off"))
	}
	if !c.BearerEnabled() {
		return errs
	}
	switch c.Provider {
	case ProviderKakao:
		if len(c.Bearer.Audiences) > 0 {
			errs = append(errs, errors.New("bearer audiences apply to provider oidc only: Kakao access tokens are checked against app_id"))
		}
		if c.AppID == "" {
			errs = append(errs, errors.New("bearer with provider kakao needs app_id: set it to the app's id (Kakao console: App > General > App ID), so tokens of other apps are refused"))
		} else if _, err := strconv.ParseInt(c.AppID, 10, 64); err != nil {
			errs = append(errs, fmt.Errorf("app_id %q must be the numeric app id (Kakao console: App > General > App ID)", c.AppID))
		}
		if c.AdminToken != "" && c.AdminKey == "" {
			errs = append(errs, errors.New("admin_token with bearer needs admin_key: an admin revocation also revokes "+
				"the person's Kakao tokens with it, without which a native app's token would keep working"))
		}
	}
	for _, a := range c.Bearer.Audiences {
		if a == "" {
			errs = append(errs, errors.New("bearer audiences must not be empty strings"))
		}
	}
	return errs
}
