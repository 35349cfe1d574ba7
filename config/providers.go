package config

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kakaogate/kakaogate/internal/secureurl"
)

// maxProviderName bounds a provider name: it appears in paths, user ids and metric labels.
const maxProviderName = 32

// NamedProvider is one more OpenID Connect provider offered next to the main one on the
// login page. Its redirect URI is <path_prefix>/callback/<name> on the site's origin; the
// user ids of its sessions are <name>:<sub>, so they never collide with another provider's.
type NamedProvider struct {
	// Name identifies the provider: lowercase letters, digits, - and _, at most 32
	// characters; not kakao or oidc. Required.
	Name string `json:"name"`

	// Label is the text of its button on the login page. Default: the name.
	Label string `json:"label,omitempty"`

	// Issuer is its OpenID Connect issuer (discovery at
	// <issuer>/.well-known/openid-configuration); https except for loopback hosts. It must
	// differ from every other provider's issuer. Required.
	Issuer string `json:"issuer"`

	// ClientID is the OAuth client id registered at this provider. Required.
	ClientID string `json:"client_id"`

	// ClientSecret is the OAuth client secret registered at this provider.
	ClientSecret string `json:"client_secret,omitempty"`

	// Scopes are requested at login; they must include openid. Default: openid profile email.
	Scopes []string `json:"scopes,omitempty"`
}

// ValidProviderName reports whether name can name an additional provider.
func ValidProviderName(name string) bool {
	if name == "" || len(name) > maxProviderName || name == ProviderKakao || name == ProviderOIDC {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// setProviderDefaults fills the defaults of the additional providers.
func (c *Config) setProviderDefaults() {
	for i := range c.Providers {
		p := &c.Providers[i]
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"openid", "profile", "email"}
		}
		if p.Label == "" {
			p.Label = p.Name
		}
	}
}

// ValidateProviders checks additional providers against each other and against the main
// provider's issuer: each needs a valid name of its own, an issuer of its own that is https
// (or loopback http), a client id and the openid scope, so an authorization code can only
// ever be redeemed at the provider that issued it. Config.Validate applies it to the provider
// blocks; the gateway applies it again to the relying parties it is handed.
func ValidateProviders(mainIssuer string, providers []NamedProvider) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	names := map[string]bool{}
	issuers := map[string]string{mainIssuer: "the main provider"}
	for _, p := range providers {
		if !ValidProviderName(p.Name) {
			add("provider name %q is not valid: use lowercase letters, digits, - and _ (at most %d), not kakao or oidc, e.g. provider google { … }", p.Name, maxProviderName)
		}
		if names[p.Name] {
			add("provider %s is configured twice: give each provider block its own name", p.Name)
		}
		names[p.Name] = true
		if p.Issuer == "" {
			add("provider %s needs an issuer, e.g. issuer https://accounts.google.com", p.Name)
		} else if _, err := secureurl.Parse(p.Issuer); err != nil {
			add("provider %s issuer %v", p.Name, err)
		} else if other, ok := issuers[p.Issuer]; ok {
			add("provider %s has the same issuer as %s: give each provider its own issuer", p.Name, other)
		} else {
			issuers[p.Issuer] = "provider " + p.Name
		}
		if p.ClientID == "" {
			add("provider %s needs a client_id: set it to the OAuth client id registered at that provider", p.Name)
		}
		if !slices.Contains(p.Scopes, "openid") {
			add("provider %s scopes must include openid: add it to its scopes (without it no ID token is issued)", p.Name)
		}
	}
	return errors.Join(errs...)
}
