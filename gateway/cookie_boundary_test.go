package gateway

// Section G of docs/rp-security.md: the session cookie and the proxy boundary.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

func TestCase_gw_ses_01_RefusesCookieWithAnyByteChanged(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	good := h.sessionCookie(c).Value
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
	before := h.up.count()
	for i := range len(good) {
		flipped := []byte(good)
		flipped[i] = alphabet[(strings.IndexByte(alphabet, good[i])+1)%len(alphabet)]
		r := h.get(h.withSessionCookie(string(flipped)), "/app", "Accept: application/json")
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("cookie with byte %d changed: %d, want 401", i, r.StatusCode)
		}
	}
	if h.up.count() != before {
		t.Errorf("%d tampered cookies reached the upstream", h.up.count()-before)
	}
	if n := h.logs.FilterMessage("session cookie rejected").Len(); n == 0 || n > badCookieLogBurst {
		t.Errorf("%d log lines for %d tampered cookies, want between 1 and %d (sampled)", n, len(good), badCookieLogBurst)
	}
}

// A cookie the browser still sends after the session's lifetime is refused: the store drops
// the session at its expiry (and the sealed value carries its own expiry, tested in package
// session).
func TestCase_gw_ses_03_RefusesCookiePastSessionLifetime(t *testing.T) {
	t.Parallel()
	clock := testclock.Shifted()
	store := session.NewMemoryStore(session.MemoryOptions{Now: clock.Now})
	t.Cleanup(func() { _ = store.Close() })
	h := newOIDC(t, harnessOptions{store: store, clock: clock, configure: func(c *config.Config) {
		c.SessionLifetime = config.Duration(time.Hour)
	}})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	clock.Add(59 * time.Minute)
	if !h.hasSession(c) {
		t.Fatal("the session ended before its lifetime")
	}
	clock.Add(2 * time.Minute)
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("cookie past the session's lifetime: %d, want 401", r.StatusCode)
	}
}

func TestCase_gw_ses_04_CookiesAreHostOnlySecureHttpOnlyLax(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	login := h.get(noFollow(c), "/.auth/login?rd=%2Fapp")
	cb := h.signIn(c, login.Header.Get("Location"), 0)
	callback := h.get(noFollow(c), cb)
	check := func(what string, res *result, prefix string) {
		t.Helper()
		found := false
		for _, sc := range res.Header.Values("Set-Cookie") {
			if !strings.HasPrefix(sc, prefix) || strings.Contains(sc, "Max-Age=0") {
				continue
			}
			found = true
			for _, attr := range []string{"; Path=/", "; HttpOnly", "; Secure", "; SameSite=Lax"} {
				if !strings.Contains(sc, attr) {
					t.Errorf("%s cookie lacks %q: %s", what, attr, sc)
				}
			}
			if strings.Contains(strings.ToLower(sc), "domain=") {
				t.Errorf("%s cookie has a Domain: %s", what, sc)
			}
		}
		if !found {
			t.Errorf("no %s cookie named %s…: %v", what, prefix, res.Header.Values("Set-Cookie"))
		}
	}
	check("login state", login, "__Host-kakaogate-login-")
	check("session", callback, "__Host-kakaogate=")
}

func TestCase_gw_ses_05_LoginReplacesPlantedSession(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	attacker := h.browser()
	h.expectLogin(t, attacker, h.authorize(attacker, "/app", 0), "/app", "user-1")
	planted := h.sessionCookie(attacker).Value
	victim := h.withSessionCookie(planted)
	h.expectLogin(t, victim, h.authorize(victim, "/app", 0), "/app", "user-1")
	fresh := h.sessionCookie(victim).Value
	if fresh == planted || h.ticket(fresh).ID == h.ticket(planted).ID {
		t.Fatal("the login kept the planted session")
	}
	if _, err := h.loadSession(planted); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the planted session survived the login: %v", err)
	}
}

