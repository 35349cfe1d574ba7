package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// TestLoginThroughCaddyInjectsIdentityHeaders logs a test user in through the emulator's
// login and consent pages and checks what the upstream receives.
func TestLoginThroughCaddyInjectsIdentityHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	resp := e.login(c, "/dashboard?tab=1", 1001)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/dashboard" || resp.Request.URL.RawQuery != "tab=1" {
		t.Fatalf("after login: %d at %s, want 200 at /dashboard?tab=1\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	got := e.up.last(t)
	if got.Header.Get("X-Auth-User-Id") != "1001" {
		t.Errorf("X-Auth-User-Id = %q, want 1001", got.Header.Get("X-Auth-User-Id"))
	}
	if got.Header.Get("X-Auth-Nickname") == "" || !strings.Contains(got.Header.Get("X-Auth-Email"), "@") {
		t.Errorf("nickname/email headers missing: %v", got.Header)
	}
	if strings.Contains(got.Header.Get("Cookie"), "kakaogate") {
		t.Errorf("gateway cookies reached the upstream: %q", got.Header.Get("Cookie"))
	}

	// The session cookie is sealed, Secure, HttpOnly and SameSite=Lax, with the __Host- prefix.
	u, _ := url.Parse(e.base)
	var names []string
	for _, ck := range c.Jar.Cookies(u) {
		names = append(names, ck.Name)
	}
	if len(names) != 1 || names[0] != "__Host-kakaogate" {
		t.Errorf("cookies after login = %v, want only __Host-kakaogate (login cookie consumed)", names)
	}

	// /me shows the claims.
	_, me := get(t, c, e.base+"/.auth/me", "Accept: application/json")
	var claims struct{ Claims map[string]any }
	if err := json.Unmarshal([]byte(me), &claims); err != nil || claims.Claims["id"] != "1001" {
		t.Fatalf("/.auth/me = %s", me)
	}
}

// TestSessionCookieAttributes checks the Set-Cookie of a login on the wire (gw-ses-04).
func TestSessionCookieAttributes(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	var setCookies []string
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if resp := req.Response; resp != nil {
			setCookies = append(setCookies, resp.Header.Values("Set-Cookie")...)
		}
		return nil
	}
	resp := e.login(c, "/", 1002)
	resp.Body.Close()
	var session string
	for _, sc := range setCookies {
		if strings.HasPrefix(sc, "__Host-kakaogate=") {
			session = sc
		}
	}
	for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age=86400"} {
		if !strings.Contains(session, attr) {
			t.Errorf("session Set-Cookie %q lacks %s", session, attr)
		}
	}
	if strings.Contains(strings.ToLower(session), "domain=") {
		t.Errorf("session cookie must not set a Domain: %q", session)
	}
}

// TestUserWithoutEmailGetsIdentity: identity works with no email at all (user 1002), and an
// unverified email is never passed on (user 1003).
func TestUserWithoutEmailGetsIdentity(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, id := range []int64{1002, 1003} {
		c := e.browser()
		resp := e.login(c, "/", id)
		resp.Body.Close()
		got := e.up.last(t)
		if got.Header.Get("X-Auth-User-Id") == "" {
			t.Errorf("user %d: no X-Auth-User-Id", id)
		}
		if v, ok := got.Header["X-Auth-Email"]; ok {
			t.Errorf("user %d: X-Auth-Email = %v, want absent (no verified email)", id, v)
		}
	}
}

// TestSpoofedIdentityHeadersNeverReachUpstream sends forged identity headers with and
// without a session and on a route the gateway does not protect (gw-ses-07).
func TestSpoofedIdentityHeadersNeverReachUpstream(t *testing.T) {
	e := newEnv(t, envOptions{
		site:    "@private not path /public/*",
		matcher: "@private",
		extra:   "header X-Remote-User id",
	})
	forged := []string{"X-Auth-User-Id: 1", "X-Remote-User: admin", "X-Auth-Role: admin", "x-auth-email: boss@example.com"}

	anon := e.browser()
	resp, _ := get(t, anon, e.base+"/public/page", forged...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("public route: %d", resp.StatusCode)
	}
	assertNoForgedHeaders(t, e.up.last(t).Header, "public route, no session")

	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	resp, _ = get(t, c, e.base+"/private", forged...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("private route with session: %d", resp.StatusCode)
	}
	h := e.up.last(t).Header
	if h.Get("X-Remote-User") != "1001" || h.Get("X-Auth-User-Id") != "" {
		t.Fatalf("with session the configured header must carry the real id and nothing else: %v", h)
	}
	if h.Get("X-Auth-Role") != "" || h.Get("X-Auth-Email") != "" {
		t.Fatalf("forged X-Auth-* headers survived: %v", h)
	}
}

func assertNoForgedHeaders(t *testing.T, h http.Header, where string) {
	t.Helper()
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "x-auth-") || strings.EqualFold(name, "X-Remote-User") {
			t.Errorf("%s: forged header %s reached the upstream", where, name)
		}
	}
}

// TestAPIRequestWithoutSessionGets401 checks non-navigation requests are refused, not redirected.
func TestAPIRequestWithoutSessionGets401(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := &http.Client{}
	for _, tc := range []struct{ method, accept string }{
		{"GET", "application/json"}, {"POST", "text/html"}, {"DELETE", ""},
	} {
		req, _ := http.NewRequest(tc.method, e.base+"/api/items", strings.NewReader("x"))
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" ||
			!strings.Contains(string(body), `"error":"unauthenticated"`) {
			t.Errorf("%s %s: %d %q %s", tc.method, tc.accept, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	if n := e.up.count(); n != 0 {
		t.Fatalf("%d unauthenticated requests reached the upstream", n)
	}
}

// TestTamperedSessionCookieRejected flips one character of a valid session cookie (gw-ses-01).
func TestTamperedSessionCookieRejected(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	u, _ := url.Parse(e.base)
	var value string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "__Host-kakaogate" {
			value = ck.Value
		}
	}
	if value == "" {
		t.Fatal("no session cookie after login")
	}
	before := e.up.count()
	b := []byte(value)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	for _, v := range []string{string(b), value[:len(value)-4], "garbage", strings.Repeat("A", 5000)} {
		req, _ := http.NewRequest("GET", e.base+"/private", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", "__Host-kakaogate="+v)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("tampered cookie got %d, want 401", resp.StatusCode)
		}
	}
	if e.up.count() != before {
		t.Fatal("a request with a tampered cookie reached the upstream")
	}
	if strings.Contains(e.caddy.Logs(), value) {
		t.Fatal("the session cookie value appears in the logs")
	}
}

// TestSessionSurvivesGatewayRestartWithRedis restarts the Caddy process between requests.
func TestSessionSurvivesGatewayRestartWithRedis(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{session: "session redis redis://" + rs.Addr() + "/0"})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	e.caddy.Restart()
	c.CloseIdleConnections()
	resp, _ := get(t, noRedirects(c), e.base+"/after-restart")
	if resp.StatusCode != http.StatusOK || e.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("after restart: %d, upstream saw %v", resp.StatusCode, e.up.last(t).Header)
	}
}
