package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
)

// forwardHeaders are what a trusted front proxy sends <prefix>/verify about a GET of uri.
func forwardHeaders(uri string) []string {
	return []string{"X-Forwarded-Method: GET", "X-Forwarded-Proto: https", "X-Forwarded-Host: app.example.com", "X-Forwarded-Uri: " + uri}
}

// trustEveryPeer makes the gateway believe forward-auth headers, as Caddy's trusted_proxies
// would for the front proxy.
func trustEveryPeer(h *harness) { h.gw.trustedProxy = func(*http.Request) bool { return true } }

// TestVerifyAnswersWithIdentityHeaders: with a session, verify answers 200 with every
// configured identity header, empty for a claim the person lacks (1002 has no email), and
// X-Auth-Status; without one, 401 and never a redirect, whatever the method.
func TestVerifyAnswersWithIdentityHeaders(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	anonymous := h.browser()
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		res := h.do(noFollow(anonymous), method, "/.auth/verify", nil)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Location") != "" {
			t.Fatalf("%s verify without a session: %d Location %q, want 401 without a redirect", method, res.StatusCode, res.Header.Get("Location"))
		}
	}
	tests := []struct {
		user  int64
		email bool
	}{{1001, true}, {1002, false}}
	for _, tt := range tests {
		c := h.browser()
		h.login(c, "/", tt.user)
		res := h.do(noFollow(c), http.MethodPost, "/.auth/verify", nil, "Accept: application/json", "X-Auth-Email: forged@example.com")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("verify as %d: %d %s", tt.user, res.StatusCode, res.body)
		}
		for _, m := range h.gw.headers.mappings {
			if _, ok := res.Header[m.Header]; !ok {
				t.Errorf("verify as %d: no %s header", tt.user, m.Header)
			}
		}
		if got := res.Header.Get("X-Auth-User-Id"); got != strconv.FormatInt(tt.user, 10) {
			t.Errorf("verify as %d: X-Auth-User-Id %q", tt.user, got)
		}
		if got := res.Header["X-Auth-Email"]; len(got) != 1 || (got[0] != "") != tt.email {
			t.Errorf("verify as %d: X-Auth-Email %q", tt.user, got)
		}
		if got := res.Header.Get(statusHeader); got != statusAuthenticated {
			t.Errorf("verify as %d: X-Auth-Status %q", tt.user, got)
		}
	}
}

// TestVerifyRefusals: access rules answer 403, missing consent 403 (or, asked for, the
// consent screen), an optional handler without a session 200 anonymous.
func TestVerifyRefusals(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*config.Config)
		login     bool
		query     string
		want      int
		location  string
		status    string
	}{
		{"access rule refuses", func(c *config.Config) {
			c.Allow = []config.AllowRule{{Claim: "email_domain", Values: []string{"other.example"}}}
		}, true, "", http.StatusForbidden, "", ""},
		{"consent missing", func(c *config.Config) { c.RequireScopes = []string{"phone_number"} }, true, "", http.StatusForbidden, "", ""},
		{"consent missing, redirect form", func(c *config.Config) { c.RequireScopes = []string{"phone_number"} }, true, "?redirect=1", http.StatusFound, "/.auth/consent?scope=phone_number&rd=%2Fdocs%3Fa%3D1", ""},
		{"optional without a session", func(c *config.Config) { c.Optional = true }, false, "", http.StatusOK, "", statusAnonymous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{configure: tt.configure})
			trustEveryPeer(h)
			c := h.browser()
			if tt.login {
				h.login(c, "/", 1001)
			}
			res := h.get(noFollow(c), "/.auth/verify"+tt.query, forwardHeaders("/docs?a=1")...)
			if res.StatusCode != tt.want || res.Header.Get("Location") != tt.location || res.Header.Get(statusHeader) != tt.status {
				t.Fatalf("verify: %d Location %q X-Auth-Status %q, want %d %q %q\n%s", res.StatusCode,
					res.Header.Get("Location"), res.Header.Get(statusHeader), tt.want, tt.location, tt.status, res.body)
			}
			if res.StatusCode != http.StatusOK && res.Header.Get("X-Auth-User-Id") != "" {
				t.Fatalf("a refusal carries an identity: %q", res.Header.Get("X-Auth-User-Id"))
			}
			if res.StatusCode == http.StatusForbidden && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && !strings.Contains(res.body, `"request_id":"`) {
				t.Fatalf("a 403 without its request_id: %s", res.body)
			}
			if h.up.count() != 0 {
				t.Fatal("verify reached the upstream")
			}
		})
	}
}

