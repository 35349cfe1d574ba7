package browser

import (
	"testing"
)

// Selectors of the emulator's pages (its documented contract) and of the gateway's.
const (
	kakaoUser1001   = `button[name="user"][value="1001"]`
	kakaoAgree      = `button[name="consent"][value="agree"]`
	gatewayConfirm  = `button[name="confirm"][value="yes"]`
	gatewayKakaoBtn = `a.kakao-login`
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
