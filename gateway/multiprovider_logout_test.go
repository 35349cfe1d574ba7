package gateway

// The logout flows and the reject rule with several providers: each additional (generic)
// provider has its own back-channel logout endpoint and its own end_session_endpoint.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// expectRefusedAt opens the callback target with c and checks the reject rule: status want,
// the error page with a logged request id, no session, nothing upstream.
func (m *multiHarness) expectRefusedAt(t *testing.T, c *http.Client, target string, want int) *result {
	t.Helper()
	up := m.up.count()
	res := m.get(noFollow(c), target, "Accept: text/html")
	if res.StatusCode != want {
		t.Fatalf("callback: %d, want %d\n%s", res.StatusCode, want, res.body)
	}
	m.assertLogged(t, m.problemID(t, res, true))
	if m.setsSession(res) || m.up.count() != up {
		t.Error("a refused callback set a session or reached the upstream")
	}
	return res
}

// TestAdditionalProviderBackchannelLogout: the logout token of an additional provider is
// accepted only at its own endpoint <prefix>/backchannel-logout/<name> and ends that
// provider's sessions of the user (by sub, or by the sid seen at login); the main Kakao
// provider has no such endpoint.
func TestAdditionalProviderBackchannelLogout(t *testing.T) {
	t.Parallel()
	m := newMultiHarness(t, []string{"corp", "partner"}, map[string]oidctest.Options{
		"corp": {Claims: map[string]any{"sid": opSessionID}},
	})
	login := func() *http.Client {
		c := m.browser()
		m.loginAt(c, "corp", "/")
		if !m.hasSession(c) {
			t.Fatal("no session after the login at corp")
		}
		return c
	}
	kakaoUser := m.browser()
	if r := m.get(noFollow(kakaoUser), m.kakaoCallback(kakaoUser, 1001)); !m.setsSession(r) {
		t.Fatalf("Kakao login: %d", r.StatusCode)
	}
	corp := m.ops["corp"]
	c := login()
	token := corp.SignLogoutToken(corp.LogoutTokenClaims(opSessionID))
	if r := m.backchannel(token); r.StatusCode != http.StatusNotFound {
		t.Errorf("the main Kakao provider's back-channel endpoint: %d, want 404", r.StatusCode)
	}
	r := m.postForm(&http.Client{}, "/.auth/backchannel-logout/partner", url.Values{"logout_token": {token}})
	if r.StatusCode != http.StatusBadRequest || !m.hasSession(c) {
		t.Errorf("corp's token at partner's endpoint: %d (session kept %v), want 400 and kept", r.StatusCode, m.hasSession(c))
	}
	for name, edit := range map[string]func(map[string]any){"sub": func(c map[string]any) { delete(c, "sid") }, "sid only": func(c map[string]any) { delete(c, "sub") }} {
		c := login()
		claims := corp.LogoutTokenClaims(opSessionID)
		edit(claims)
		r := m.postForm(&http.Client{}, "/.auth/backchannel-logout/corp", url.Values{"logout_token": {corp.SignLogoutToken(claims)}})
		if r.StatusCode != http.StatusOK || m.hasSession(c) {
			t.Errorf("%s: %d, session kept %v; want 200 and the session ended", name, r.StatusCode, m.hasSession(c))
		}
	}
	if !m.hasSession(kakaoUser) {
		t.Error("a Kakao session ended")
	}
}

// TestAdditionalProviderAccountLogout: with a Kakao main provider and logout account, a
// session of an additional provider ends at that provider's end_session_endpoint (never at
// Kakao's logout page), and the pages' form-action allows its origin.
func TestAdditionalProviderAccountLogout(t *testing.T) {
	t.Parallel()
	m := newMultiHarness(t, []string{"corp"}, nil)
	m.cfg.Logout = config.LogoutAccount
	c := m.browser()
	m.loginAt(c, "corp", "/")
	page, form := m.logoutForm(t, c)
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, strings.TrimSuffix(m.ops["corp"].Issuer, "/")) {
		t.Errorf("CSP %q does not let the logout form lead to corp", csp)
	}
	res := m.postLogout(c, form.Fields.Get("csrf"))
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, m.ops["corp"].URL(oidctest.EndSession)+"?") {
		t.Fatalf("account logout of a corp session: %d to %q, want corp's end_session_endpoint", res.StatusCode, loc)
	}
	if n := m.kakao.Calls("/v1/user/logout"); n != 0 {
		t.Errorf("Kakao's logout API was called %d times for a corp session", n)
	}
}
