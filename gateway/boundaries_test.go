package gateway

// Boundaries: caps and clear 4xx answers for oversized input, cookies of one kind never
// accepted as another, and no-store on every response that carries a code or token.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestOversizedInputGetsAClearRefusal sends every kind of oversized input the gateway reads
// itself and checks each is refused (or ignored) with a 4xx and never a 5xx or a hang.
func TestOversizedInputGetsAClearRefusal(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{configure: func(c *config.Config) {
		c.AdminToken = strings.Repeat("t", 40)
	}})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	session := "Cookie: " + h.gw.cookies.session + "=" + h.sessionCookie(c).Value
	plain := &http.Client{}
	big := func(n int) string { return strings.Repeat("A", n) }
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		headers    []string
		wantStatus int
	}{
		{"session cookie of 5 KB", "GET", "/app", "", []string{"Accept: application/json", "Cookie: " + h.gw.cookies.session + "=" + big(5000)}, 401},
		{"60 junk login cookies", "GET", "/.auth/login", "", []string{"Cookie: " + junkLoginCookies(h, 60, 1000)}, 302},
		{"forged identity header of 64 KB", "GET", "/app", "", []string{"Accept: application/json", session, "X-Auth-User-Id: " + big(64<<10)}, 200},
		{"callback query over 4 KB", "GET", "/.auth/callback?state=x&pad=" + big(5000), "", nil, 400},
		{"repeated callback parameters", "GET", "/.auth/callback?state=a&state=b&code=c", "", nil, 400},
		{"return path over 2 KB", "GET", "/.auth/login?rd=/" + big(3000), "", nil, 302},
		{"logout form over 8 KB", "POST", "/.auth/logout", "csrf=" + big(9000), []string{session, "Content-Type: application/x-www-form-urlencoded"}, 400},
		{"back-channel body over 32 KB", "POST", "/.auth/backchannel-logout", "logout_token=" + big(40<<10), []string{"Content-Type: application/x-www-form-urlencoded"}, 400},
		{"logout token over 16 KB", "POST", "/.auth/backchannel-logout", "logout_token=" + big(20<<10), []string{"Content-Type: application/x-www-form-urlencoded"}, 400},
		{"two logout tokens", "POST", "/.auth/backchannel-logout", "logout_token=a&logout_token=b", []string{"Content-Type: application/x-www-form-urlencoded"}, 400},
		{"admin user_id over 255 bytes", "POST", "/.auth/admin/revoke?user_id=" + big(300), "", []string{"Authorization: Bearer " + strings.Repeat("t", 40)}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			var res *result
			if body != nil {
				res = h.do(noFollow(plain), tt.method, tt.target, body, tt.headers...)
			} else {
				res = h.do(noFollow(plain), tt.method, tt.target, nil, tt.headers...)
			}
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%d, want %d\n%.300s", res.StatusCode, tt.wantStatus, res.body)
			}
			switch tt.name {
			case "forged identity header of 64 KB":
				if got := h.up.last(t).Header.Get("X-Auth-User-Id"); got != "user-1" {
					t.Errorf("X-Auth-User-Id upstream = %.40q", got)
				}
			case "60 junk login cookies":
				if n := len(res.Header.Values("Set-Cookie")); n != maxExaminedLoginCookies+1 {
					t.Errorf("%d Set-Cookie headers, want %d junk cookies expired (a bounded reply) and one new", n, maxExaminedLoginCookies)
				}
			case "return path over 2 KB":
				if rt := h.loginReturnTo(t, tt.target); rt != "/" {
					t.Errorf("return path %.40q, want /", rt)
				}
			}
		})
	}
	if !h.hasSession(c) {
		t.Error("the oversized requests cost the browser its session")
	}
}

// junkLoginCookies is a Cookie header value of n login-state cookies of size bytes each that
// no key opens.
func junkLoginCookies(h *harness, n, size int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = h.gw.cookies.loginPrefix + strings.Repeat(string(rune('a'+i%26)), 20) + string(rune('A'+i/26)) + "=" + strings.Repeat("x", size)
	}
	return strings.Join(parts, "; ")
}

