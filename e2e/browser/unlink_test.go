package browser

import (
	"testing"
)

// TestUnlink: a member disconnects their Kakao account from the site on the gateway's
// confirmation page; Kakao unlinks them, the session ends, and the next login asks for
// consent again.
func TestUnlink(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "unlink", tabOptions{lang: langKO})
	b.logIn("1001")
	resp := b.click("#unlink")
	b.expect(resp, 200, "/.auth/unlink", gatewayConfirm)
	if got := b.text("h1"); got != "카카오계정 연결을 끊을까요?" {
		b.fail("unlink confirmation title %q", got)
	}
	b.screenshot("confirm")
	resp = b.click(gatewayConfirm)
	b.expect(resp, 200, "/", "#home")
	if e.emulator.Linked(1001) {
		b.fail("the user is still linked at Kakao")
	}
	if resp := b.open("/.auth/me"); resp.Status != 401 {
		b.fail("/.auth/me after unlink: %d, want 401", resp.Status)
	}
	resp = b.open("/.auth/unlink") // no session: the page says so, under the site's name
	b.expect(resp, 200, "/.auth/unlink", "h1")
	if got, brand := b.text("h1"), b.text(".brand"); got != "로그인되어 있지 않습니다" || brand != "localhost" {
		b.fail("unlink without a session: title %q under %q, want 로그인되어 있지 않습니다 under localhost", got, brand)
	}
	b.screenshot("unlink-signed-out")
	resp = b.open("/members") // signed out: the login button, not a login
	b.expect(resp, 401, "/members", kakaoLoginButton)
	resp = b.click(kakaoLoginButton) // Kakao's session remains; the app must be agreed to again
	b.expect(resp, 200, "/oauth/authorize/consent", kakaoAgree)
	b.screenshot("consent-again")
}
