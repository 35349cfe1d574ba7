package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// multiHarness is a gateway whose main provider is the Kakao emulator, with additional
// generic OpenID providers (fake OPs) by name.
type multiHarness struct {
	*harness
	ops map[string]*oidctest.Server
}

// newMultiHarness replaces the harness's gateway with one that also offers a fake OP per
// entry of ops, each with its redirect URI registered as <base>/.auth/callback/<name>.
func newMultiHarness(t *testing.T, names []string, ops map[string]oidctest.Options) *multiHarness {
	t.Helper()
	h := newHarness(t, harnessOptions{})
	m := &multiHarness{harness: h, ops: map[string]*oidctest.Server{}}
	var extra []Provider
	for _, name := range names {
		o := ops[name]
		o.RedirectURIs = []string{h.base + "/.auth/callback/" + name}
		op := oidctest.NewServer(t, o)
		m.ops[name] = op
		p, err := oidc.NewProvider(oidc.ProviderOptions{Issuer: op.Issuer, Timeout: providerTimeout,
			RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		extra = append(extra, Provider{Name: name, Label: strings.ToUpper(name[:1]) + name[1:],
			RP: &oidc.Client{Provider: p, ClientID: op.ClientID, ClientSecret: op.ClientSecret, Scopes: []string{"openid", "profile", "email"}}})
	}
	old := h.gw
	gw, err := New(Options{Config: h.cfg, RP: old.idps[0].rp, Kakao: old.kakao, Sessions: old.sessions,
		Logger: old.logger, Locker: old.locker, Now: h.clock.Now, Providers: extra})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	h.gw = gw
	old.Close()
	return m
}

// loginAt logs c in at the additional provider name, returning to rd, and returns the
// callback's answer (not followed).
func (m *multiHarness) loginAt(c *http.Client, name, rd string) *result {
	m.t.Helper()
	res := m.get(noFollow(c), m.opCallback(c, name, rd))
	if res.StatusCode != http.StatusFound {
		m.t.Fatalf("callback of %s: %d\n%s", name, res.StatusCode, res.body)
	}
	return res
}

// opCallback starts a login at the additional provider name and returns the callback URL its
// fake OP redirected to, without opening it.
func (m *multiHarness) opCallback(c *http.Client, name, rd string) string {
	m.t.Helper()
	res := m.get(noFollow(c), "/.auth/login?provider="+name+"&rd="+url.QueryEscape(rd))
	if res.StatusCode != http.StatusFound {
		m.t.Fatalf("login at %s: %d\n%s", name, res.StatusCode, res.body)
	}
	auth := res.Header.Get("Location")
	if !strings.HasPrefix(auth, m.ops[name].URL(oidctest.Authorize)+"?") {
		m.t.Fatalf("login at %s went to %q", name, auth)
	}
	if got, _ := url.Parse(auth); got.Query().Get("redirect_uri") != m.base+"/.auth/callback/"+name {
		m.t.Fatalf("redirect_uri of %s = %q", name, got.Query().Get("redirect_uri"))
	}
	back := m.get(noFollow(c), auth)
	loc := back.Header.Get("Location")
	if back.StatusCode != http.StatusFound || !strings.HasPrefix(loc, m.base+"/.auth/callback/"+name+"?") {
		m.t.Fatalf("fake OP %s answered %d %q", name, back.StatusCode, loc)
	}
	return loc
}

// kakaoCallback starts a login at the main provider (Kakao) from the login page's link, signs
// user in and returns the callback URL, without opening it.
func (m *multiHarness) kakaoCallback(c *http.Client, user int64) string {
	m.t.Helper()
	res := m.get(noFollow(c), "/.auth/login?provider=kakao&rd=/")
	if res.StatusCode != http.StatusFound {
		m.t.Fatalf("login at kakao: %d\n%s", res.StatusCode, res.body)
	}
	return m.signIn(c, res.Header.Get("Location"), user)
}

// me returns the claims of c's session.
func (m *multiHarness) me(c *http.Client) map[string]any {
	m.t.Helper()
	var body struct{ Claims map[string]any }
	res := m.get(c, "/.auth/me", "Accept: application/json")
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || res.StatusCode != http.StatusOK {
		m.t.Fatalf("/me: %d %s", res.StatusCode, res.body)
	}
	return body.Claims
}

// TestLoginPageListsEveryProvider: without a session a navigation gets the login page with
// one button per provider (Kakao's first), /login without a provider shows the same page,
// and an unknown provider is refused.
func TestLoginPageListsEveryProvider(t *testing.T) {
	m := newMultiHarness(t, []string{"corp", "partner"}, nil)
	c := m.browser()
	res := m.get(noFollow(c), "/app?x=1")
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("navigation without a session: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rd := url.QueryEscape("/app?x=1")
	links := []string{
		"/.auth/login?provider=kakao&amp;rd=" + rd,
		"/.auth/login?provider=corp&amp;rd=" + rd,
		"/.auth/login?provider=partner&amp;rd=" + rd,
	}
	last := -1
	for _, l := range links {
		i := strings.Index(res.body, `href="`+l+`"`)
		if i < 0 || i < last {
			t.Fatalf("login page lacks (or misorders) %s:\n%s", l, res.body)
		}
		last = i
	}
	if !strings.Contains(res.body, `kakao-login" href="/.auth/login?provider=kakao`) || !strings.Contains(res.body, "<span>Login with Kakao</span>") ||
		!strings.Contains(res.body, ">Corp<") || !strings.Contains(res.body, ">Partner<") {
		t.Fatalf("login page labels:\n%s", res.body)
	}
	ko := m.get(noFollow(c), "/app", "Accept-Language: ko-KR,ko;q=0.9")
	if !strings.Contains(ko.body, "<span>카카오 로그인</span>") || !strings.Contains(ko.body, "로그인 방법을 선택해 주세요") || !strings.Contains(ko.body, ">Corp<") {
		t.Fatalf("Korean login page:\n%s", ko.body)
	}
	if page := m.get(c, "/.auth/login?rd=/app"); page.StatusCode != http.StatusOK || !strings.Contains(page.body, "provider=partner") {
		t.Fatalf("/login without a provider: %d", page.StatusCode)
	}
	if got := m.get(c, "/.auth/login?provider=nope", "Accept: application/json"); got.StatusCode != http.StatusNotFound {
		t.Fatalf("/login?provider=nope: %d, want 404", got.StatusCode)
	}
	if got := m.get(c, "/.auth/callback/nope", "Accept: application/json"); got.StatusCode != http.StatusNotFound {
		t.Fatalf("/callback/nope: %d, want 404", got.StatusCode)
	}
	if got := m.get(noFollow(c), "/.auth/login?provider=kakao&rd=/app"); got.StatusCode != http.StatusFound ||
		!strings.HasPrefix(got.Header.Get("Location"), m.kakao.Issuer()) {
		t.Fatalf("/login?provider=kakao: %d %q", got.StatusCode, got.Header.Get("Location"))
	}
}

// TestAdditionalProviderLogsInWithItsOwnIdentity: a login at an additional provider uses its
// callback, its user id is <name>:<sub> (never confused with a Kakao id), its claims carry
// the provider, and Kakao logins still work beside it.
func TestAdditionalProviderLogsInWithItsOwnIdentity(t *testing.T) {
	m := newMultiHarness(t, []string{"corp"}, map[string]oidctest.Options{
		"corp": {Subject: "1001", UserInfo: map[string]any{"email": "a@corp.example", "email_verified": true}},
	})
	c := m.browser()
	if loc := m.loginAt(c, "corp", "/app").Header.Get("Location"); loc != "/app" {
		t.Fatalf("after login: Location %q", loc)
	}
	if res := m.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK {
		t.Fatalf("protected call: %d %s", res.StatusCode, res.body)
	}
	up := m.up.last(t)
	if got := up.Header.Get("X-Auth-User-Id"); got != "corp:1001" {
		t.Errorf("X-Auth-User-Id = %q, want corp:1001", got)
	}
	if got := up.Header.Get("X-Auth-Email"); got != "a@corp.example" {
		t.Errorf("X-Auth-Email = %q", got)
	}
	if claims := m.me(c); claims["provider"] != "corp" || claims["sub"] != "1001" || claims["id"] != "corp:1001" {
		t.Errorf("claims = %v", claims)
	}
	if n := m.kakao.Calls("/oauth/token"); n != 0 {
		t.Errorf("Kakao's token endpoint was called %d times for a corp login", n)
	}

	k := m.browser()
	if res := m.get(noFollow(k), m.kakaoCallback(k, 1001)); res.StatusCode != http.StatusFound {
		t.Fatalf("Kakao callback: %d %s", res.StatusCode, res.body)
	}
	if claims := m.me(k); claims["provider"] != "kakao" || claims["id"] != "1001" {
		t.Errorf("Kakao session claims = %v", claims)
	}
}

// TestCodeGoesOnlyToTheProviderThatIssuedIt (rp-security gw-flow-11): a callback carrying
// one provider's state and code delivered to another provider's callback is refused before
// any token request, whichever way round.
func TestCodeGoesOnlyToTheProviderThatIssuedIt(t *testing.T) {
	m := newMultiHarness(t, []string{"corp", "partner"}, nil)
	tests := []struct {
		name     string
		from     string // provider the login started at
		deliver  string // callback path it is delivered to
		tokenHit func() int
	}{
		{"corp code at partner's callback", "corp", "/.auth/callback/partner", nil},
		{"corp code at the main callback", "corp", "/.auth/callback", nil},
		{"kakao code at corp's callback", "kakao", "/.auth/callback/corp", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := m.browser()
			var cb string
			if tt.from == "kakao" {
				cb = m.kakaoCallback(c, 1001)
			} else {
				cb = m.opCallback(c, tt.from, "/")
			}
			u, _ := url.Parse(cb)
			res := m.get(noFollow(c), tt.deliver+"?"+u.RawQuery, "Accept: application/json")
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "provider_mismatch") {
				t.Fatalf("delivered to %s: %d %s", tt.deliver, res.StatusCode, res.body)
			}
			calls := m.kakao.Calls("/oauth/token")
			for _, op := range m.ops {
				calls += op.Count(oidctest.Token)
			}
			if calls != 0 {
				t.Fatalf("%d token requests were made for a mixed-up callback", calls)
			}
			if m.setsSession(res) {
				t.Fatal("a session was set")
			}
		})
	}
}

// TestAdditionalProviderSessionStaysWithItsProvider: refreshes go to the session's own
// provider (and check its subject), logout never hands its token to Kakao, unlink is not
// offered, and readyz names a provider whose discovery fails.
func TestAdditionalProviderSessionStaysWithItsProvider(t *testing.T) {
	m := newMultiHarness(t, []string{"corp", "partner"}, map[string]oidctest.Options{
		"corp": {TokenLifetime: 2 * time.Minute}, // inside the refresh margin
	})
	c := m.browser()
	m.loginAt(c, "corp", "/")
	if res := m.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK {
		t.Fatalf("protected call: %d %s", res.StatusCode, res.body)
	}
	var grants []string
	for _, r := range m.ops["corp"].Requests(oidctest.Token) {
		grants = append(grants, r.Form.Get("grant_type"))
	}
	if !slices.Equal(grants, []string{"authorization_code", "refresh_token"}) {
		t.Fatalf("corp token requests = %v, want a code redemption then a refresh", grants)
	}
	if m.kakao.Calls("/oauth/token") != 0 || m.ops["partner"].Count(oidctest.Token) != 0 {
		t.Fatal("another provider's token endpoint was called")
	}

	if res := m.get(c, "/.auth/unlink", "Accept: application/json"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unlink for a corp session: %d, want 404", res.StatusCode)
	}
	_, form := m.logoutForm(t, c)
	if res := m.postLogout(c, form.Fields.Get("csrf")); res.StatusCode != http.StatusFound {
		t.Fatalf("logout: %d %s", res.StatusCode, res.body)
	}
	if n := m.kakao.Calls("/v1/user/logout"); n != 0 {
		t.Errorf("Kakao's logout API was called %d times with a corp token", n)
	}

	m.ops["partner"].SetFault(oidctest.Discovery, oidctest.Fault{Status: http.StatusInternalServerError})
	status, body := m.readyz(t)
	if status != http.StatusServiceUnavailable || !slices.Equal(body.NotReady, []string{"discovery.partner"}) ||
		body.Checks["discovery"] != "ok" || body.Checks["discovery.corp"] != "ok" {
		t.Fatalf("readyz with partner down: %d %+v", status, body)
	}
}

// TestSessionOfARemovedProviderEndsAtOnce: after a reload without provider corp, a corp
// session is refused (the cookie is dropped and the browser is sent to log in), and none of
// its tokens reach the remaining provider.
func TestSessionOfARemovedProviderEndsAtOnce(t *testing.T) {
	m := newMultiHarness(t, []string{"corp"}, nil)
	c := m.browser()
	m.loginAt(c, "corp", "/")
	if res := m.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK {
		t.Fatalf("before the reload: %d", res.StatusCode)
	}
	old := m.gw
	gw, err := New(Options{Config: m.cfg, RP: old.idps[0].rp, Kakao: old.kakao, Sessions: old.sessions,
		Logger: old.logger, Locker: old.locker, Now: m.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	m.gw = gw // the reloaded configuration: Kakao only
	res := m.get(c, "/app", "Accept: application/json")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a corp session after corp was removed: %d, want 401", res.StatusCode)
	}
	if n := m.kakao.Calls("/oauth/token") + m.kakao.Calls("/v2/user/me"); n != 0 {
		t.Fatalf("%d calls to Kakao with a corp session", n)
	}
	if res := m.get(c, "/.auth/me", "Accept: application/json"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/me: %d, want 401", res.StatusCode)
	}
}
