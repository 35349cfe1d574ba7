package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// submitPage parses the first form of a page fetched with c and presses a button.
func submitPage(t *testing.T, c *http.Client, pageURL, button, value string) *http.Response {
	t.Helper()
	page, err := c.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := kakaotest.SubmitForm(c, page, button, value)
	if err != nil {
		t.Fatalf("submitting the form of %s: %v", pageURL, err)
	}
	return resp
}

// logOutAndWantSessionEnded presses the confirmation page's logout button (its form carries
// the CSRF field) with c, then checks the session is over: /.auth/me and protected (a
// protected path) refuse c, and refuse the cookies c held before logging out, replayed.
func logOutAndWantSessionEnded(t *testing.T, c *http.Client, base, protected string) {
	t.Helper()
	u, _ := url.Parse(base)
	before := c.Jar.Cookies(u)
	if resp, body := get(t, c, base+"/.auth/me", "Accept: application/json"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/.auth/me before logout: %d %s", resp.StatusCode, body)
	}
	resp := submitPage(t, c, base+"/.auth/logout", "confirm", "yes")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logout confirmation POST ended on %d at %s", resp.StatusCode, resp.Request.URL)
	}
	var replayed []string
	for _, ck := range before {
		replayed = append(replayed, ck.Name+"="+ck.Value)
	}
	if len(replayed) == 0 {
		t.Fatal("no cookies before logout")
	}
	for _, path := range []string{"/.auth/me", protected} {
		if resp, body := get(t, c, base+path, "Accept: application/json"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s after logout: %d %s, want 401", path, resp.StatusCode, body)
		}
		if resp, body := get(t, http.DefaultClient, base+path, "Accept: application/json", "Cookie: "+strings.Join(replayed, "; ")); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with the cookies from before the logout: %d %s, want 401", path, resp.StatusCode, body)
		}
	}
}

// sessionCookie returns the browser's session cookie value for base.
func sessionCookie(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "__Host-kakaogate" {
			return ck.Value
		}
	}
	return ""
}

// replay sends a bare API request with a session cookie value and returns the status.
func replay(t *testing.T, base, cookie string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/private", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cookie", "__Host-kakaogate="+cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServiceLogoutEndsSessionAndRevokesKakaoToken: the confirmation form's POST ends the
// session, calls Kakao's logout API, and the old cookie no longer works (gw-ses-06); the
// signed-out browser's <prefix>/consent shows the login page, not Kakao.
func TestServiceLogoutEndsSessionAndRevokesKakaoToken(t *testing.T) {
	e := newEnv(t, envOptions{extra: "post_logout_redirect /goodbye", site: "@private not path /goodbye", matcher: "@private"})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	old := sessionCookie(c, e.base)

	resp := submitPage(t, noRedirects(c), e.base+"/.auth/logout", "confirm", "yes")
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/goodbye" {
		t.Fatalf("logout POST: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := e.emulator.Calls("/v1/user/logout"); n != 1 {
		t.Fatalf("Kakao logout API calls = %d, want 1", n)
	}
	if got := replay(t, e.base, old); got != http.StatusUnauthorized {
		t.Fatalf("cookie replayed after logout: %d, want 401", got)
	}
	// <prefix>/consent starts a login: signed out, it shows the login page instead.
	authorized := e.emulator.Calls("/oauth/authorize")
	consent, body := get(t, noRedirects(c), e.base+"/.auth/consent?scope=account_email&rd=%2F")
	if consent.StatusCode != http.StatusUnauthorized || consent.Header.Get("Location") != "" || !strings.Contains(body, "resume=") {
		t.Fatalf("consent after logout: %d to %q, want the login page with its button", consent.StatusCode, consent.Header.Get("Location"))
	}
	if n := e.emulator.Calls("/oauth/authorize") - authorized; n != 0 {
		t.Fatalf("consent after logout went to Kakao %d times", n)
	}
}

// TestLogoutWithoutValidCSRFIsRefused: a cross-site POST cannot log anyone out.
func TestLogoutWithoutValidCSRFIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	for _, body := range []string{"", "csrf=forged", "csrf=" + strings.Repeat("A", 200)} {
		req, _ := http.NewRequest("POST", e.base+"/.auth/logout", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		resp, err := noRedirects(c).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("logout with %q: %d, want 403", body, resp.StatusCode)
		}
	}
	if got := replay(t, e.base, sessionCookie(c, e.base)); got != http.StatusOK {
		t.Fatalf("the session must survive refused logouts: %d", got)
	}
}

