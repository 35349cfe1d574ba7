package browser

import (
	"slices"
	"testing"
)

// TestRequireScopeRouteAsksForMoreConsent: a signed-in member opens /settings/, which needs
// the gender item (require_scope gender). Kakao asks for just that item; a member who unticks
// it gets the gateway's consent page naming it, and granting it from there opens the page.
func TestRequireScopeRouteAsksForMoreConsent(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "more-consent", tabOptions{})
	b.logIn("1001")

	gender := `input[name="scope"][value="gender"]`
	resp := b.open("/settings/profile")
	b.expect(resp, 200, "/oauth/authorize/consent", gender)
	if q := b.location().Query().Get("request"); q == "" {
		b.fail("the consent page lost its request")
	}
	b.screenshot("kakao-consent")
	b.toggle(gender) // decline the item, agree to the rest
	resp = b.click(kakaoAgree)
	b.expect(resp, 403, "/.auth/callback", ".page-consent")
	if got := b.text(".scopes"); got != "Gender" {
		b.fail("the consent page lists %q, want Gender", got)
	}
	b.screenshot("consent-needed")

	resp = b.click("a.button.primary") // Grant permission
	b.expect(resp, 200, "/oauth/authorize/consent", gender)
	resp = b.click(kakaoAgree)
	b.expect(resp, 200, "/settings/profile", "#member")
	if got := b.text("#gender"); got != "female" {
		b.fail("the settings page sees gender %q, want female", got)
	}
	if !slices.Contains(e.emulator.AgreedScopes(1001), "gender") {
		t.Fatal("the emulator never recorded the gender consent")
	}
	b.screenshot("granted")
}

// TestDecliningMoreConsentKeepsTheLogin: a signed-in member opens /settings/ (require_scope
// gender) and cancels Kakao's consent screen. In Korean, the page says they are still logged
// in and names the item the area needs, with a way to grant it later; the session works.
func TestDecliningMoreConsentKeepsTheLogin(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := openTab(t, e, "decline-more-consent", tabOptions{lang: langKO})
	b.logIn("1001")

	resp := b.open("/settings/profile")
	b.expect(resp, 200, "/oauth/authorize/consent", `input[name="scope"][value="gender"]`)
	resp = b.click(`button[name="consent"][value="cancel"]`)
	b.expect(resp, 403, "/.auth/callback", ".page-consent")
	if got := b.text("h1"); got != "로그인은 그대로 유지됩니다" {
		b.fail("the page's title is %q, want 로그인은 그대로 유지됩니다", got)
	}
	if got := b.text(".scopes"); got != "성별" {
		b.fail("the page lists %q, want 성별", got)
	}
	b.screenshot("consent-declined")

	resp = b.open("/members")
	b.expect(resp, 200, "/members", "#member")
	if got := b.text("#user-id"); got != "1001" {
		b.fail("after declining, the members page sees user %q, want 1001", got)
	}
}
