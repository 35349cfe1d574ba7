package gateway

import (
	"net/http"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestOIDCProviderShapes logs in with provider oidc at fake OPs shaped like the providers
// docs/providers.md documents: an issuer with a path (Keycloak realms, Okta authorization
// servers, Entra tenants), client_secret_basic only, ES256 and EdDSA signing keys, RFC 9207
// iss on the callback, and no userinfo endpoint. Each must log in and identify the person.
func TestOIDCProviderShapes(t *testing.T) {
	tests := []struct {
		name  string
		op    oidctest.Options
		mut   func(op *oidctest.Server)
		check func(t *testing.T, op *oidctest.Server)
	}{
		{"issuer with a path", oidctest.Options{IssuerPath: "/realms/staff"}, nil, nil},
		{"client_secret_basic only", oidctest.Options{AuthMethods: []string{"client_secret_basic"}}, nil,
			func(t *testing.T, op *oidctest.Server) {
				if _, _, ok := (&http.Request{Header: op.Requests(oidctest.Token)[0].Header}).BasicAuth(); !ok {
					t.Error("the token request did not use HTTP Basic")
				}
			}},
		{"ES256 keys", oidctest.Options{SigningAlgs: []string{"ES256"}, Keys: []*oidctest.Key{oidctest.NewECKey("ec-1")}}, nil, nil},
		{"EdDSA keys", oidctest.Options{SigningAlgs: []string{"EdDSA"}, Keys: []*oidctest.Key{oidctest.NewEd25519Key("ed-1")}}, nil, nil},
		{"iss on the callback", oidctest.Options{IssParameter: true}, nil, nil},
		{"no userinfo endpoint", oidctest.Options{}, func(op *oidctest.Server) {
			op.MutateDiscovery(func(doc map[string]any) { delete(doc, "userinfo_endpoint") })
		}, func(t *testing.T, op *oidctest.Server) {
			if n := op.Count(oidctest.UserInfo); n != 0 {
				t.Errorf("userinfo called %d times though discovery has none", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.op.Subject = "shape-user"
			h := newHarness(t, harnessOptions{provider: config.ProviderOIDC, op: tt.op})
			if tt.mut != nil {
				tt.mut(h.op)
			}
			c := h.browser()
			h.login(c, "/", 0)
			if res := h.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK {
				t.Fatalf("protected call: %d %s", res.StatusCode, res.body)
			}
			if got := h.up.last(t).Header.Get("X-Auth-User-Id"); got != "shape-user" {
				t.Fatalf("X-Auth-User-Id = %q", got)
			}
			if tt.check != nil {
				tt.check(t, h.op)
			}
		})
	}
}
