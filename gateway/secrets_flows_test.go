package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// secretSet collects values that must never appear in a log entry.
type secretSet map[string]string

// addToken adds a token and, for a JWS, each of its segments.
func (s secretSet) addToken(name, tok string) {
	s[name] = tok
	if parts := strings.Split(tok, "."); len(parts) == 3 {
		for i, p := range parts {
			s[fmt.Sprintf("%s segment %d", name, i)] = p
		}
	}
}

// assertNotLogged checks no log entry of h (message, logger name or any field) contains a
// secret of s.
func (s secretSet) assertNotLogged(t *testing.T, h *harness) {
	t.Helper()
	entries := h.logs.All()
	if len(entries) < 8 {
		t.Fatalf("only %d log entries: the test would prove little", len(entries))
	}
	for name, secret := range s {
		if len(secret) < 8 {
			t.Fatalf("%s %q is too short to search for", name, secret)
		}
	}
	for _, e := range entries {
		text := e.Message + " " + e.LoggerName + " " + fmt.Sprint(e.ContextMap())
		for name, secret := range s {
			if strings.Contains(text, secret) {
				t.Errorf("log entry %q contains the %s", e.Message, name)
			}
		}
	}
}

// TestSecretsNeverLoggedInNewFlows extends TestSecretsNeverLogged to the refresh, RP-initiated
// logout, back-channel logout, admin revocation, unlink and webhook flows: with a Debug
// logger, no token, cookie, code, state, key or secret is ever logged.
func TestSecretsNeverLoggedInNewFlows(t *testing.T) {
	t.Parallel()
	t.Run("oidc", func(t *testing.T) {
		t.Parallel()
		adminToken := "admin-token-" + strings.Repeat("z", 32)
		h := newOIDC(t, harnessOptions{
			op: oidctest.Options{Claims: map[string]any{"sid": opSessionID}, RotateRefreshTokens: true},
			configure: func(c *config.Config) {
				c.Logout, c.AdminToken = config.LogoutAccount, adminToken
			},
		})
		s := secretSet{"cookie secret": testCookieSecret, "client secret": h.cfg.ClientSecret, "admin token": adminToken}
		c := h.browser()
		cb := h.authorize(c, "/app", 0)
		s["code"], s["state"] = mustQuery(t, cb, "code"), stateOf(cb)
		s["login cookie"] = loginCookie(h, c, stateOf(cb)).Value
		h.expectLogin(t, c, cb, "/app", "user-1")
		first := h.storedSession(t, c)
		s["session cookie"], s["access token"], s["refresh token"] = first.cookie, first.access, first.refresh
		s.addToken("ID token", first.idToken)

		// Refresh, with rotation.
		h.op.MutateToken(func(resp map[string]any) { resp["expires_in"] = 3600 })
		h.clock.Add(6 * time.Minute)
		h.get(c, "/app", "Accept: application/json")
		refreshed := h.storedSession(t, c)
		s["refreshed access token"], s["rotated refresh token"] = refreshed.access, refreshed.refresh
		s.addToken("refreshed ID token", refreshed.idToken)

		// Admin revocation, refused and done.
		h.do(noFollow(&http.Client{}), http.MethodPost, "/.auth/admin/revoke?user_id=nobody", nil, "Authorization: Bearer wrong-"+adminToken)
		h.do(noFollow(&http.Client{}), http.MethodPost, "/.auth/admin/revoke?user_id=nobody", nil, "Authorization: Bearer "+adminToken)

		// Back-channel logout: a forged token, then a good one for a second browser's session.
		other := h.browser()
		h.expectLogin(t, other, h.authorize(other, "/app", 0), "/app", "user-1")
		good := h.op.SignLogoutToken(h.op.LogoutTokenClaims(opSessionID))
		forged := corruptSignature(good)
		s.addToken("forged logout token", forged)
		s.addToken("logout token", good)
		h.backchannel(forged)

		// RP-initiated logout: the CSRF token, the id_token_hint, the logout state and its cookie.
		h.clock.Add(time.Hour) // refresh once more first, so the stored ID token is new
		h.get(c, "/app", "Accept: application/json")
		last := h.storedSession(t, c)
		s.addToken("last ID token", last.idToken)
		_, form := h.logoutForm(t, c)
		s["CSRF token"] = form.Fields.Get("csrf")
		out := h.postLogout(c, form.Fields.Get("csrf"))
		s["logout state"] = mustQuery(t, out.Header.Get("Location"), "state")
		for _, ck := range out.Cookies() {
			if ck.Name == h.gw.cookies.logoutState {
				s["logout state cookie"] = ck.Value
			}
		}
		back := h.get(noFollow(c), out.Header.Get("Location"))
		h.get(noFollow(c), back.Header.Get("Location"))
		h.backchannel(good)
		h.backchannel(good) // replayed
		s.assertNotLogged(t, h)
	})
	t.Run("kakao", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{configure: func(c *config.Config) {
			c.AdminKey, c.AppID = kakaotest.DefaultAdminKey, kakaotest.DefaultAppID
		}})
		s := secretSet{"cookie secret": testCookieSecret, "client secret": h.cfg.ClientSecret, "admin key": kakaotest.DefaultAdminKey}
		c := h.browser()
		h.login(c, "/", 1001)
		first := h.storedSession(t, c)
		s["session cookie"], s["access token"], s["refresh token"] = first.cookie, first.access, first.refresh
		s.addToken("ID token", first.idToken)
		h.clock.Add(kakaotest.DefaultAccessTokenTTL - time.Minute) // refresh due
		h.get(c, "/app", "Accept: application/json")
		refreshed := h.storedSession(t, c)
		if refreshed.access == first.access {
			t.Fatal("no refresh happened")
		}
		s["refreshed access token"] = refreshed.access
		_, form := h.logoutForm(t, c)
		s["CSRF token"] = form.Fields.Get("csrf")
		if res := h.postForm(c, "/.auth/unlink", url.Values{"csrf": {form.Fields.Get("csrf")}}, "Accept: text/html"); res.StatusCode != http.StatusFound {
			t.Fatalf("unlink: %d", res.StatusCode)
		}
		other := h.browser()
		h.login(other, "/", 1004)
		h.get(h.withSessionCookie(h.sessionCookie(other).Value+"x"), "/app", "Accept: application/json")
		h.postForm(other, "/.auth/unlink", url.Values{"csrf": {form.Fields.Get("csrf")}}, "Accept: text/html") // another session's token
		wrongKey := "wrong-admin-key-0123456789"
		s["wrong admin key"] = wrongKey
		for _, key := range []string{wrongKey, kakaotest.DefaultAdminKey} {
			h.postForm(&http.Client{}, "/.auth/webhook/unlink", url.Values{"app_id": {kakaotest.DefaultAppID}, "user_id": {"1004"}},
				"Authorization: KakaoAK "+key)
		}
		s.assertNotLogged(t, h)
	})
}
