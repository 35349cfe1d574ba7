package browser

import (
	"testing"
)

// TestServiceLogout: from the app's logout link a Korean visitor confirms on the gateway's
// page and lands on the public home page, signed out; the gateway then has no session.
func TestServiceLogout(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "service-logout", tabOptions{lang: langKO})
	b.logIn("1001")
	resp := b.click("#logout")
	b.expect(resp, 200, "/.auth/logout", gatewayConfirm)
	if b.lang() != "ko" || b.text("h1") != "로그아웃할까요?" {
		b.fail("logout confirmation: lang %q, title %q", b.lang(), b.text("h1"))
	}
	b.screenshot("confirm")
	resp = b.click(gatewayConfirm)
	b.expect(resp, 200, "/", "#home")
	if n := e.emulator.Calls("/v1/user/logout"); n != 1 {
		b.fail("Kakao's logout API was called %d times, want 1", n)
	}
	resp = b.open("/.auth/me")
	if resp.Status != 401 {
		b.fail("/.auth/me after logout: %d, want 401", resp.Status)
	}
	resp = b.open("/.auth/logout")
	b.expect(resp, 200, "/.auth/logout", ".page-signedout")
	if got := b.text("h1"); got != "로그아웃되었습니다" {
		b.fail("signed-out page title %q", got)
	}
	b.screenshot("signed-out")
}

// TestAccountLogoutThroughBridgePage: with logout account, the gateway logs the person out
// and sends them to Kakao's bridge page; whichever they choose they come back signed out, and
// only "log out of Kakao Account too" ends their Kakao session.
func TestAccountLogoutThroughBridgePage(t *testing.T) {
	for _, tc := range []struct {
		name, choice string
		kakaoStays   bool
	}{
		{"service-only", "false", true},
		{"with-kakao-account", "true", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{extra: "logout account"})
			b := openTab(t, e, "account-logout-"+tc.name, tabOptions{})
			b.logIn("1001")
			resp := b.click("#logout")
			b.expect(resp, 200, "/.auth/logout", gatewayConfirm)
			b.screenshot("confirm")
			resp = b.click(gatewayConfirm)
			choice := `button[name="logout_with_kakao"][value="` + tc.choice + `"]`
			b.expect(resp, 200, "/oauth/logout", choice)
			b.screenshot("kakao-bridge")
			resp = b.click(choice)
			b.expect(resp, 200, "/", "#home")
			if resp := b.open("/.auth/me"); resp.Status != 401 {
				b.fail("/.auth/me after logout: %d, want 401", resp.Status)
			}
			// Signed out: the members page shows the login button, whose press shows Kakao's
			// login page only if the Kakao session ended.
			resp = b.open("/.auth/login?rd=%2Fmembers")
			b.expect(resp, 401, "/.auth/login", kakaoLoginButton)
			resp = b.click(kakaoLoginButton)
			if tc.kakaoStays {
				b.expect(resp, 200, "/members", "#member")
			} else {
				b.expect(resp, 200, "/oauth/authorize", kakaoUser1001)
			}
			b.screenshot("login-again")
		})
	}
}

// TestLogoutStaysLoggedOut: the journey of a person who logs out while their Kakao Account
// session lives on. Back, reload and opening the members page again show the login page,
// never the private page and never a silent login; pressing its button logs them in again.
func TestLogoutStaysLoggedOut(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "logout-stays", tabOptions{lang: langKO})
	b.logIn("1001")
	b.expect(b.open("/members/private"), 200, "/members/private", "#member")
	resp := b.click("#logout")
	b.expect(resp, 200, "/.auth/logout", gatewayConfirm)
	b.expect(b.click(gatewayConfirm), 200, "/", "#home")

	authorizations := e.emulator.Calls("/oauth/authorize")
	b.back() // the confirmation page, now without a session
	resp = b.back()
	if b.has("#member") || resp == nil || resp.Status != 401 {
		b.fail("back to the private page after logout: its content is shown (response %v)", resp)
	}
	b.expect(resp, 401, "/members/private", kakaoLoginButton)
	b.screenshot("back")
	b.expect(b.reload(), 401, "/members/private", kakaoLoginButton)
	b.expect(b.open("/members"), 401, "/members", kakaoLoginButton)
	if got := b.text("h1"); got == "" {
		b.fail("the login page has no title")
	}
	b.screenshot("login-page")
	if n := e.emulator.Calls("/oauth/authorize") - authorizations; n != 0 {
		b.fail("the browser was sent to Kakao %d times before pressing the button", n)
	}
	resp = b.click(kakaoLoginButton) // Kakao's session is alive: straight back in
	b.expect(resp, 200, "/members", "#member")
	b.screenshot("logged-in-again")
}
