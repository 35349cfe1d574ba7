package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestTalkAutoLoginLinkedUserLandsLoggedIn: in KakaoTalk's in-app browser a linked member is
// logged in silently (prompt=none), with no login or consent page.
func TestTalkAutoLoginLinkedUserLandsLoggedIn(t *testing.T) {
	e := newEnv(t, envOptions{})
	if err := e.emulator.Link(1001); err != nil {
		t.Fatal(err)
	}
	c := e.talkBrowser()
	var authorize []*url.URL
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/oauth/authorize" {
			authorize = append(authorize, req.URL)
		}
		return nil
	}
	resp, body := get(t, c, e.base+"/news/1")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/news/1" {
		t.Fatalf("auto-login landed on %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	if got := e.up.last(t).Header.Get("X-Auth-User-Id"); got != "1001" {
		t.Fatalf("upstream identity = %q, want 1001", got)
	}
	if len(authorize) != 1 || authorize[0].Query().Get("prompt") != "none" {
		t.Fatalf("authorize requests = %v, want exactly one with prompt=none", authorize)
	}
}

// TestTalkAutoLoginUnlinkedUserSeesPageLoggedOut: a person who never linked the app gets
// consent_required; a required route then shows the gateway's login page (Kakao button to the
// interactive login), once, with no redirect loop.
func TestTalkAutoLoginUnlinkedUserSeesPageLoggedOut(t *testing.T) {
	e := newEnv(t, envOptions{})
	if err := e.emulator.SetTalkUser(1002); err != nil {
		t.Fatal(err)
	}
	c := e.talkBrowser()
	resp, body := get(t, c, e.base+"/members", "Accept-Language: ko-KR,ko;q=0.9")
	if resp.StatusCode != http.StatusUnauthorized || resp.Request.URL.Path != "/members" {
		t.Fatalf("after a failed auto-login: %d at %s, want the login page (401) at /members", resp.StatusCode, resp.Request.URL)
	}
	if !strings.Contains(body, "카카오 로그인") || !strings.Contains(body, `href="/.auth/login?rd=%2Fmembers"`) {
		t.Fatalf("login page lacks the Kakao button to the interactive login:\n%s", body)
	}
	if n := e.emulator.Calls("/oauth/authorize"); n != 1 {
		t.Fatalf("authorize calls = %d, want 1", n)
	}
	// The failure is remembered: the next navigation shows the page without another try.
	get(t, c, e.base+"/members")
	if n := e.emulator.Calls("/oauth/authorize"); n != 1 {
		t.Fatalf("a second navigation retried the silent login (authorize calls = %d)", n)
	}
	if e.up.count() != 0 {
		t.Fatal("a required route reached the upstream without a session")
	}

	// The button's interactive login (never prompt=none) shows consent and logs in.
	var prompts []string
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/oauth/authorize" {
			prompts = append(prompts, req.URL.Query().Get("prompt"))
		}
		return nil
	}
	resp, err := kakaotest.Login(c, e.base+"/.auth/login?rd=%2Fmembers", 1002)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || e.up.last(t).Header.Get("X-Auth-User-Id") != "1002" {
		t.Fatalf("interactive login from the login page: %d", resp.StatusCode)
	}
	if len(prompts) == 0 || prompts[0] != "" {
		t.Fatalf("interactive login prompts = %q, want no prompt", prompts)
	}
}

// TestOptionalRoutePassesAnonymouslyAfterOneAutoLoginTry: on an optional route the in-app
// browser tries the silent login once, then the page is served logged out.
func TestOptionalRoutePassesAnonymouslyAfterOneAutoLoginTry(t *testing.T) {
	e := newEnv(t, envOptions{extra: "optional"})
	if err := e.emulator.SetTalkUser(1002); err != nil {
		t.Fatal(err)
	}
	c := e.talkBrowser()
	resp, _ := get(t, c, e.base+"/article", "X-Auth-User-Id: 1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("optional route: %d", resp.StatusCode)
	}
	h := e.up.last(t).Header
	if h.Get("X-Auth-Status") != "anonymous" || h.Get("X-Auth-User-Id") != "" {
		t.Fatalf("optional route without a session: upstream saw %v", h)
	}
	if n := e.emulator.Calls("/oauth/authorize"); n != 1 {
		t.Fatalf("authorize calls = %d, want exactly one silent try", n)
	}
	// An ordinary browser is never sent to log in on an optional route.
	get(t, e.browser(), e.base+"/article")
	if n := e.emulator.Calls("/oauth/authorize"); n != 1 {
		t.Fatalf("a non-KakaoTalk browser was sent to authorize on an optional route")
	}
	// With a session: identity and X-Auth-Status: authenticated.
	b := e.browser()
	e.login(b, "/.auth/login", 1001).Body.Close()
	get(t, b, e.base+"/article")
	h = e.up.last(t).Header
	if h.Get("X-Auth-Status") != "authenticated" || h.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("optional route with a session: upstream saw %v", h)
	}
}

// TestAutoLoginOffNeverUsesPromptNone: with auto_login off the in-app browser logs in
// interactively like any other.
func TestAutoLoginOffNeverUsesPromptNone(t *testing.T) {
	e := newEnv(t, envOptions{extra: "auto_login off"})
	c := noRedirects(e.talkBrowser())
	resp, _ := get(t, c, e.base+"/")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Path != "/oauth/authorize" || loc.Query().Has("prompt") {
		t.Fatalf("auto_login off: %d %s", resp.StatusCode, loc)
	}
}

// TestTalkAutoLoginErrorWithoutStateEndsLoggedOut: when the silent login's error comes back
// without state, the in-app browser still lands on the page logged out (the login page, once,
// no loop), not on an invalid_state error; an interactive login's stateless error stays refused.
func TestTalkAutoLoginErrorWithoutStateEndsLoggedOut(t *testing.T) {
	e := newEnv(t, envOptions{emulator: func(o *kakaotest.Options) { o.ErrorsWithoutState = true }})
	if err := e.emulator.SetTalkUser(1002); err != nil { // never linked: consent_required
		t.Fatal(err)
	}
	c := e.talkBrowser()
	resp, body := get(t, c, e.base+"/members")
	if resp.StatusCode != http.StatusUnauthorized || resp.Request.URL.Path != "/members" || strings.Contains(body, "invalid_state") {
		t.Fatalf("stateless error of the silent login: %d at %s, want the login page at /members\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	get(t, c, e.base+"/members")
	if n := e.emulator.Calls("/oauth/authorize"); n != 1 {
		t.Fatalf("authorize calls = %d, want 1 (no retry, no loop)", n)
	}

	desktop := e.browser()
	get(t, noRedirects(desktop), e.base+"/.auth/login?rd=%2Fmembers")
	refused, body := get(t, desktop, e.base+"/.auth/callback?error=access_denied")
	if refused.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_state") {
		t.Fatalf("interactive login's stateless error: %d, want 400 invalid_state\n%s", refused.StatusCode, body)
	}
	if e.up.count() != 0 {
		t.Fatal("a request reached the upstream without a session")
	}
}