// TestVerifyBelievesForwardedHeadersOnlyFromTrustedProxies: from a trusted proxy, the
// redirect form returns to the original URL (a same-site path only) and the matchers decide
// on the original path; from any other peer the forwarded headers are ignored.
func TestVerifyBelievesForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	tests := []struct {
		name     string
		trusted  bool
		uri      string
		want     int
		location string
	}{
		{"trusted: return to the original URL", true, "/docs/a?b=1&c=2", http.StatusFound, "/.auth/login?rd=" + url.QueryEscape("/docs/a?b=1&c=2")},
		{"trusted: other origin refused", true, "//evil.example/x", http.StatusFound, "/.auth/login?rd=%2F"},
		{"trusted: backslash stays a path", true, `/\evil.example`, http.StatusFound, "/.auth/login?rd=%2F%255Cevil.example"},
		{"trusted: absolute original URL", true, "", http.StatusFound, "/.auth/login?rd=" + url.QueryEscape("/orig?x=1")},
		{"trusted: public path by the matchers", true, "/public", http.StatusOK, ""},
		{"trusted: garbage URI", true, "not a path", http.StatusBadRequest, ""},
		{"untrusted: headers ignored", false, "/docs/a", http.StatusFound, "/.auth/login?rd=%2F"},
		{"untrusted: matchers not consulted", false, "/public", http.StatusFound, "/.auth/login?rd=%2F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{public: []string{"/public"}})
			trusted := tt.trusted
			h.gw.trustedProxy = func(*http.Request) bool { return trusted }
			headers := forwardHeaders(tt.uri)
			if tt.uri == "" {
				headers = []string{"X-Original-URL: https://app.example.com/orig?x=1"}
			}
			res := h.get(noFollow(h.browser()), "/.auth/verify?redirect=1", headers...)
			if res.StatusCode != tt.want || res.Header.Get("Location") != tt.location {
				t.Fatalf("verify: %d Location %q, want %d %q\n%s", res.StatusCode, res.Header.Get("Location"), tt.want, tt.location, res.body)
			}
			if tt.want == http.StatusOK && res.Header.Get(statusHeader) != statusAnonymous {
				t.Fatalf("public path: X-Auth-Status %q, want anonymous", res.Header.Get(statusHeader))
			}
		})
	}
}

// TestVerifyRedirectFormOnlyForNavigations: an API call gets 401 even with ?redirect=1.
func TestVerifyRedirectFormOnlyForNavigations(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	trustEveryPeer(h)
	res := h.get(noFollow(h.browser()), "/.auth/verify?redirect=1", append(forwardHeaders("/api"), "Accept: application/json")...)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API call: %d, want 401", res.StatusCode)
	}
	post := h.do(noFollow(h.browser()), http.MethodGet, "/.auth/verify?redirect=1", nil, "X-Forwarded-Method: POST", "X-Forwarded-Uri: /form")
	if post.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forwarded POST: %d, want 401", post.StatusCode)
	}
}

// TestVerifyAfterLogout: the session ends with the logout and the redirect form's login
// shows the login page instead of sending the person to Kakao (signed-out marker).
func TestVerifyAfterLogout(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	trustEveryPeer(h)
	c := h.browser()
	h.login(c, "/", 1001)
	if res := h.get(noFollow(c), "/.auth/verify"); res.StatusCode != http.StatusOK {
		t.Fatalf("verify before logout: %d", res.StatusCode)
	}
	h.logOut(t, c)
	res := h.get(noFollow(c), "/.auth/verify?redirect=1", forwardHeaders("/docs")...)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("verify after logout: %d, want 302 to the login", res.StatusCode)
	}
	login := h.get(noFollow(c), res.Header.Get("Location"))
	if login.StatusCode != http.StatusUnauthorized || login.Header.Get("Location") != "" || !strings.Contains(login.body, "resume=") {
		t.Fatalf("login after logout: %d Location %q, want the login page", login.StatusCode, login.Header.Get("Location"))
	}
}

