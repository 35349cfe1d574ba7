package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// logoutForm opens the logout confirmation page with c and returns its form.
func (h *harness) logoutForm(t *testing.T, c *http.Client) (*result, kakaotest.Form) {
	t.Helper()
	page := h.get(c, "/.auth/logout")
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("logout page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	forms, err := kakaotest.ParseForms(strings.NewReader(page.body), page.Request.URL)
	if err != nil || len(forms) != 1 {
		t.Fatalf("logout page has %d forms (%v):\n%s", len(forms), err, page.body)
	}
	return page, forms[0]
}

// postLogout submits the logout form with the given CSRF token ("" leaves it out) through
// c without following the redirect, as its button does.
func (h *harness) postLogout(c *http.Client, csrf string) *result {
	h.t.Helper()
	form := url.Values{"confirm": {"yes"}}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	return h.do(noFollow(c), http.MethodPost, "/.auth/logout", strings.NewReader(form.Encode()),
		"Content-Type: application/x-www-form-urlencoded", "Accept: text/html", "Origin: "+h.base)
}

// TestLogoutNeedsTheSessionsCSRFToken checks the confirmation page and that a logout POST
// without the CSRF token of its own session is refused and leaves the session working.
func TestLogoutNeedsTheSessionsCSRFToken(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/", 1001)
	other := h.browser()
	h.login(other, "/", 1004)
	page, form := h.logoutForm(t, c)
	assertNoStore(t, "logout page", page.Response)
	if form.Method != http.MethodPost || form.Action.String() != h.base+"/.auth/logout" || form.Fields.Get("csrf") == "" {
		t.Fatalf("logout form = %s %s fields %v, want a POST to /.auth/logout with a csrf token", form.Method, form.Action, form.Fields)
	}
	_, otherForm := h.logoutForm(t, other)

	tests := []struct {
		name string
		csrf string
	}{
		{"no token", ""},
		{"garbage token", "not-a-token"},
		{"token of another session", otherForm.Fields.Get("csrf")},
		{"token tampered with", form.Fields.Get("csrf")[:len(form.Fields.Get("csrf"))-2] + "xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.postLogout(c, tt.csrf)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("logout POST: %d, want 403\n%s", res.StatusCode, res.body)
			}
			h.assertLogged(t, h.problemID(t, res, true))
			for _, ck := range res.Cookies() {
				if ck.Name == h.gw.cookies.session {
					t.Errorf("refused logout touched the session cookie: %v", ck)
				}
			}
			if me := h.get(c, "/.auth/me", "Accept: application/json"); me.StatusCode != http.StatusOK {
				t.Errorf("session after a refused logout: /me %d", me.StatusCode)
			}
		})
	}
	if n := h.kakao.Calls("/v1/user/logout"); n != 0 {
		t.Errorf("Kakao logout API called %d times by refused logouts", n)
	}
}

// TestLogoutEndsSession logs out with the right token: the session is deleted, the cookie
// cleared, Kakao's logout API called, the browser sent to post_logout_redirect, and the old
// cookie replayed afterwards is refused (gw-ses-06).
func TestLogoutEndsSession(t *testing.T) {
	h := newHarness(t, harnessOptions{public: []string{"/bye"}, configure: func(c *config.Config) { c.PostLogoutRedirect = "/bye" }})
	c := h.browser()
	h.login(c, "/", 1001)
	old := h.sessionCookie(c).Value
	_, form := h.logoutForm(t, c)

	res := h.postLogout(c, form.Fields.Get("csrf"))
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/bye" {
		t.Fatalf("logout: %d to %q, want 302 to /bye\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	assertNoStore(t, "logout redirect", res.Response)
	cleared := false
	for _, ck := range res.Cookies() {
		if ck.Name == h.gw.cookies.session && ck.MaxAge < 0 && ck.Value == "" {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("logout did not clear the session cookie: %v", res.Header.Values("Set-Cookie"))
	}
	if h.sessionCookie(c) != nil {
		t.Error("browser still holds the session cookie")
	}
	if n := h.kakao.Calls("/v1/user/logout"); n != 1 {
		t.Errorf("Kakao logout API calls = %d, want 1", n)
	}
	if _, err := h.loadSession(old); err == nil {
		t.Error("session still stored after logout")
	}

	replay := h.withSessionCookie(old)
	if me := h.get(replay, "/.auth/me", "Accept: application/json"); me.StatusCode != http.StatusUnauthorized {
		t.Errorf("old cookie on /me after logout: %d, want 401", me.StatusCode)
	}
	if r := h.get(noFollow(replay), "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old cookie on a protected API after logout: %d, want 401", r.StatusCode)
	}
	if r := h.get(noFollow(replay), "/app"); r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), h.kakao.URL()) {
		t.Errorf("old cookie on a protected page after logout: %d to %q, want a new login", r.StatusCode, r.Header.Get("Location"))
	}
	if n := h.up.count(); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
	// Logging out again, with the old form, does nothing more.
	if r := h.postLogout(replay, form.Fields.Get("csrf")); r.StatusCode != http.StatusFound {
		t.Errorf("second logout POST: %d", r.StatusCode)
	}
	if n := h.kakao.Calls("/v1/user/logout"); n != 1 {
		t.Errorf("Kakao logout API calls after a second logout = %d, want 1", n)
	}
}

