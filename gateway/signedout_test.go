package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

// logOut logs c out (service mode) through the confirmation form and returns the redirect.
func (h *harness) logOut(t *testing.T, c *http.Client) *result {
	t.Helper()
	_, form := h.logoutForm(t, c)
	res := h.postLogout(c, form.Fields.Get("csrf"))
	if res.StatusCode != http.StatusFound {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	return res
}

// loginButton returns the href of the login page's (or signed-out page's) login link.
func loginButton(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `href="/.auth/login?`)
	if i < 0 {
		t.Fatalf("no login button:\n%s", body)
	}
	href := body[i+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	return strings.ReplaceAll(href, "&amp;", "&")
}

// TestLogoutStaysLoggedOut: after a logout the Kakao Account session is still alive, yet
// the person is not logged straight back in. A protected page, and <prefix>/login reached by
// a redirect, show the login page; only its button logs in again.
func TestLogoutStaysLoggedOut(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/app", 1001)
	if res := h.logOut(t, c); res.Header.Get("Location") != "/.auth/signed-out" {
		t.Fatalf("a fully protected site's logout led to %q, want its signed-out page", res.Header.Get("Location"))
	}
	page := h.get(c, "/.auth/signed-out")
	if page.StatusCode != http.StatusOK || strings.Contains(page.body, `href="/"`) {
		t.Fatalf("signed-out page: %d, with a home link into the protected site?\n%s", page.StatusCode, page.body)
	}
	button := loginButton(t, page.body)

	before := h.kakao.Calls("/oauth/authorize")
	for _, path := range []string{"/app", "/.auth/login?rd=%2Fapp", "/.auth/login?rd=%2Fapp&resume=forged"} {
		res := h.get(noFollow(c), path)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Location") != "" {
			t.Fatalf("%s while signed out: %d to %q, want the login page", path, res.StatusCode, res.Header.Get("Location"))
		}
		if got := loginButton(t, res.body); !strings.Contains(got, "resume=") {
			t.Fatalf("%s: the login button %q cannot clear the marker", path, got)
		}
	}
	if n := h.kakao.Calls("/oauth/authorize") - before; n != 0 {
		t.Fatalf("the browser was sent to Kakao %d times while signed out", n)
	}

	pressed := h.get(noFollow(c), button)
	loc, _ := url.Parse(pressed.Header.Get("Location"))
	if pressed.StatusCode != http.StatusFound || loc.Path != "/oauth/authorize" || loc.Query().Get("prompt") == "none" {
		t.Fatalf("pressing the button: %d to %q, want an interactive login", pressed.StatusCode, loc)
	}
	if !strings.Contains(strings.Join(pressed.Header.Values("Set-Cookie"), "\n"), "kakaogate-signedout=; Path=/; Max-Age=0") {
		t.Fatalf("pressing the button left the marker: %v", pressed.Header.Values("Set-Cookie"))
	}
	res := h.get(noFollow(c), h.signIn(c, pressed.Header.Get("Location"), 1001))
	if res.StatusCode != http.StatusFound {
		t.Fatalf("callback after the press: %d", res.StatusCode)
	}
	if res := h.get(c, "/app"); res.StatusCode != http.StatusOK {
		t.Fatalf("logged in again: %d", res.StatusCode)
	}
}

// TestConsentWhileSignedOutShowsTheLoginPage: <prefix>/consent starts a login, so after a
// logout it shows the login page too, never a redirect to Kakao.
func TestConsentWhileSignedOutShowsTheLoginPage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/app", 1001)
	h.logOut(t, c)
	before := h.kakao.Calls("/oauth/authorize")
	res := h.get(noFollow(c), "/.auth/consent?scope=account_email&rd=%2Fapp")
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Location") != "" {
		t.Fatalf("consent while signed out: %d to %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}
	if got := loginButton(t, res.body); !strings.Contains(got, "resume=") || !strings.Contains(got, "rd=%2Fapp") {
		t.Fatalf("the login button %q cannot clear the marker or forgets the page", got)
	}
	if n := h.kakao.Calls("/oauth/authorize") - before; n != 0 {
		t.Fatalf("the browser was sent to Kakao %d times while signed out", n)
	}
}

