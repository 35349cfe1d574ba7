package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestProviderJWTBearerThroughCaddy: with provider oidc and bearer, a native app's JWT of an
// accepted audience is accepted through the Caddy binary; one of another audience, an
// expired one and an opaque token are refused with RFC 6750's invalid_token.
func TestProviderJWTBearerThroughCaddy(t *testing.T) {
	port := testcaddy.FreePort(t)
	op := oidctest.NewServer(t, oidctest.Options{Subject: "oidc-user-9",
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/.auth/callback", port)}})
	base, up, caddy := oidcGateway(t, port, fmt.Sprintf(`provider oidc
		issuer %s
		client_id %s
		client_secret %s
		bearer {
			audiences ios-app
		}`, op.Issuer, op.ClientID, op.ClientSecret))
	token := func(mutate func(map[string]any)) string {
		c := op.Claims("")
		c["aud"] = "ios-app"
		if mutate != nil {
			mutate(c)
		}
		return op.SignAccessToken(c)
	}
	if resp, body := callAPI(t, base, token(nil)); resp.StatusCode != http.StatusOK {
		t.Fatalf("app JWT: %d %s\n%s", resp.StatusCode, body, caddy.Logs())
	}
	if got := up.last(t).Header.Get("X-Auth-User-Id"); got != "oidc-user-9" {
		t.Fatalf("upstream user %q", got)
	}
	before := up.count()
	for name, tok := range map[string]string{
		"other audience": token(func(c map[string]any) { c["aud"] = op.ClientID + "-other" }),
		"expired":        token(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"opaque":         "2YotnFZFEjr1zCsicMWpAA",
	} {
		resp, body := callAPI(t, base, tok)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
			continue
		}
		wantInvalidToken(t, resp, body)
	}
	if up.count() != before {
		t.Fatal("a refused JWT reached the upstream")
	}
}