// TestLogoutWithoutSession checks GET and POST logout for a browser that is not signed in.
func TestLogoutWithoutSession(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	page := h.get(h.browser(), "/.auth/logout")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "signed out") || strings.Contains(page.body, "<form") {
		t.Errorf("logout page without a session: %d\n%s", page.StatusCode, page.body)
	}
	res := h.postLogout(h.browser(), "")
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/.auth/signed-out" {
		t.Errorf("logout POST without a session on a fully protected site: %d to %q, want 302 to the signed-out page", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.kakao.Calls("/v1/user/logout"); n != 0 {
		t.Errorf("Kakao logout API called %d times without a session", n)
	}
}

// TestLogoutWhenKakaoLogoutFails ends the local session even when Kakao's logout API fails,
// and logs that failure under the request's id.
func TestLogoutWhenKakaoLogoutFails(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/", 1001)
	_, form := h.logoutForm(t, c)
	h.kakao.SetFault("/v1/user/logout", kakaotest.Fault{Status: http.StatusInternalServerError})
	h.logs.TakeAll()
	res := h.postLogout(c, form.Fields.Get("csrf"))
	if res.StatusCode != http.StatusFound {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if me := h.get(c, "/.auth/me", "Accept: application/json"); me.StatusCode != http.StatusUnauthorized {
		t.Errorf("/me after logout: %d", me.StatusCode)
	}
	entries := h.logs.All()
	ids := map[any]bool{}
	for _, e := range entries {
		ids[e.ContextMap()["request_id"]] = true
	}
	if len(entries) < 2 || len(ids) != 1 {
		t.Errorf("one logout request logged %d lines with request ids %v, want one id for all", len(entries), ids)
	}
}

// TestOIDCLogoutCallsNoProvider logs out of a generic OIDC session: no provider endpoint is
// called (there is no Kakao API).
func TestOIDCLogoutCallsNoProvider(t *testing.T) {
	h := newHarness(t, harnessOptions{provider: config.ProviderOIDC})
	c := h.browser()
	h.login(c, "/", 0)
	_, form := h.logoutForm(t, c)
	before := h.op.Count(oidctest.Token) + h.op.Count(oidctest.UserInfo)
	if res := h.postLogout(c, form.Fields.Get("csrf")); res.StatusCode != http.StatusFound {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if after := h.op.Count(oidctest.Token) + h.op.Count(oidctest.UserInfo); after != before {
		t.Errorf("logout called the provider %d times", after-before)
	}
	if me := h.get(c, "/.auth/me", "Accept: application/json"); me.StatusCode != http.StatusUnauthorized {
		t.Errorf("/me after logout: %d", me.StatusCode)
	}
}

// TestAccountLogoutGoesThroughKakaosBridgePage logs out in account mode: the local session
// ends and the token is revoked first, then Kakao's bridge page is shown and its way back
// with the matching state leads to post_logout_redirect; a callback with another state
// redirects nowhere.
func TestAccountLogoutGoesThroughKakaosBridgePage(t *testing.T) {
	tests := []struct {
		name       string
		tamper     bool
		wantStatus int
	}{
		{"matching state leads on", false, http.StatusFound},
		{"another state shows the signed-out page", true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{public: []string{"/bye"}, configure: func(c *config.Config) {
				c.Logout, c.PostLogoutRedirect = config.LogoutAccount, "/bye"
			}})
			c := h.browser()
			h.login(c, "/", 1001)
			_, form := h.logoutForm(t, c)
			res := h.postLogout(c, form.Fields.Get("csrf"))
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, h.kakao.URL()+"/oauth/logout?") {
				t.Fatalf("account logout: %d to %q, want Kakao's logout page", res.StatusCode, loc)
			}
			assertNoStore(t, "account logout redirect", res.Response)
			if h.kakao.Calls("/v1/user/logout") != 1 || h.get(c, "/.auth/me", "Accept: application/json").StatusCode != http.StatusUnauthorized {
				t.Fatal("the local logout and token revocation must happen before Kakao's page")
			}
			bridge, err := noFollow(c).Get(loc)
			if err != nil {
				t.Fatal(err)
			}
			back, err := kakaotest.SubmitForm(noFollow(c), bridge, "logout_with_kakao", "false")
			if err != nil {
				t.Fatal(err)
			}
			_ = back.Body.Close()
			cb := back.Header.Get("Location")
			if !strings.HasPrefix(cb, h.base+"/.auth/logout/callback?") {
				t.Fatalf("bridge page led to %q", cb)
			}
			if tt.tamper {
				cb = h.base + "/.auth/logout/callback?state=" + strings.Repeat("A", 43)
			}
			final := h.get(noFollow(c), cb)
			if final.StatusCode != tt.wantStatus {
				t.Fatalf("logout callback: %d, want %d", final.StatusCode, tt.wantStatus)
			}
			assertNoStore(t, "logout callback", final.Response)
			if tt.wantStatus == http.StatusFound && final.Header.Get("Location") != "/bye" {
				t.Errorf("logout callback led to %q, want /bye", final.Header.Get("Location"))
			}
			if tt.wantStatus == http.StatusOK && final.Header.Get("Location") != "" {
				t.Errorf("a mismatched state redirected to %q", final.Header.Get("Location"))
			}
		})
	}
}
