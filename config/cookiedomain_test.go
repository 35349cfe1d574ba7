package config

import (
	"strings"
	"testing"
)

// TestCookieDomain: cookie_domain must be a domain of two labels or more and is refused with
// insecure_cookies (it keeps Secure) and with a redirect_url outside it.
func TestCookieDomain(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		insecure bool
		redirect string
		want     string // "" when valid
	}{
		{"domain", "example.com", false, "", ""},
		{"callback on a subdomain", "example.com", false, "https://auth.example.com/.auth/callback", ""},
		{"callback on the domain itself", "example.com", false, "https://example.com/.auth/callback", ""},
		{"single label", "com", false, "", "at least two labels"},
		{"leading dot", ".example.com", false, "", "without a leading dot"},
		{"port", "example.com:443", false, "", "cookie_domain"},
		{"scheme", "https://example.com", false, "", "cookie_domain"},
		{"upper case", "Example.com", false, "", "lower-case"},
		{"ip address", "192.168.0.1", false, "", "cookie_domain"},
		{"with insecure_cookies", "example.com", true, "", "cannot go with insecure_cookies"},
		{"callback outside", "example.com", false, "https://auth.example.org/.auth/callback", "not in cookie_domain"},
		{"callback on a lookalike", "example.com", false, "https://evilexample.com/.auth/callback", "not in cookie_domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validKakao()
			c.CookieDomain, c.InsecureCookies, c.RedirectURL = tt.domain, tt.insecure, tt.redirect
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
