package browser

import (
	"fmt"
	"testing"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestSeveralProvidersLoginPage: with Kakao and one more OpenID Connect provider configured, a
// Korean visitor of the members area gets one login page with both buttons (Kakao's first,
// after its design guide), logs in with the other provider and lands signed in under that
// provider's user id; another visitor logs in with Kakao from the same page.
func TestSeveralProvidersLoginPage(t *testing.T) {
	op := oidctest.NewServer(t, oidctest.Options{Subject: "staff-7"})
	e := newEnv(t, envOptions{extra: fmt.Sprintf(`provider staff {
			issuer %s
			client_id %s
			client_secret %s
			label "Staff SSO"
		}`, op.Issuer, op.ClientID, op.ClientSecret)})

	b := openTab(t, e, "several-providers", tabOptions{lang: langKO})
	resp := b.open("/members")
	b.expect(resp, 401, "/members", gatewayKakaoBtn)
	if got := b.text(gatewayKakaoBtn); got != "카카오 로그인" {
		b.fail("the Kakao button reads %q", got)
	}
	if got := b.text(`a.button.primary`); got != "Staff SSO" {
		b.fail("the other provider's button reads %q", got)
	}
	b.screenshot("login-page")
	resp = b.click(`a.button.primary`)
	b.expect(resp, 200, "/members", "#member")
	if got := b.text("#user-id"); got != "staff:staff-7" {
		b.fail("the app sees user %q, want staff:staff-7", got)
	}
	b.screenshot("signed-in")

	k := openTab(t, e, "several-providers-kakao", tabOptions{})
	resp = k.open("/members")
	k.expect(resp, 401, "/members", gatewayKakaoBtn)
	resp = k.click(gatewayKakaoBtn)
	k.expect(resp, 200, "/oauth/authorize", kakaoUser1001)
	resp = k.click(kakaoUser1001)
	if resp != nil && k.has(kakaoAgree) {
		resp = k.click(kakaoAgree)
	}
	k.expect(resp, 200, "/members", "#member")
	if got := k.text("#user-id"); got != "1001" {
		k.fail("the app sees user %q, want 1001", got)
	}
}
