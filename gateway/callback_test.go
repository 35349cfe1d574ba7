package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBadCallbackIsRefused sends the callback everything a browser, an attacker or a
// confused provider may send, and checks each is refused the same careful way: the right 4xx,
// an HTML page for browsers and JSON with a request id for programs, no session, nothing
// upstream, no (further) token call, and a log line with the request id shown.
func TestBadCallbackIsRefused(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares c and returns the callback URL to open (absolute or a path).
		setup      func(h *harness, c *http.Client) string
		wantStatus int
		wantCode   string
		wantTokens int    // token calls caused by this callback
		wantLog    string // part of the logged error, proving which check refused it
	}{
		{
			name: "missing state",
			setup: func(h *harness, c *http.Client) string {
				h.startLogin(c, "/")
				return "/.auth/callback?code=abc"
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state", wantLog: "no login in progress",
		},
		{
			name: "unknown state: callback opened in another browser (gw-flow-04)",
			setup: func(h *harness, _ *http.Client) string {
				return h.authorize(h.browser(), "/", 1001)
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state", wantLog: "no login in progress",
		},
		{
			name: "login cookie of another state copied under this state's name (gw-flow-06)",
			setup: func(h *harness, c *http.Client) string {
				first := h.authorize(c, "/", 1001)
				second := h.authorize(c, "/", 1001)
				copyLoginCookie(h, c, stateOf(first), stateOf(second))
				return second
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state", wantLog: "opening login state",
		},
		{
			name: "expired login state (gw-flow-06)",
			setup: func(h *harness, c *http.Client) string {
				cb := h.authorize(c, "/", 1001)
				h.clock.Add(loginStateTTL + time.Minute)
				return cb
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state", wantLog: "login state is",
		},
		{
			name: "state that this gateway cannot have issued",
			setup: func(h *harness, c *http.Client) string {
				h.startLogin(c, "/")
				return "/.auth/callback?state=..%2F..%2Fetc%2Fpasswd&code=abc"
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state",
		},
		{
			name: "replayed callback URL (gw-flow-05)",
			setup: func(h *harness, c *http.Client) string {
				cb := h.authorize(c, "/", 1001)
				if res := h.get(noFollow(c), cb); res.StatusCode != http.StatusFound {
					t.Fatalf("first callback: %d", res.StatusCode)
				}
				return cb
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state", wantLog: "no login in progress",
		},
		{
			name: "replayed callback URL with its old login cookie: the code works once",
			setup: func(h *harness, c *http.Client) string {
				cb := h.authorize(c, "/", 1001)
				saved := loginCookie(h, c, stateOf(cb))
				if res := h.get(noFollow(c), cb); res.StatusCode != http.StatusFound {
					t.Fatalf("first callback: %d", res.StatusCode)
				}
				u, _ := url.Parse(h.base)
				c.Jar.SetCookies(u, []*http.Cookie{saved})
				return cb
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_grant", wantTokens: 1, wantLog: "invalid_grant",
		},
		{
			name: "access_denied with a valid state; its description is never rendered",
			setup: func(h *harness, c *http.Client) string {
				state, _ := h.startLogin(c, "/")
				return "/.auth/callback?" + url.Values{"state": {state}, "error": {"access_denied"},
					"error_description": {`<script>alert("pwned")</script>`}}.Encode()
			},
			wantStatus: http.StatusForbidden, wantCode: "access_denied", wantLog: "access_denied",
		},
		{
			name: "consent_required",
			setup: func(h *harness, c *http.Client) string {
				state, _ := h.startLogin(c, "/")
				return "/.auth/callback?" + url.Values{"state": {state}, "error": {"consent_required"}}.Encode()
			},
			wantStatus: http.StatusUnauthorized, wantCode: "consent_required",
		},
		{
			name: "invalid_scope",
			setup: func(h *harness, c *http.Client) string {
				state, _ := h.startLogin(c, "/")
				return "/.auth/callback?" + url.Values{"state": {state}, "error": {"invalid_scope"}}.Encode()
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_scope",
		},
		{
			name: "provider error with a state of nobody (gw-flow-09)",
			setup: func(h *harness, c *http.Client) string {
				h.startLogin(c, "/")
				return "/.auth/callback?state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&error=access_denied"
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_state",
		},
		{
			name: "oversized query",
			setup: func(h *harness, c *http.Client) string {
				return h.authorize(c, "/", 1001) + "&pad=" + strings.Repeat("a", maxCallbackQuery)
			},
			wantStatus: http.StatusBadRequest, wantCode: "callback_too_large",
		},
		{
			name: "malformed query",
			setup: func(h *harness, c *http.Client) string {
				return h.authorize(c, "/", 1001) + "&x=%zz"
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_callback",
		},
		{
			name: "iss parameter naming another issuer (gw-flow-10)",
			setup: func(h *harness, c *http.Client) string {
				return h.authorize(c, "/", 1001) + "&iss=" + url.QueryEscape("https://kauth.kakao.com")
			},
			wantStatus: http.StatusBadRequest, wantCode: "issuer_mismatch",
		},
		{
			name: "valid state without a code",
			setup: func(h *harness, c *http.Client) string {
				state, _ := h.startLogin(c, "/")
				return "/.auth/callback?state=" + state
			},
			wantStatus: http.StatusBadRequest, wantCode: "missing_code",
		},
		{
			name: "code the provider never issued (gw-flow-08)",
			setup: func(h *harness, c *http.Client) string {
				state, _ := h.startLogin(c, "/")
				return "/.auth/callback?" + url.Values{"state": {state}, "code": {"injected-code"}}.Encode()
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_grant", wantTokens: 1, wantLog: "invalid_grant",
		},
	}
	for _, tt := range tests {
		for _, html := range []bool{true, false} {
			name := tt.name + "/json"
			if html {
				name = tt.name + "/html"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, harnessOptions{})
				c := h.browser()
				target := tt.setup(h, c)
				tokensBefore := h.kakao.Calls("/oauth/token")
				accept := "Accept: application/json"
				if html {
					accept = "Accept: text/html,application/xhtml+xml"
				}
				res := h.get(noFollow(c), target, accept)
				if res.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
				}
				id := h.problemID(t, res, html)
				if !html && !strings.Contains(res.body, `"error":"`+tt.wantCode+`"`) {
					t.Errorf("JSON %s, want error %q", res.body, tt.wantCode)
				}
				assertNoStore(t, "callback", res.Response)
				if h.setsSession(res) {
					t.Error("a refused callback set a session cookie")
				}
				if n := h.up.count(); n != 0 {
					t.Errorf("%d requests reached the upstream", n)
				}
				if n := h.kakao.Calls("/oauth/token") - tokensBefore; n != tt.wantTokens {
					t.Errorf("token calls = %d, want %d", n, tt.wantTokens)
				}
				h.assertLogged(t, id)
				if tt.wantLog != "" && !loggedError(h, id, tt.wantLog) {
					t.Errorf("no log line of request %s has an error containing %q: %v", id, tt.wantLog, h.loggedWith(id))
				}
				for _, e := range h.loggedWith(id) {
					if r := e.ContextMap()["reason"]; r != nil && r != tt.wantCode {
						t.Errorf("logged reason %v, want %s", r, tt.wantCode)
					}
				}
				for _, leak := range []string{"<script", "pwned"} {
					if strings.Contains(res.body, leak) {
						t.Errorf("answer renders attacker text %q:\n%s", leak, res.body)
					}
				}
				if u, err := url.Parse(target); err == nil {
					if code := u.Query().Get("code"); len(code) > 8 && strings.Contains(res.body, code) {
						t.Error("the authorization code is rendered into the answer")
					}
				}
			})
		}
	}
}

// loggedError reports whether a log line of request id has an error containing part.
func loggedError(h *harness, id, part string) bool {
	for _, e := range h.loggedWith(id) {
		if msg, ok := e.ContextMap()["error"].(string); ok && strings.Contains(msg, part) {
			return true
		}
	}
	return false
}

// stateOf returns the state parameter of a callback URL.
func stateOf(callbackURL string) string {
	u, _ := url.Parse(callbackURL)
	return u.Query().Get("state")
}

// loginCookie returns the login cookie c holds for state.
func loginCookie(h *harness, c *http.Client, state string) *http.Cookie {
	h.t.Helper()
	u, _ := url.Parse(h.base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == h.gw.cookies.loginPrefix+state {
			return &http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/"}
		}
	}
	h.t.Fatalf("no login cookie for state %s", state)
	return nil
}

// copyLoginCookie puts the value of from's login cookie under to's name.
func copyLoginCookie(h *harness, c *http.Client, from, to string) {
	h.t.Helper()
	v := loginCookie(h, c, from).Value
	u, _ := url.Parse(h.base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: h.gw.cookies.loginPrefix + to, Value: v, Path: "/"}})
}

// TestTwoTabsLogInConcurrently starts two logins in one browser and completes them in the
// opposite order (gw-flow-15): both succeed, each returning to its own page.
func TestTwoTabsLogInConcurrently(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	first := h.authorize(c, "/one", 1001)
	second := h.authorize(c, "/two", 1001)
	for _, tc := range []struct{ cb, want string }{{second, "/two"}, {first, "/one"}} {
		res := h.get(noFollow(c), tc.cb)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != tc.want || !h.setsSession(res) {
			t.Errorf("callback: %d to %q (session %v), want 302 to %s with a session", res.StatusCode,
				res.Header.Get("Location"), h.setsSession(res), tc.want)
		}
	}
}

// TestAbandonedLoginsAreCapped starts more logins than the cap and checks the browser never
// holds more than maxLoginCookies login cookies, the newest surviving (gw-flow-15).
func TestAbandonedLoginsAreCapped(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	var states []string
	for range maxLoginCookies + 3 {
		s, _ := h.startLogin(c, "/")
		states = append(states, s)
		h.clock.Add(time.Second) // distinct creation times
		if n := len(h.cookieNames(c)); n > maxLoginCookies {
			t.Fatalf("browser holds %d login cookies, cap is %d", n, maxLoginCookies)
		}
	}
	loginCookie(h, c, states[len(states)-1]) // the newest login is still possible
}
