package oidc

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestVerifyLogoutToken checks every rule of Back-Channel Logout section 2.6
// at the verifier: one good token passes, each way of breaking it fails with
// ErrInvalidLogoutToken.
func TestVerifyLogoutToken(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the good claims; sign, when set, signs instead of the server.
		edit func(c map[string]any, now time.Time)
		sign func(e *env, c map[string]any) string
		ok   bool
	}{
		{name: "good token with sub and sid", ok: true},
		{name: "sid only", edit: func(c map[string]any, _ time.Time) { delete(c, "sub") }, ok: true},
		{name: "sub only", edit: func(c map[string]any, _ time.Time) { delete(c, "sid") }, ok: true},
		{name: "without exp", edit: func(c map[string]any, _ time.Time) { delete(c, "exp") }, ok: true},
		{name: "typ JWT", sign: func(e *env, c map[string]any) string {
			e.srv.MutateHeader(func(h map[string]any) { h["typ"] = "JWT" })
			return e.srv.SignLogoutToken(c)
		}, ok: true},
		{name: "neither sub nor sid", edit: func(c map[string]any, _ time.Time) { delete(c, "sub"); delete(c, "sid") }},
		{name: "empty sub", edit: func(c map[string]any, _ time.Time) { c["sub"] = "" }},
		{name: "sid not a string", edit: func(c map[string]any, _ time.Time) { c["sid"] = 7 }},
		{name: "no jti", edit: func(c map[string]any, _ time.Time) { delete(c, "jti") }},
		{name: "long jti", edit: func(c map[string]any, _ time.Time) { c["jti"] = strings.Repeat("j", 300) }},
		{name: "no iat", edit: func(c map[string]any, _ time.Time) { delete(c, "iat") }},
		{name: "iat in the future", edit: func(c map[string]any, now time.Time) { c["iat"] = now.Add(time.Hour).Unix() }},
		{name: "iat too old", edit: func(c map[string]any, now time.Time) { c["iat"] = now.Add(-time.Hour).Unix() }},
		{name: "expired", edit: func(c map[string]any, now time.Time) { c["exp"] = now.Add(-time.Hour).Unix() }},
		{name: "wrong issuer", edit: func(c map[string]any, _ time.Time) { c["iss"] = "https://other.example" }},
		{name: "wrong audience", edit: func(c map[string]any, _ time.Time) { c["aud"] = "other-client" }},
		{name: "extra audience", edit: func(c map[string]any, _ time.Time) { c["aud"] = []any{"test-client", "other"} }},
		{name: "no events", edit: func(c map[string]any, _ time.Time) { delete(c, "events") }},
		{name: "other event", edit: func(c map[string]any, _ time.Time) {
			c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
		}},
		{name: "event member not an object", edit: func(c map[string]any, _ time.Time) {
			c["events"] = map[string]any{BackChannelLogoutEvent: true}
		}},
		{name: "nonce", edit: func(c map[string]any, _ time.Time) { c["nonce"] = "n" }},
		{name: "typ of an access token", sign: func(e *env, c map[string]any) string {
			e.srv.MutateHeader(func(h map[string]any) { h["typ"] = "at+jwt" })
			return e.srv.SignLogoutToken(c)
		}},
		{name: "alg none", sign: func(e *env, c map[string]any) string {
			e.srv.SetSigningAlg("none")
			return e.srv.SignLogoutToken(c)
		}},
		{name: "signed by an unpublished key", sign: func(e *env, c map[string]any) string {
			e.srv.SetKeys(rsaKey2().With("key-1", "RS256", "sig"), rsaKey1())
			return e.srv.SignLogoutToken(c)
		}},
		{name: "an ID token", sign: func(e *env, _ map[string]any) string { return e.srv.IssueIDToken(e.nonce) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.srv.LogoutTokenClaims("sid-1")
			if tt.edit != nil {
				tt.edit(c, e.clock.Now())
			}
			raw := ""
			if tt.sign != nil {
				raw = tt.sign(e, c)
			} else {
				raw = e.srv.SignLogoutToken(c)
			}
			lt, err := e.c.VerifyLogoutToken(e.ctx, raw)
			if tt.ok {
				if err != nil {
					t.Fatalf("VerifyLogoutToken: %v, want accept", err)
				}
				if lt.Issuer != e.srv.Issuer || lt.ID == "" || lt.IssuedAt.IsZero() || lt.Subject == "" && lt.SessionID == "" {
					t.Fatalf("accepted token lacks claims: %+v", lt)
				}
				return
			}
			if !errors.Is(err, ErrInvalidLogoutToken) {
				t.Fatalf("err = %v, want ErrInvalidLogoutToken", err)
			}
			t.Logf("refused: %v", err)
			if strings.Contains(err.Error(), "id token") {
				t.Errorf("error %q speaks of an ID token", err)
			}
		})
	}
}

// TestEndSessionURL builds an RP-Initiated Logout URL, and refuses without an endpoint.
func TestEndSessionURL(t *testing.T) {
	e := newEnv(t)
	raw, err := e.c.EndSessionURL(e.ctx, EndSessionRequest{IDTokenHint: "hint", PostLogoutRedirectURI: "https://rp.example/back", State: "st"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	if !strings.HasPrefix(raw, e.srv.URL(oidctest.EndSession)+"?") || q.Get("id_token_hint") != "hint" ||
		q.Get("post_logout_redirect_uri") != "https://rp.example/back" || q.Get("state") != "st" || q.Get("client_id") != e.srv.ClientID {
		t.Errorf("end session URL %s", raw)
	}
	e2 := newEnv(t)
	e2.srv.MutateDiscovery(func(d map[string]any) { delete(d, "end_session_endpoint") })
	if _, err := e2.c.EndSessionURL(e2.ctx, EndSessionRequest{PostLogoutRedirectURI: "https://rp.example/back", State: "st"}); !errors.Is(err, ErrNoEndSession) {
		t.Errorf("without an endpoint: %v, want ErrNoEndSession", err)
	}
}
