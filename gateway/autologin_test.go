package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// talkUA is a KakaoTalk in-app browser's User-Agent.
const talkUA = "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.4.5"

// TestStatelessErrorEndsSilentLoginLoggedOut: a prompt=none login that comes back with an
// error but without state (a provider may answer so) ends like any failed auto-login: back
// on the page, logged out, with the failure remembered; outside a silent login a callback
// without state stays refused.
func TestStatelessErrorEndsSilentLoginLoggedOut(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	start := h.get(noFollow(c), "/members", talkUA, "Accept: text/html")
	loc, err := url.Parse(start.Header.Get("Location"))
	if start.StatusCode != http.StatusFound || err != nil || loc.Query().Get("prompt") != "none" {
		t.Fatalf("in-app navigation: %d to %q, want a silent login (prompt=none)", start.StatusCode, start.Header.Get("Location"))
	}
	back := h.get(noFollow(c), "/.auth/callback?error=login_required", talkUA, "Accept: text/html")
	if back.StatusCode != http.StatusFound || back.Header.Get("Location") != "/members" {
		t.Fatalf("stateless error of the silent login: %d to %q, want a redirect back to /members\n%s",
			back.StatusCode, back.Header.Get("Location"), back.body)
	}
	page := h.get(noFollow(c), "/members", talkUA, "Accept: text/html")
	if page.StatusCode != http.StatusUnauthorized || !strings.Contains(page.body, "page-login") {
		t.Fatalf("after the failed silent login: %d, want the login page without another try\n%s", page.StatusCode, page.body)
	}
	if n := h.up.count(); n != 0 {
		t.Fatalf("%d requests reached the upstream without a session", n)
	}

	// An interactive login's stateless error is still an invalid state.
	d := h.browser()
	h.get(noFollow(d), "/.auth/login?rd=%2Fmembers")
	refused := h.get(noFollow(d), "/.auth/callback?error=access_denied", "Accept: text/html")
	if refused.StatusCode != http.StatusBadRequest || !strings.Contains(refused.body, "invalid_state") {
		t.Fatalf("stateless error outside a silent login: %d, want 400 invalid_state\n%s", refused.StatusCode, refused.body)
	}
}