// TestCookiesOfOneKindNeverPassAsAnother plants each of the gateway's sealed values (session
// cookie, login-state cookie, logout-state cookie, CSRF token) where another kind is expected:
// every key is derived for one purpose, so each is refused.
func TestCookiesOfOneKindNeverPassAsAnother(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{configure: func(c *config.Config) { c.Logout = config.LogoutAccount }})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	sessionValue := h.sessionCookie(c).Value
	_, form := h.logoutForm(t, c)
	csrf := form.Fields.Get("csrf")
	pending := h.browser()
	cb := h.authorize(pending, "/app", 0)
	loginValue := loginCookie(h, pending, stateOf(cb)).Value

	// A logout-state cookie, from an account logout of another browser.
	other := h.browser()
	h.expectLogin(t, other, h.authorize(other, "/app", 0), "/app", "user-1")
	_, otherForm := h.logoutForm(t, other)
	res := h.postLogout(other, otherForm.Fields.Get("csrf"))
	var logoutValue string
	for _, ck := range res.Cookies() {
		if ck.Name == h.gw.cookies.logoutState {
			logoutValue = ck.Value
		}
	}
	if logoutValue == "" {
		t.Fatal("the account logout set no logout-state cookie")
	}

	asSession := map[string]string{"login-state cookie": loginValue, "logout-state cookie": logoutValue, "CSRF token": csrf}
	for what, v := range asSession {
		if h.hasSession(h.withSessionCookie(v)) {
			t.Errorf("a %s is accepted as a session cookie", what)
		}
	}
	for what, v := range map[string]string{"session cookie": sessionValue, "logout-state cookie": logoutValue, "CSRF token": csrf} {
		t.Run(what+" as the login state", func(t *testing.T) {
			b := h.browser()
			state, _ := h.startLogin(b, "/app")
			b.Jar.SetCookies(mustURL(h.base), []*http.Cookie{{Name: h.gw.cookies.loginPrefix + state, Value: v, Path: "/"}})
			h.expectRefused(t, b, "/.auth/callback?"+url.Values{"state": {state}, "code": {"c"}}.Encode(), http.StatusBadRequest, 0)
		})
	}
	for what, v := range map[string]string{"session cookie": sessionValue, "login-state cookie": loginValue} {
		if r := h.postLogout(c, v); r.StatusCode != http.StatusForbidden {
			t.Errorf("a %s as the logout CSRF token: %d, want 403", what, r.StatusCode)
		}
	}
	for what, v := range map[string]string{"session cookie": sessionValue, "CSRF token": csrf} {
		b := h.browser()
		b.Jar.SetCookies(mustURL(h.base), []*http.Cookie{{Name: h.gw.cookies.logoutState, Value: v, Path: "/"}})
		if r := h.get(noFollow(b), "/.auth/logout/callback?state="+url.QueryEscape(v)); r.StatusCode != http.StatusOK || r.Header.Get("Location") != "" {
			t.Errorf("a %s as the logout state: %d to %q, want the signed-out page", what, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if !h.hasSession(c) {
		t.Error("the browser lost its session")
	}
}

// TestEveryResponseWithACodeOrTokenIsNotStored checks Cache-Control: no-store and
// Referrer-Policy: no-referrer on every gateway answer that carries a code, state, token or
// session, including the new logout flows and Kakao's unlink and webhook.
func TestEveryResponseWithACodeOrTokenIsNotStored(t *testing.T) {
	t.Parallel()
	t.Run("oidc", func(t *testing.T) {
		t.Parallel()
		h := newOIDC(t, harnessOptions{op: oidctest.Options{Claims: map[string]any{"sid": opSessionID}}, configure: func(c *config.Config) { c.Logout = config.LogoutAccount }})
		c := h.browser()
		nf := noFollow(c)
		assertNoStore(t, "login redirect", h.get(nf, "/.auth/login?rd=%2Fapp").Response)
		assertNoStore(t, "challenge", h.get(noFollow(h.browser()), "/app").Response)
		cb := h.authorize(c, "/app", 0)
		assertNoStore(t, "callback", h.get(nf, cb).Response)
		assertNoStore(t, "refused callback", h.get(nf, cb).Response)
		assertNoStore(t, "me", h.get(c, "/.auth/me", "Accept: application/json").Response)
		page, form := h.logoutForm(t, c)
		assertNoStore(t, "logout page", page.Response)
		out := h.postLogout(c, form.Fields.Get("csrf"))
		assertNoStore(t, "redirect to end_session_endpoint (id_token_hint)", out.Response)
		back := h.get(nf, out.Header.Get("Location"))
		assertNoStore(t, "logout callback", h.get(nf, back.Header.Get("Location")).Response)
		assertNoStore(t, "back-channel logout refused", h.backchannel("x.y.z").Response)
		assertNoStore(t, "back-channel logout", h.backchannel(h.op.SignLogoutToken(h.op.LogoutTokenClaims(opSessionID))).Response)
	})
	t.Run("kakao", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{configure: func(c *config.Config) {
			c.AdminKey, c.AppID = kakaotest.DefaultAdminKey, kakaotest.DefaultAppID
		}})
		c := h.browser()
		h.login(c, "/", 1001)
		page := h.get(c, "/.auth/unlink")
		assertNoStore(t, "unlink page", page.Response)
		_, form := h.logoutForm(t, c)
		res := h.postForm(c, "/.auth/unlink", url.Values{"csrf": {form.Fields.Get("csrf")}}, "Accept: text/html")
		if res.StatusCode != http.StatusFound {
			t.Fatalf("unlink: %d", res.StatusCode)
		}
		assertNoStore(t, "unlink", res.Response)
		hook := h.postForm(&http.Client{}, "/.auth/webhook/unlink", url.Values{"app_id": {kakaotest.DefaultAppID}, "user_id": {"1001"}},
			"Authorization: KakaoAK "+kakaotest.DefaultAdminKey)
		if hook.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d", hook.StatusCode)
		}
		assertNoStore(t, "webhook", hook.Response)
	})
}
