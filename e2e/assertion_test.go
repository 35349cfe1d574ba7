package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// TestAssertionVerifiesWithPublishedKeys: with `assertion`, the upstream receives a JWT it can
// verify with <prefix>/jwks.json, bound to the site's host; a client-sent one never arrives.
func TestAssertionVerifiesWithPublishedKeys(t *testing.T) {
	e := newEnv(t, envOptions{extra: "assertion"})
	c := e.browser()
	e.login(c, "/", 1004).Body.Close()
	get(t, c, e.base+"/page", "X-Auth-Assertion: forged.token.value")
	raw := e.up.last(t).Header.Get("X-Auth-Assertion")
	if raw == "" || raw == "forged.token.value" {
		t.Fatalf("X-Auth-Assertion = %q", raw)
	}

	resp, body := get(t, http.DefaultClient, e.base+"/.auth/jwks.json")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "jwk-set+json") {
		t.Fatalf("jwks.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	set, err := jwk.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(e.base, "http://")
	tok, err := jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithValidate(true),
		jwt.WithIssuer("kakaogate"), jwt.WithAudience(host))
	if err != nil {
		t.Fatalf("verifying the assertion: %v", err)
	}
	claims, _ := tok.Get("claims")
	m, _ := claims.(map[string]any)
	if tok.Subject() != "1004" || m["nickname"] != "어피치" {
		t.Fatalf("assertion sub %q claims %v", tok.Subject(), m)
	}
	if _, err := jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithAudience("other.example")); err == nil {
		t.Fatal("an assertion for this host verified for another host")
	}
}
