package browser

import (
	"slices"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// Selectors of the emulator's pages (its documented contract) and of the gateway's.
const (
	kakaoUser1001  = `button[name="user"][value="1001"]`
	kakaoAgree     = `button[name="consent"][value="agree"]`
	gatewayConfirm = `button[name="confirm"][value="yes"]`
	// kakaoLoginButton is the gateway's "Login with Kakao" button.
	kakaoLoginButton = `a.kakao-login`
	gatewayKakaoBtn  = `a.kakao-login`
)

// TestFirstLoginWithConsent: a visitor opens the members area, logs in on Kakao's page,
// agrees to share the app's consent items and lands on the page they asked for, signed in.
func TestFirstLoginWithConsent(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "first-login", tabOptions{})
	resp := b.open("/members")
	b.expect(resp, 200, "/oauth/authorize", kakaoUser1001)
	resp = b.click(kakaoUser1001)
	b.expect(resp, 200, "/oauth/authorize/consent", kakaoAgree)
	if got := b.text("#app-name"); got != kakaotest.DefaultAppName {
		b.fail("Kakao's consent screen names the app %q, want %q (the app name, not its key)", got, kakaotest.DefaultAppName)
	}
	b.screenshot("kakao-consent")
	resp = b.click(kakaoAgree)
	b.expect(resp, 200, "/members", "#member")
	if got := b.text("#user-id"); got != "1001" {
		b.fail("the app sees user %q, want 1001", got)
	}
	b.screenshot("signed-in")
	if !e.emulator.Linked(1001) {
		t.Fatal("agreeing did not link the user at Kakao")
	}
}

// TestReturnVisitSkipsConsent: someone who agreed once comes back in a fresh browser (no
// gateway session, no Kakao session): Kakao asks them to log in, but not to agree again.
func TestReturnVisitSkipsConsent(t *testing.T) {
	e := newEnv(t, envOptions{})
	openTab(t, e, "return-visit-first", tabOptions{}).logIn("1001")

	b := openTab(t, e, "return-visit", tabOptions{lang: langKO})
	mark := b.mark()
	resp := b.open("/members")
	b.expect(resp, 200, "/oauth/authorize", kakaoUser1001)
	resp = b.click(kakaoUser1001)
	b.expect(resp, 200, "/members", "#member")
	if got := b.text("#user-id"); got != "1001" {
		b.fail("the app sees user %q, want 1001", got)
	}
	if paths := b.pathsSince(mark); slices.Contains(paths, "/oauth/authorize/consent") {
		b.fail("the return visit went through the consent page: %q", paths)
	}
	b.screenshot("signed-in")
}

// TestStaleSignInLinkShowsErrorPage: going back to a sign-in response that was already used
// shows an error page that says what happened and offers to log in again, in Korean for a
// Korean browser.
func TestStaleSignInLinkShowsErrorPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "stale-link", tabOptions{lang: langKO})
	mark := b.mark()
	b.logIn("1001")
	var callback string
	for _, u := range b.visited(mark) {
		if u.Path == "/.auth/callback" {
			callback = u.String()
		}
	}
	if callback == "" {
		b.fail("the login never passed the callback: %q", b.pathsSince(mark))
	}
	resp := b.open(callback)
	b.expect(resp, 400, "/.auth/callback", "a.button.primary")
	if b.lang() != "ko" || b.text("h1") != "로그인 링크가 더 이상 유효하지 않습니다" {
		b.fail("the error page is not the Korean invalid-state page: lang %q, title %q", b.lang(), b.text("h1"))
	}
	if !strings.Contains(b.text(".meta"), "invalid_state") {
		b.fail("the error page shows no request id and code: %q", b.text(".meta"))
	}
	b.screenshot("error")
	resp = b.click("a.button.primary") // 다시 로그인: Kakao's session is still there
	b.expect(resp, 200, "/", "#home")
}

// TestAccessDeniedPage: a signed-in person whom the access rules refuse gets the denied page,
// with a way to log out, never a login loop.
func TestAccessDeniedPage(t *testing.T) {
	e := newEnv(t, envOptions{extra: "allow email_domain example.org"})
	b := openTab(t, e, "denied", tabOptions{})
	b.open("/members")
	b.click(kakaoUser1001)
	resp := b.click(kakaoAgree)
	b.expect(resp, 403, "/members", "a.button.primary")
	if got := b.text("h1"); got != "You don't have access to this area" {
		b.fail("denied page title %q", got)
	}
	b.screenshot("page")
	resp = b.click("a.button.primary") // Log out
	b.expect(resp, 200, "/.auth/logout", gatewayConfirm)
}
