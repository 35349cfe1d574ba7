package config

import (
	"strings"
	"testing"
)

func withProviders(ps ...NamedProvider) Config {
	c := Config{ClientID: "rest-key", CookieSecrets: []string{strings.Repeat("s", 32)}, Providers: ps}
	c.SetDefaults()
	return c
}

func TestNamedProviderDefaults(t *testing.T) {
	c := withProviders(NamedProvider{Name: "google", Issuer: "https://accounts.google.com", ClientID: "g"})
	p := c.Providers[0]
	if strings.Join(p.Scopes, " ") != "openid profile email" || p.Label != "google" {
		t.Fatalf("defaults: %+v", p)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("a complete provider block must validate: %v", err)
	}
}

func TestNamedProviderValidation(t *testing.T) {
	good := NamedProvider{Name: "corp", Issuer: "https://sso.corp.example", ClientID: "gw"}
	tests := []struct {
		name   string
		mutate func(*NamedProvider)
		second *NamedProvider
		want   string
	}{
		{"uppercase name", func(p *NamedProvider) { p.Name = "Corp" }, nil, `provider name "Corp" is not valid`},
		{"name kakao", func(p *NamedProvider) { p.Name = "kakao" }, nil, `provider name "kakao" is not valid`},
		{"name with slash", func(p *NamedProvider) { p.Name = "a/b" }, nil, "is not valid"},
		{"long name", func(p *NamedProvider) { p.Name = strings.Repeat("a", 33) }, nil, "is not valid"},
		{"no issuer", func(p *NamedProvider) { p.Issuer = "" }, nil, "provider corp needs an issuer"},
		{"http issuer", func(p *NamedProvider) { p.Issuer = "http://sso.corp.example" }, nil, `provider corp issuer "http://sso.corp.example": use https`},
		{"main issuer", func(p *NamedProvider) { p.Issuer = DefaultKakaoIssuer }, nil, "same issuer as the main provider"},
		{"no client id", func(p *NamedProvider) { p.ClientID = "" }, nil, "provider corp needs a client_id"},
		{"scopes without openid", func(p *NamedProvider) { p.Scopes = []string{"email"} }, nil, "provider corp scopes must include openid"},
		{"same name twice", func(*NamedProvider) {}, &NamedProvider{Name: "corp", Issuer: "https://other.example", ClientID: "x"}, "provider corp is configured twice"},
		{"same issuer twice", func(*NamedProvider) {}, &NamedProvider{Name: "other", Issuer: "https://sso.corp.example", ClientID: "x"}, "provider other has the same issuer as provider corp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mutate(&p)
			ps := []NamedProvider{p}
			if tt.second != nil {
				ps = append(ps, *tt.second)
			}
			c := withProviders(ps...)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestInheritTakesGlobalProviders(t *testing.T) {
	global := Config{Providers: []NamedProvider{{Name: "corp", Issuer: "https://sso.corp.example", ClientID: "gw"}}}
	var c Config
	c.Inherit(global)
	if len(c.Providers) != 1 || c.Providers[0].Name != "corp" {
		t.Fatalf("providers not inherited: %+v", c.Providers)
	}
	own := Config{Providers: []NamedProvider{{Name: "mine"}}}
	own.Inherit(global)
	if len(own.Providers) != 1 || own.Providers[0].Name != "mine" {
		t.Fatalf("a handler's own providers must replace the global ones: %+v", own.Providers)
	}
}