// TestLogoutLandsOnAPublicPostLogoutRedirect: post_logout_redirect is where a logout ends
// when it names a page the gateway does not protect; the login page there offers home.
func TestLogoutLandsOnAPublicPostLogoutRedirect(t *testing.T) {
	h := newHarness(t, harnessOptions{public: []string{"/", "/bye"}, configure: func(c *config.Config) { c.PostLogoutRedirect = "/bye" }})
	c := h.browser()
	h.login(c, "/app", 1001)
	if res := h.logOut(t, c); res.Header.Get("Location") != "/bye" {
		t.Fatalf("logout led to %q, want the public /bye", res.Header.Get("Location"))
	}
	if page := h.get(noFollow(c), "/app"); page.StatusCode != http.StatusUnauthorized || !strings.Contains(page.body, `href="/"`) {
		t.Fatalf("login page on a site with a public home: %d, home link missing\n%s", page.StatusCode, page.body)
	}
}

// TestLogoutLandsOnlyOnAPublicPage: a logout ends on post_logout_redirect ("/" here) when
// the page is reachable without a login (a matcher leaves it out, or the handler is
// optional), else on the signed-out page; a handler composed with others cannot know what
// they protect, and lands on the signed-out page (fail-safe).
func TestLogoutLandsOnlyOnAPublicPage(t *testing.T) {
	for _, tt := range []struct {
		name     string
		public   []string
		optional bool
		composed bool
		want     string
	}{
		{"fully protected", nil, false, false, "/.auth/signed-out"},
		{"matcher leaves / public", []string{"/"}, false, false, "/"},
		{"site-wide optional", nil, true, false, "/"},
		{"optional, composed with another handler", nil, true, true, "/.auth/signed-out"},
		{"public /, composed with another handler", []string{"/"}, false, true, "/.auth/signed-out"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{public: tt.public, configure: func(c *config.Config) { c.Optional = tt.optional }})
			if tt.composed {
				h.gw.Composed()
			}
			c := h.browser()
			h.login(c, "/app", 1001)
			if got := h.logOut(t, c).Header.Get("Location"); got != tt.want {
				t.Fatalf("logout led to %q, want %q", got, tt.want)
			}
			page := h.get(c, "/.auth/signed-out")
			if home := strings.Contains(page.body, `href="/"`); home != (tt.want == "/") {
				t.Fatalf("signed-out page links home: %v, want %v", home, tt.want == "/")
			}
		})
	}
}

// TestSignedOutInKakaoTalkSkipsAutoLogin: in KakaoTalk's in-app browser a logged-out person
// is not logged in silently (prompt=none) either.
func TestSignedOutInKakaoTalkSkipsAutoLogin(t *testing.T) {
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) { c.AutoLogin = config.AutoLoginKakaoTalk }})
	c := h.browser()
	h.login(c, "/app", 1001)
	h.logOut(t, c)
	res := h.get(noFollow(c), "/app", talkUA)
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Location") != "" {
		t.Fatalf("KakaoTalk after logout: %d to %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestPrivatePagesAreNotStored: a page served with a session is marked no-store, so that the
// back button or a reload after a logout cannot show it from the browser's cache.
func TestPrivatePagesAreNotStored(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/app", 1001)
	if res := h.get(c, "/app"); res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("private page: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

// TestErrorPagesLinkHomeOnlyWhenPublic: an error page in the login flow (a stale or forged
// state here) offers "home" only where "/" is public; on a fully protected site that link
// would only start another login.
func TestErrorPagesLinkHomeOnlyWhenPublic(t *testing.T) {
	for _, tt := range []struct {
		name     string
		public   []string
		wantHome bool
	}{
		{"fully protected site", nil, false},
		{"public home page", []string{"/"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{public: tt.public})
			res := h.get(h.browser(), "/.auth/callback?code=junk&state=forged", "Accept: text/html")
			if res.StatusCode < 400 || !strings.Contains(res.body, "<h1>") {
				t.Fatalf("want an error page, got %d\n%s", res.StatusCode, res.body)
			}
			if got := strings.Contains(res.body, `href="/"`); got != tt.wantHome {
				t.Fatalf("home link present: %v, want %v\n%s", got, tt.wantHome, res.body)
			}
		})
	}
}