// TestVerifyFailsClosedWhenTheStoreIsDown: 503, never a 2xx, while Redis is unreachable.
func TestVerifyFailsClosedWhenTheStoreIsDown(t *testing.T) {
	store, srv, _ := newRedisStore(t)
	h := newHarness(t, harnessOptions{store: store})
	c := h.browser()
	h.login(c, "/", 1001)
	srv.Stop()
	res := h.get(noFollow(c), "/.auth/verify", "Accept: application/json")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("X-Auth-User-Id") != "" {
		t.Fatalf("verify with the store down: %d (X-Auth-User-Id %q), want 503", res.StatusCode, res.Header.Get("X-Auth-User-Id"))
	}
}

// TestCookieDomainSharesTheSessionCookie: with cookie_domain every gateway cookie carries
// Domain and the __Secure- prefix (never __Host-, which forbids a Domain) and stays Secure.
func TestCookieDomainSharesTheSessionCookie(t *testing.T) {
	n := newCookieNames(true, "example.com")
	c := n.newCookie(n.session, "v", time.Minute)
	if c.Name != "__Secure-kakaogate" || c.Domain != "example.com" || !c.Secure {
		t.Fatalf("cookie_domain cookie: name %q domain %q secure %v", c.Name, c.Domain, c.Secure)
	}
	for _, name := range []string{n.signedOut, n.loginPrefix + "x", n.autoLoginFailed, n.logoutState} {
		if strings.HasPrefix(name, "__Host-") || !strings.HasPrefix(name, "__Secure-kakaogate") {
			t.Errorf("cookie %q with cookie_domain", name)
		}
	}
	host := newCookieNames(true, "")
	if hc := host.newCookie(host.session, "v", time.Minute); hc.Name != "__Host-kakaogate" || hc.Domain != "" {
		t.Fatalf("default cookie: name %q domain %q", hc.Name, hc.Domain)
	}
}

// TestCookieDomainRefusesLoginsOutsideIt: a login started on a host the cookie_domain does
// not cover is refused with a page, since the browser would drop its cookie.
func TestCookieDomainRefusesLoginsOutsideIt(t *testing.T) {
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) { c.CookieDomain = "example.com" }})
	res := h.get(noFollow(h.browser()), "/.auth/login?rd=/")
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Location") != "" {
		t.Fatalf("login on localhost with cookie_domain example.com: %d Location %q, want 500", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestLoginReturnPathFromAnUnescapingProxy: nginx's `rd=$request_uri` keeps the whole
// original query; escaped rd values and the gateway's own parameters are read as before.
func TestLoginReturnPathFromAnUnescapingProxy(t *testing.T) {
	tests := map[string]string{
		"rd=/docs?a=1&b=2":                    "/docs?a=1&b=2",
		"rd=/docs":                            "/docs",
		"rd=%2Fdocs%3Fa%3D1%26b%3D2&resume=x": "/docs?a=1&b=2",
		"rd=/docs&provider=corp":              "/docs",
		"provider=corp&rd=/docs?a=1&b=2":      "/docs?a=1",
		"rd=//evil.example?x=1&y=2":           "//evil.example?x=1&y=2", // safeReturnPath refuses it next
		"":                                    "",
	}
	for raw, want := range tests {
		q, _ := url.ParseQuery(raw)
		if got := loginReturnPath(raw, q); got != want {
			t.Errorf("loginReturnPath(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := safeReturnPath(loginReturnPath("rd=//evil.example?x=1&y=2", nil)); got != "/" {
		t.Errorf("an other-origin rd became %q", got)
	}
}
