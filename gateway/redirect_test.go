package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// browserSameSite reports whether a browser following Location loc stays on this site: it
// drops tabs and newlines and reads backslashes as slashes (WHATWG URL), so what remains must
// be a path that does not start with two slashes.
func browserSameSite(loc string) bool {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	return strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//")
}

// TestLoginReturnPathStaysOnSite logs in with every return path of the open-redirect payload
// lists (gw-flow-13): each lands on "/" (or, for a harmless same-site path, on that path) and
// never off-site.
func TestLoginReturnPathStaysOnSite(t *testing.T) {
	tests := []struct {
		name string
		rd   string
		want string // "" accepts any same-site path
	}{
		{"scheme-relative", "//evil.com", "/"},
		{"scheme-relative with path", "//evil.com/a?b=c", "/"},
		{"backslash", `/\evil.com`, "/"},
		{"tab then slash", "/\t/evil.com", "/"},
		{"backslash t", `/\t/evil.com`, "/"},
		{"newline then slash", "/\n/evil.com", "/"},
		{"encoded tab stays a path", "/%09/evil.com", ""},
		{"encoded slash stays a path", "/%2F/evil.com", ""},
		{"absolute https", "https://evil.com", "/"},
		{"userinfo", "https://ok@evil.com", "/"},
		{"look-alike subdomain", "https://ok.evil.com", "/"},
		{"scheme-relative backslashes", `\\evil.com`, "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"data", "data:text/html,<script>alert(1)</script>", "/"},
		{"relative without slash", "evil.com", "/"},
		{"empty", "", "/"},
		{"too long", "/" + strings.Repeat("a", maxReturnPath), "/"},
		{"same-site path with query is kept", "/app/page?x=1&y=%2F", "/app/page?x=1&y=%2F"},
		{"korean path is kept, percent-encoded", "/게시판?q=1", "/%EA%B2%8C%EC%8B%9C%ED%8C%90?q=1"},
	}
	h := newHarness(t, harnessOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.browser() // a browser of its own: logins never used would count as a loop
			res := h.login(c, tt.rd, 1001)
			loc := res.Header.Get("Location")
			if !browserSameSite(loc) {
				t.Fatalf("rd %q: after login Location %q leaves the site", tt.rd, loc)
			}
			if tt.want != "" && loc != tt.want {
				t.Errorf("rd %q: after login Location %q, want %q", tt.rd, loc, tt.want)
			}
			if u, err := url.Parse(h.base); err == nil {
				if to, err := u.Parse(loc); err != nil || to.Host != u.Host {
					t.Errorf("rd %q: Location %q resolves to host %v", tt.rd, loc, to)
				}
			}
		})
	}
}

// TestChallengeReturnPathStaysOnSite opens protected pages whose own address would be an open
// redirect if used as is, and checks the login started for them returns on-site.
func TestChallengeReturnPathStaysOnSite(t *testing.T) {
	tests := []struct{ path, want string }{
		{"//evil.com/x", "/"},
		{"///evil.com", "/"},
		{"/%5Cevil.com", "/%5Cevil.com"},
		{"/app?next=//evil.com", "/app?next=//evil.com"},
	}
	h := newHarness(t, harnessOptions{})
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := h.browser()
			res := h.get(noFollow(c), tt.path)
			if res.StatusCode != http.StatusFound {
				t.Fatalf("navigation to %s: %d, want a login redirect", tt.path, res.StatusCode)
			}
			cb := h.signIn(c, res.Header.Get("Location"), 1001)
			loc := h.get(noFollow(c), cb).Header.Get("Location")
			if !browserSameSite(loc) || loc != tt.want {
				t.Errorf("after login Location %q, want %q", loc, tt.want)
			}
		})
	}
}

// TestResponsesWithCodesOrTokensAreNotStored checks every gateway response that carries a
// code, token, state or session (login redirect, challenge, callback, logout, /me) for
// Cache-Control: no-store and Referrer-Policy: no-referrer (gw-flow-14).
func TestResponsesWithCodesOrTokensAreNotStored(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	nf := noFollow(c)
	check := func(what string, res *result, wantStatus int) {
		t.Helper()
		if res.StatusCode != wantStatus {
			t.Errorf("%s: %d, want %d", what, res.StatusCode, wantStatus)
		}
		assertNoStore(t, what, res.Response)
	}
	check("login redirect", h.get(nf, "/.auth/login?rd=%2F"), http.StatusFound)
	check("challenge redirect", h.get(nf, "/app"), http.StatusFound)
	check("challenge 401", h.get(nf, "/app", "Accept: application/json"), http.StatusUnauthorized)
	check("callback error", h.get(nf, "/.auth/callback?state=x&code=y"), http.StatusBadRequest)
	cb := h.authorize(c, "/", 1001)
	res := h.get(nf, cb)
	check("callback", res, http.StatusFound)
	if strings.Contains(res.body, stateOf(cb)) {
		t.Error("callback answer renders the state")
	}
	check("me", h.get(nf, "/.auth/me", "Accept: application/json"), http.StatusOK)
	page, form := h.logoutForm(t, c)
	check("logout page", page, http.StatusOK)
	check("logout", h.postLogout(c, form.Fields.Get("csrf")), http.StatusFound)
}