// TestAccountLogoutThroughBridgePage covers logout account: the person is logged out here,
// sent to Kakao's bridge page, and returned to post_logout_redirect whichever they choose;
// only "also the Kakao Account" ends the Kakao session.
func TestAccountLogoutThroughBridgePage(t *testing.T) {
	for _, tc := range []struct {
		name, choice  string
		kakaoSignedIn bool
	}{
		{"service only", "false", true},
		{"with Kakao Account", "true", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{extra: "logout account"})
			c := e.browser()
			e.login(c, "/", 1001).Body.Close()
			old := sessionCookie(c, e.base)

			bridge := submitPage(t, c, e.base+"/.auth/logout", "confirm", "yes")
			if bridge.Request.URL.Path != "/oauth/logout" {
				t.Fatalf("logout account landed on %s, want Kakao's /oauth/logout", bridge.Request.URL)
			}
			q := bridge.Request.URL.Query()
			if q.Get("logout_redirect_uri") != e.base+"/.auth/logout/callback" || q.Get("state") == "" || q.Get("client_id") != "demo-rest-api-key" {
				t.Fatalf("bridge page URL = %s", bridge.Request.URL)
			}
			if replay(t, e.base, old) != http.StatusUnauthorized {
				t.Fatal("the local session must end before the bridge page")
			}
			back, err := kakaotest.SubmitForm(noRedirectsTo(c, "/.auth/signed-out"), bridge, "logout_with_kakao", tc.choice)
			if err != nil {
				t.Fatal(err)
			}
			back.Body.Close()
			if back.Request.URL.Path != "/.auth/logout/callback" || back.Header.Get("Location") != "/.auth/signed-out" {
				t.Fatalf("after the bridge page: %s → %q, want the signed-out page of a fully protected site", back.Request.URL, back.Header.Get("Location"))
			}
			// Signed out: a protected page shows the login page, whose button logs in again,
			// skipping Kakao's login form only if the Kakao session survived.
			page, body := get(t, c, e.base+"/")
			if page.StatusCode != http.StatusUnauthorized || page.Request.URL.Host != strings.TrimPrefix(e.base, "http://") {
				t.Fatalf("a protected page after logout: %d at %s, want the gateway's login page", page.StatusCode, page.Request.URL)
			}
			resp, _ := get(t, c, e.base+loginLink(t, body), "Accept: text/html")
			onLoginForm := resp.Request.URL.Path == "/oauth/authorize" && resp.StatusCode == http.StatusOK
			if onLoginForm == tc.kakaoSignedIn {
				t.Fatalf("choice %s: landed on %s (login form shown: %v)", tc.choice, resp.Request.URL, onLoginForm)
			}
		})
	}
}

// noRedirectsTo follows redirects except to the site path stop.
func noRedirectsTo(c *http.Client, stop string) *http.Client {
	cc := *c
	cc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == stop {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &cc
}

// TestLogoutModeAccountLinkWithServiceDefault: a page may offer both modes with ?mode=.
func TestLogoutModeAccountLinkWithServiceDefault(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	resp := submitPage(t, noRedirects(c), e.base+"/.auth/logout?mode=account", "confirm", "yes")
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Path != "/oauth/logout" {
		t.Fatalf("?mode=account: %d → %s", resp.StatusCode, loc)
	}
}

// TestLogoutCallbackWithForeignStateRedirectsNowhere (rp-init-logout-other-state).
func TestLogoutCallbackWithForeignStateRedirectsNowhere(t *testing.T) {
	e := newEnv(t, envOptions{extra: "logout account"})
	resp, body := get(t, noRedirects(e.browser()), e.base+"/.auth/logout/callback?state=forged&next=https://evil.example")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "signed out") {
		t.Fatalf("foreign state: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// loginLink returns the login button's link on a gateway page.
func loginLink(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `href="/.auth/login?`)
	if !ok {
		t.Fatalf("no login button on the page:\n%s", body)
	}
	link, _, _ := strings.Cut(rest, `"`)
	return "/.auth/login?" + strings.ReplaceAll(link, "&amp;", "&")
}
