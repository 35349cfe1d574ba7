package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
)

func TestBearerOIDCJWT(t *testing.T) {
	h := newHarness(t, harnessOptions{provider: config.ProviderOIDC, configure: func(c *config.Config) {
		c.Bearer = &config.BearerOptions{Audiences: []string{"ios-app"}}
		c.RequireScopes = nil
	}})
	claims := func(mutate func(map[string]any)) map[string]any {
		c := h.op.Claims("")
		c["aud"], c["email"], c["email_verified"] = "ios-app", "ann@example.com", true
		c["auth_time"] = time.Now().Add(-48 * time.Hour).Unix() // an app login from days ago
		if mutate != nil {
			mutate(c)
		}
		return c
	}
	t.Run("ID token of an accepted audience", func(t *testing.T) {
		res := h.api("/api", h.op.SignIDToken(claims(nil)))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", res.StatusCode, res.body)
		}
		up := h.up.last(t)
		if up.Header.Get("X-Auth-User-Id") != "user-1" || up.Header.Get("X-Auth-Email") != "ann@example.com" || up.Header.Get("Authorization") != "" {
			t.Fatalf("upstream headers: %v", up.Header)
		}
	})
	t.Run("JWT access token", func(t *testing.T) {
		if res := h.api("/api", h.op.SignAccessToken(claims(nil))); res.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", res.StatusCode, res.body)
		}
	})
	refused := []struct {
		name, token string
	}{
		{"the web client's own audience is not in the list", h.op.SignIDToken(claims(func(c map[string]any) { c["aud"] = h.op.ClientID }))},
		{"expired", h.op.SignIDToken(claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }))},
		{"another issuer", h.op.SignIDToken(claims(func(c map[string]any) { c["iss"] = "https://evil.example" }))},
		{"opaque token", "2YotnFZFEjr1zCsicMWpAA"},
		{"forged signature", forgeSignature(h.op.SignIDToken(claims(nil)))},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			h.wantBearerRefused(h.api("/api", tt.token), h.up.count())
		})
	}
}

// forgeSignature replaces a JWS's signature with one of the same length.
func forgeSignature(raw string) string {
	parts := strings.Split(raw, ".")
	return parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
}

func TestBearerOIDCDefaultAudienceIsTheClientID(t *testing.T) {
	h := newHarness(t, harnessOptions{provider: config.ProviderOIDC, configure: func(c *config.Config) {
		c.Bearer = &config.BearerOptions{}
	}})
	if res := h.api("/api", h.op.IssueIDToken("")); res.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", res.StatusCode, res.body)
	}
}
