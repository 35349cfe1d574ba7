package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/session"
)

// TestKakaoLoginInjectsIdentityAndKeepsReturnPath walks a browser from a protected page
// through the emulator's login and consent pages back to that page, and checks what the
// upstream and the browser end up with, for users with and without a usable email.
func TestKakaoLoginInjectsIdentityAndKeepsReturnPath(t *testing.T) {
	tests := []struct {
		name      string
		user      int64
		nickname  string
		wantEmail string // "" means the header must be absent
	}{
		{"verified email is passed on", 1001, "Ryan", "ryan@example.com"},
		{"user without email still gets an identity", 1002, "Muzi", ""},
		{"unverified email is withheld", 1003, "Neo", ""},
		{"korean nickname passes unchanged", 1004, "어피치", "apeach@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var identities []map[string]string
			h := newHarness(t, harnessOptions{onIdentity: func(_ *http.Request, claims map[string]string) {
				mu.Lock()
				identities = append(identities, claims)
				mu.Unlock()
			}})
			c := h.browser()
			resp, err := kakaotest.Login(c, h.base+"/dashboard?tab=1", tt.user)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/dashboard?tab=1" {
				t.Fatalf("after login: %d at %s, want 200 at /dashboard?tab=1", resp.StatusCode, resp.Request.URL)
			}
			got := h.up.last(t)
			id := h.kakaoID(tt.user)
			if v := got.Header.Get("X-Auth-User-Id"); v != id {
				t.Errorf("X-Auth-User-Id = %q, want %s", v, id)
			}
			if v := got.Header.Get("X-Auth-Nickname"); v != tt.nickname {
				t.Errorf("X-Auth-Nickname = %q, want %q", v, tt.nickname)
			}
			if v, ok := got.Header["X-Auth-Email"]; tt.wantEmail == "" && ok || tt.wantEmail != "" && (len(v) != 1 || v[0] != tt.wantEmail) {
				t.Errorf("X-Auth-Email = %q, want %q", v, tt.wantEmail)
			}
			if strings.Contains(got.Header.Get("Cookie"), "kakaogate") {
				t.Errorf("gateway cookies reached the upstream: %q", got.Header.Get("Cookie"))
			}
			if names := h.cookieNames(c); !slices.Equal(names, []string{h.gw.cookies.session}) {
				t.Errorf("gateway cookies after login = %v, want only the session cookie (login cookie consumed)", names)
			}
			mu.Lock()
			if len(identities) != 1 || identities[0]["id"] != id {
				t.Errorf("OnIdentity saw %v, want one call with id %s", identities, id)
			}
			mu.Unlock()

			me := h.get(c, "/.auth/me", "Accept: application/json")
			var body struct{ Claims map[string]any }
			if err := json.Unmarshal([]byte(me.body), &body); me.StatusCode != http.StatusOK || err != nil {
				t.Fatalf("/me: %d %s", me.StatusCode, me.body)
			}
			if body.Claims["id"] != id || body.Claims["sub"] != id || body.Claims["nickname"] != tt.nickname {
				t.Errorf("/me claims = %v", body.Claims)
			}
			if _, ok := body.Claims["email"]; ok != (tt.wantEmail != "") {
				t.Errorf("/me email claim present = %v, want %v", ok, tt.wantEmail != "")
			}
		})
	}
}

// kakaoID is the user id the gateway sees for an emulator user.
func (h *harness) kakaoID(user int64) string { return strconv.FormatInt(user, 10) }

// TestSpoofedIdentityHeadersAreReplaced sends forged identity headers with a valid session
// and checks that only the gateway's values reach the upstream (gw-ses-07).
func TestSpoofedIdentityHeadersAreReplaced(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/", 1002)
	res := h.get(c, "/api/x", "Accept: application/json", "X-Auth-User-Id: 1", "X-Auth-Email: admin@example.com",
		"X-Auth-Role: admin", "Cookie: app=kept")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("protected API call with session: %d %s", res.StatusCode, res.body)
	}
	got := h.up.last(t)
	if v := got.Header.Values("X-Auth-User-Id"); len(v) != 1 || v[0] != "1002" {
		t.Errorf("X-Auth-User-Id = %q, want only 1002", v)
	}
	for _, name := range []string{"X-Auth-Email", "X-Auth-Role"} {
		if v, ok := got.Header[name]; ok {
			t.Errorf("forged %s = %q reached the upstream", name, v)
		}
	}
	if ck := got.Header.Get("Cookie"); strings.Contains(ck, "kakaogate") || !strings.Contains(ck, "app=kept") {
		t.Errorf("upstream Cookie = %q, want the app's cookie without the gateway's", ck)
	}
}

