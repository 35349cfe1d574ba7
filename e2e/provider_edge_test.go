package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
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
	if !caddy.LogsSoon("not fresh from the token endpoint") {
		t.Errorf("the refusal is not logged:\n%s", caddy.Logs())
	}
	op.MutateClaims(nil)
	if resp, body := get(t, c, base+"/app"); resp.StatusCode != http.StatusOK || up.last(t).Header.Get("X-Auth-User-Id") != "stale-1" {
		t.Fatalf("login with a fresh ID token: %d\n%s", resp.StatusCode, body)
	}
}

// TestStaleIDTokenRefusedAtRefresh: through the Caddy binary with the default
// id_token_max_age, tokens that are always due for refresh (4 minutes, inside the refresh
// margin): a refresh whose ID token has an iat three hours old (exp still an hour ahead) ends
// the session, the request is refused and nothing reaches the upstream; the session stays
// ended once the provider issues fresh tokens again.
func TestStaleIDTokenRefusedAtRefresh(t *testing.T) {
	port := testcaddy.FreePort(t)
	op := oidctest.NewServer(t, oidctest.Options{Subject: "stale-2", TokenLifetime: 4 * time.Minute,
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/.auth/callback", port)}})
	base, up, caddy := oidcGateway(t, port, fmt.Sprintf("provider oidc\n\t\tissuer %s\n\t\tclient_id %s\n\t\tclient_secret %s",
		op.Issuer, op.ClientID, op.ClientSecret))
	c := (&env{t: t}).browser()
	if resp, body := get(t, c, base+"/app"); resp.StatusCode != http.StatusOK || up.last(t).Header.Get("X-Auth-User-Id") != "stale-2" {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	op.MutateClaims(func(c map[string]any) {
		now := time.Now()
		c["iat"], c["exp"] = now.Add(-3*time.Hour).Unix(), now.Add(time.Hour).Unix()
	})
	tokens, seen := op.Count(oidctest.Token), up.count()
	resp, body := get(t, c, base+"/app", "Accept: application/json")
	if resp.StatusCode != http.StatusUnauthorized || up.count() != seen || op.Count(oidctest.Token) != tokens+1 {
		t.Fatalf("request whose refresh brought a three-hour-old ID token: %d, upstream reached %d more times, %d token calls\n%s",
			resp.StatusCode, up.count()-seen, op.Count(oidctest.Token)-tokens, body)
	}
	if !caddy.LogsSoon("refreshed ID token rejected") {
		t.Errorf("the refusal is not logged:\n%s", caddy.Logs())
	}
	op.MutateClaims(nil)
	if resp, _ := get(t, c, base+"/app", "Accept: application/json"); resp.StatusCode != http.StatusUnauthorized || up.count() != seen {
		t.Fatalf("the session survived the refused refresh: %d", resp.StatusCode)
	}
}

// TestRandomLogoutKidsCannotBlockLoginsAfterRotation: through the Caddy binary, strangers
// post back-channel logout tokens with random kids; the provider then rotates its signing
// key; the next login still refetches the keys and succeeds.
func TestRandomLogoutKidsCannotBlockLoginsAfterRotation(t *testing.T) {
	port := testcaddy.FreePort(t)
	op := oidctest.NewServer(t, oidctest.Options{Subject: "rot-1", RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/.auth/callback", port)}})
	base, up, caddy := oidcGateway(t, port, fmt.Sprintf("provider oidc\n\t\tissuer %s\n\t\tclient_id %s\n\t\tclient_secret %s",
		op.Issuer, op.ClientID, op.ClientSecret))
	if resp, _ := get(t, (&env{t: t}).browser(), base+"/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("first login: %d", resp.StatusCode)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for i := range 20 {
		tok := enc([]byte(fmt.Sprintf(`{"alg":"RS256","kid":"random-%d"}`, i))) + "." + enc([]byte(`{}`)) + "." + enc([]byte("sig"))
		resp, err := http.PostForm(base+"/.auth/backchannel-logout", url.Values{"logout_token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("logout token with a random kid: %d, want 400", resp.StatusCode)
		}
	}
	rotated := oidctest.NewRSAKey("rotated")
	op.SetKeys(rotated, rotated)
	resp, body := get(t, (&env{t: t}).browser(), base+"/app")
	if resp.StatusCode != http.StatusOK || up.last(t).Header.Get("X-Auth-User-Id") != "rot-1" {
		t.Fatalf("login after the rotation: %d\n%s\n--- caddy log ---\n%s", resp.StatusCode, body, caddy.Logs())
	}
}
