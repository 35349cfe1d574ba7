package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest/observer"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestSecretsNeverLogged runs a login, requests with good and bad cookies, a refused and a
// good logout and a replayed callback with a logger at Debug level, then checks that no log
// entry (message or any field) contains a token, a cookie value, a code or a secret.
func TestSecretsNeverLogged(t *testing.T) {
	for _, provider := range []string{config.ProviderKakao, config.ProviderOIDC} {
		t.Run(provider, func(t *testing.T) {
			h := newHarness(t, harnessOptions{provider: provider})
			secrets := map[string]string{"cookie secret": testCookieSecret, "client secret": h.cfg.ClientSecret}
			c := h.browser()
			var user int64
			if provider == config.ProviderKakao {
				user = 1001
			}
			cb := h.authorize(c, "/", user)
			secrets["authorization code"] = mustQuery(t, cb, "code")
			lc := loginCookie(h, c, stateOf(cb))
			secrets["login cookie"] = lc.Value
			h.get(noFollow(c), cb)
			sc := h.sessionCookie(c)
			if sc == nil {
				t.Fatal("no session after login")
			}
			secrets["session cookie"] = sc.Value
			sess, err := h.loadSession(sc.Value)
			if err != nil {
				t.Fatal(err)
			}
			secrets["access token"], secrets["refresh token"], secrets["ID token"] = sess.AccessToken, sess.RefreshToken, sess.IDToken
			for i, part := range strings.Split(sess.IDToken, ".") {
				secrets[fmt.Sprintf("ID token segment %d", i)] = part
			}
			if provider == config.ProviderKakao {
				// Kakao's logout API fails once, so its error is logged too.
				h.kakao.SetFault("/v1/user/logout", kakaotest.Fault{Status: http.StatusUnauthorized, Body: `{"msg":"x","code":-401}`, Times: 1})
			}

			h.get(c, "/app", "Accept: application/json")
			h.get(c, "/.auth/me", "Accept: application/json")
			h.get(h.withSessionCookie(sc.Value[:len(sc.Value)-4]+"AAAA"), "/app", "Accept: application/json")
			_, form := h.logoutForm(t, c)
			secrets["CSRF token"] = form.Fields.Get("csrf")
			h.postLogout(c, "wrong")
			h.postLogout(c, form.Fields.Get("csrf"))
			h.get(h.withSessionCookie(sc.Value), "/app", "Accept: application/json")
			h.get(noFollow(c), cb) // replay
			u, _ := url.Parse(h.base)
			c.Jar.SetCookies(u, []*http.Cookie{lc})
			if res := h.get(noFollow(c), cb); res.StatusCode != http.StatusBadRequest { // the code again
				t.Errorf("code redeemed twice: %d", res.StatusCode)
			}
			if h.logs.FilterMessage("request refused").Filter(func(e observer.LoggedEntry) bool {
				return e.ContextMap()["reason"] == "invalid_grant"
			}).Len() != 1 {
				t.Error("the second redemption of the code was not logged")
			}

			entries := h.logs.All()
			if len(entries) < 4 {
				t.Fatalf("only %d log entries: the test would prove little", len(entries))
			}
			for _, e := range entries {
				text := e.Message + " " + e.LoggerName + " " + fmt.Sprint(e.ContextMap())
				for name, secret := range secrets {
					if len(secret) < 8 {
						t.Fatalf("%s %q is too short to search for", name, secret)
					}
					if strings.Contains(text, secret) {
						t.Errorf("log entry %q contains the %s: %s", e.Message, name, text)
					}
				}
			}
		})
	}
}

// mustQuery returns parameter name of URL raw.
func mustQuery(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Query().Get(name) == "" {
		t.Fatalf("%s has no %s", raw, name)
	}
	return u.Query().Get(name)
}
