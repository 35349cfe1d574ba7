package caddymodule

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// TestCaddyfileProviderBlocks: provider kakao|oidc keeps choosing the main provider, and
// provider <name> { … } blocks add providers, in order, next to it.
func TestCaddyfileProviderBlocks(t *testing.T) {
	d := caddyfile.NewTestDispenser(`kakaogate {
		client_id rest-key
		provider google {
			issuer https://accounts.google.com
			client_id {env.GOOGLE_CLIENT_ID}
			client_secret {env.GOOGLE_CLIENT_SECRET}
			label "Google로 로그인"
		}
		provider kakao
		provider corp {
			issuer https://sso.corp.example/realms/staff
			client_id gateway
			scopes openid email
		}
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	c := h.Config
	if c.Provider != "kakao" || c.ClientID != "rest-key" || len(c.Providers) != 2 {
		t.Fatalf("parsed %+v", c)
	}
	g, corp := c.Providers[0], c.Providers[1]
	if g.Name != "google" || g.Issuer != "https://accounts.google.com" || g.ClientID != "{env.GOOGLE_CLIENT_ID}" ||
		g.ClientSecret != "{env.GOOGLE_CLIENT_SECRET}" || g.Label != "Google로 로그인" {
		t.Fatalf("google block parsed as %+v", g)
	}
	if corp.Name != "corp" || strings.Join(corp.Scopes, " ") != "openid email" || corp.ClientSecret != "" {
		t.Fatalf("corp block parsed as %+v", corp)
	}
}

func TestCaddyfileProviderErrors(t *testing.T) {
	tests := []struct {
		name, block, want string
	}{
		{"flavour twice", "provider oidc\n provider kakao", "provider kakao|oidc is given twice"},
		{"no name", "provider", "provider takes kakao or oidc, or a name followed by a block"},
		{"two names", "provider a b", "provider takes kakao or oidc"},
		{"block named kakao", "provider kakao {\n issuer https://x.example\n }", "provider kakao { … } is not allowed"},
		{"unknown block option", "provider corp {\n api_url https://x.example\n }", `unknown option "api_url" in provider corp`},
		{"issuer without value", "provider corp {\n issuer\n }", "issuer needs a value"},
		{"empty scopes", "provider corp {\n scopes\n }", "scopes needs at least one value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := caddyfile.NewTestDispenser("kakaogate {\n " + tt.block + "\n}")
			err := new(Handler).UnmarshalCaddyfile(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