func TestCase_gw_ses_06_OldCookieFailsAfterLogout(t *testing.T) {
	t.Parallel()
	t.Run("local logout", func(t *testing.T) {
		t.Parallel()
		h := newOIDC(t, harnessOptions{})
		c := h.browser()
		h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
		old := h.sessionCookie(c).Value
		_, form := h.logoutForm(t, c)
		h.postLogout(c, form.Fields.Get("csrf"))
		if h.hasSession(h.withSessionCookie(old)) {
			t.Error("the cookie works after logout")
		}
	})
	t.Run("back-channel logout", func(t *testing.T) {
		t.Parallel()
		h, user1, _ := bclHarness(t, oidctest.Options{})
		old := h.sessionCookie(user1[0]).Value
		if r := h.backchannel(h.op.SignLogoutToken(h.op.LogoutTokenClaims(opSessionID))); r.StatusCode != http.StatusOK {
			t.Fatalf("back-channel logout: %d", r.StatusCode)
		}
		if h.hasSession(h.withSessionCookie(old)) {
			t.Error("the cookie works after back-channel logout")
		}
	})
}

func TestCase_gw_ses_07_StripsForgedIdentityHeaders(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{configure: func(c *config.Config) {
		c.Headers = []config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}, {Header: "X-Forwarded-Email", Claim: "email"}, {Header: "Remote-User", Claim: "id"}}
	}})
	h.gw.protects = func(r *http.Request) (bool, error) { return !strings.HasPrefix(r.URL.Path, "/public"), nil }
	forged := []string{"X-Auth-User-Id: admin", "X-Forwarded-Email: admin@example.com", "Remote-User: admin",
		"X-Auth-Role: admin", "x-auth-status: authenticated", "Accept: application/json"}
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	for _, tc := range []struct {
		name string
		c    *http.Client
		path string
	}{
		{"authenticated", c, "/app"}, {"public, with a session", c, "/public/x"}, {"public, without a session", h.browser(), "/public/y"},
	} {
		name := tc.name
		if r := h.get(tc.c, tc.path, forged...); r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", name, r.StatusCode)
		}
		up := h.up.last(t)
		for _, hd := range []string{"X-Auth-Role", "Remote-User", "X-Forwarded-Email", "X-Auth-User-Id", "X-Auth-Status"} {
			for _, v := range up.Header.Values(hd) {
				if strings.Contains(v, "admin") || (hd == "X-Auth-Status" && tc.path != "/app") {
					t.Errorf("%s: the forged %s: %s reached the upstream", name, hd, v)
				}
			}
		}
	}
	if got := h.up.last(t).Header.Get("X-Auth-User-Id"); got != "" { // the last request: public, no session
		t.Errorf("a public request without a session carries X-Auth-User-Id %q", got)
	}
}

func TestCase_gw_ses_08_StripsGatewayCookiesFromUpstream(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	h.gw.protects = func(r *http.Request) (bool, error) { return r.URL.Path != "/public", nil }
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	h.startLogin(c, "/elsewhere") // a pending login's cookie too
	for _, path := range []string{"/app", "/public"} {
		h.get(c, path, "Accept: application/json", "Cookie: app=kept; theme=dark")
		ck := h.up.last(t).Header.Get("Cookie")
		if strings.Contains(ck, "kakaogate") || !strings.Contains(ck, "app=kept") || !strings.Contains(ck, "theme=dark") {
			t.Errorf("%s: upstream Cookie %q, want the app's cookies without the gateway's", path, ck)
		}
	}
}

// The cookie is an opaque ticket whatever the session's size, so there are no chunks to lose:
// a truncated cookie is refused like any other bad one.
func TestCase_gw_ses_09_LargeSessionGetsSmallCookieAndTruncatedFails(t *testing.T) {
	t.Parallel()
	info := suiteUserInfo()
	for i := range 50 {
		info[fmt.Sprintf("claim_%02d", i)] = strings.Repeat("v", 900)
	}
	h := newOIDC(t, harnessOptions{op: oidctest.Options{UserInfo: info}})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	sess := h.storedSession(t, c)
	if n := len(sess.claims); n < 40 {
		t.Fatalf("the session holds %d claims: not a big session", n)
	}
	if len(sess.cookie) > 300 {
		t.Errorf("a %d-claim session made a %d-byte cookie", len(sess.claims), len(sess.cookie))
	}
	for _, cut := range []int{len(sess.cookie) / 2, len(sess.cookie) - 1} {
		if h.hasSession(h.withSessionCookie(sess.cookie[:cut])) {
			t.Errorf("a cookie truncated to %d bytes works", cut)
		}
	}
}