// TestProtectedRequestWithoutSession checks the challenge: navigations go to the provider
// with a fresh login cookie, anything else gets 401 JSON; the upstream sees neither.
func TestProtectedRequestWithoutSession(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		headers    []string
		wantStatus int
	}{
		{"navigation is sent to log in", http.MethodGet, []string{"Accept: text/html", "Sec-Fetch-Mode: navigate"}, http.StatusFound},
		{"html accept is a navigation", http.MethodGet, []string{"Accept: text/html,*/*"}, http.StatusFound},
		{"api call gets 401", http.MethodGet, []string{"Accept: application/json"}, http.StatusUnauthorized},
		{"fetch without accept gets 401", http.MethodGet, []string{"Accept: */*", "Sec-Fetch-Mode: cors"}, http.StatusUnauthorized},
		{"form post gets 401", http.MethodPost, []string{"Accept: text/html", "Content-Type: application/x-www-form-urlencoded"}, http.StatusUnauthorized},
		{"tampered cookie is a missing session", http.MethodGet, []string{"Accept: application/json", "Cookie: __Host-kakaogate=AAAA"}, http.StatusUnauthorized},
	}
	h := newHarness(t, harnessOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.browser()
			res := h.do(noFollow(c), tt.method, "/private?x=1", nil, tt.headers...)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
			}
			assertNoStore(t, tt.name, res.Response)
			switch tt.wantStatus {
			case http.StatusFound:
				loc, _ := url.Parse(res.Header.Get("Location"))
				if !strings.HasPrefix(loc.String(), h.kakao.URL()+"/oauth/authorize?") || loc.Query().Get("state") == "" ||
					loc.Query().Get("code_challenge_method") != "S256" {
					t.Errorf("Location = %q, want the provider's authorization endpoint with state and S256", loc)
				}
				if names := h.cookieNames(c); len(names) != 1 || !strings.HasPrefix(names[0], h.gw.cookies.loginPrefix) {
					t.Errorf("cookies after challenge = %v, want one login cookie", names)
				}
			case http.StatusUnauthorized:
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
					!strings.Contains(res.Header.Get("WWW-Authenticate"), "/.auth/login") {
					t.Errorf("401 without JSON or WWW-Authenticate: %v %s", res.Header, res.body)
				}
			}
		})
	}
	if n := h.up.count(); n != 0 {
		t.Errorf("%d requests without a session reached the upstream", n)
	}
}

// TestMeWithoutSessionIs401 checks /me for browsers and programs without a session.
func TestMeWithoutSessionIs401(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for _, accept := range []string{"application/json", "text/html"} {
		res := h.get(h.browser(), "/.auth/me", "Accept: "+accept)
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Accept %s: %d %s %s, want 401 JSON", accept, res.StatusCode, res.Header.Get("Content-Type"), res.body)
		}
		if !strings.Contains(res.body, `"unauthenticated"`) {
			t.Errorf("Accept %s: body %s", accept, res.body)
		}
	}
}

// TestEachLoginIssuesFreshSessionAndEndsPrevious plants another login's session cookie in a
// browser before its user logs in (gw-ses-05): the login gets a new session id and the planted
// session is ended; logging in again replaces the session once more.
func TestEachLoginIssuesFreshSessionAndEndsPrevious(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	attacker := h.browser()
	h.login(attacker, "/", 1004)
	planted := h.sessionCookie(attacker)
	if planted == nil {
		t.Fatal("attacker has no session")
	}

	victim := h.withSessionCookie(planted.Value)
	h.login(victim, "/", 1001)
	first := h.sessionCookie(victim)
	if first == nil || first.Value == planted.Value {
		t.Fatal("login kept the planted session cookie")
	}
	if h.ticket(first.Value).ID == h.ticket(planted.Value).ID {
		t.Fatal("login reused the planted session id")
	}
	if _, err := h.loadSession(planted.Value); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("planted session after the victim's login: %v, want ErrNotFound", err)
	}
	if res := h.get(attacker, "/.auth/me", "Accept: application/json"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("attacker's /me after the victim's login: %d, want 401", res.StatusCode)
	}
	if s, err := h.loadSession(first.Value); err != nil || s.UserID != "1001" {
		t.Fatalf("victim's session: %v %v", s, err)
	}

	h.login(victim, "/", 1001)
	second := h.sessionCookie(victim)
	if h.ticket(second.Value).ID == h.ticket(first.Value).ID {
		t.Error("second login reused the session id")
	}
	if _, err := h.loadSession(first.Value); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("first session after a second login: %v, want ErrNotFound", err)
	}
	if res := h.get(victim, "/.auth/me", "Accept: application/json"); res.StatusCode != http.StatusOK {
		t.Errorf("/me with the new session: %d", res.StatusCode)
	}
}
