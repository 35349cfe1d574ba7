package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestStaleIDTokenRefusedAtLogin: through the Caddy binary with the default id_token_max_age,
// an ID token whose iat is three hours old (exp still an hour ahead) ends the login on an
// error page; nothing reaches the upstream. A fresh token then logs in.
func TestStaleIDTokenRefusedAtLogin(t *testing.T) {
	port := testcaddy.FreePort(t)
	op := oidctest.NewServer(t, oidctest.Options{Subject: "stale-1", RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/.auth/callback", port)}})
	base, up, caddy := oidcGateway(t, port, fmt.Sprintf("provider oidc\n\t\tissuer %s\n\t\tclient_id %s\n\t\tclient_secret %s",
		op.Issuer, op.ClientID, op.ClientSecret))
	op.MutateClaims(func(c map[string]any) {
		now := time.Now()
		c["iat"], c["exp"] = now.Add(-3*time.Hour).Unix(), now.Add(time.Hour).Unix()
	})
	c := (&env{t: t}).browser()
	resp, body := get(t, c, base+"/app")
	if resp.StatusCode != http.StatusUnauthorized || up.count() != 0 {
		t.Fatalf("login with a three-hour-old ID token: %d, upstream reached %d times\n%s", resp.StatusCode, up.count(), body)
	}
	if !strings.Contains(caddy.Logs(), "not fresh from the token endpoint") {
		t.Errorf("the refusal is not logged:\n%s", caddy.Logs())
	}
	op.MutateClaims(nil)
	if resp, body := get(t, c, base+"/app"); resp.StatusCode != http.StatusOK || up.last(t).Header.Get("X-Auth-User-Id") != "stale-1" {
		t.Fatalf("login with a fresh ID token: %d\n%s", resp.StatusCode, body)
	}
}
