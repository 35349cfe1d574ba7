package browser

import (
	"strings"
	"testing"
)

// TestTalkAutoLoginLinkedUser: in KakaoTalk's in-app browser a member who linked the app
// before is signed in silently (one prompt=none authorization), without any Kakao page.
func TestTalkAutoLoginLinkedUser(t *testing.T) {
	e := newEnv(t, envOptions{})
	if err := e.emulator.Link(1001); err != nil {
		t.Fatal(err)
	}
	b := openTab(t, e, "talk-linked", tabOptions{lang: langKO, userAgent: talkUserAgent, mobile: true})
	mark := b.mark()
	resp := b.open("/members")
	b.expect(resp, 200, "/members", "#member")
	if got := b.text("#user-id"); got != "1001" {
		b.fail("the app sees user %q, want 1001", got)
	}
	var authorize []string
	for _, u := range b.visited(mark) {
		switch u.Path {
		case "/oauth/authorize":
			authorize = append(authorize, u.Query().Get("prompt"))
		case "/oauth/authorize/consent", "/oauth/authorize/login":
			b.fail("the silent login showed Kakao's %s page", u.Path)
		}
	}
	if len(authorize) != 1 || authorize[0] != "none" {
		b.fail("authorize prompts = %q, want exactly one prompt=none", authorize)
	}
	b.screenshot("signed-in")
}

// TestTalkAutoLoginUnlinkedUser: a KakaoTalk user who never linked the app cannot be signed in
// silently; the members page then shows the gateway's login page with Kakao's login button
// (labelled by the browser's language), and pressing it leads through consent to the page.
func TestTalkAutoLoginUnlinkedUser(t *testing.T) {
	e := newEnv(t, envOptions{})
	if err := e.emulator.SetTalkUser(1002); err != nil {
		t.Fatal(err)
	}
	b := openTab(t, e, "talk-unlinked", tabOptions{lang: langKO, userAgent: talkUserAgent, mobile: true})
	resp := b.open("/members")
	b.expect(resp, 401, "/members", gatewayKakaoBtn)
	if b.lang() != "ko" || b.text(gatewayKakaoBtn) != "카카오 로그인" {
		b.fail("login page: lang %q, button %q; want ko and 카카오 로그인", b.lang(), b.text(gatewayKakaoBtn))
	}
	checkKakaoButton(b)
	b.screenshot("login-page-ko")

	b.setLanguage("en-US,en;q=0.9")
	resp = b.open("/members") // the failed silent login is remembered: no second try
	b.expect(resp, 401, "/members", gatewayKakaoBtn)
	if b.lang() != "en" || b.text(gatewayKakaoBtn) != "Login with Kakao" {
		b.fail("login page: lang %q, button %q; want en and Login with Kakao", b.lang(), b.text(gatewayKakaoBtn))
	}
	b.screenshot("login-page-en")
	if n := e.emulator.Calls("/oauth/authorize"); n != 1 {
		b.fail("authorize calls = %d, want the one silent try", n)
	}

	resp = b.click(gatewayKakaoBtn)
	b.expect(resp, 200, "/oauth/authorize/consent", kakaoAgree)
	resp = b.click(kakaoAgree)
	b.expect(resp, 200, "/members", "#member")
	if got := b.text("#user-id"); got != "1002" {
		b.fail("the app sees user %q, want 1002", got)
	}
	b.screenshot("signed-in")
}

// checkKakaoButton checks the login button follows Kakao's design guide: container #FEE500,
// label black at 85 %, radius 12px, the black speech-bubble symbol.
func checkKakaoButton(b *tab) {
	b.t.Helper()
	style := b.computedStyle(gatewayKakaoBtn, "background-color", "color", "border-top-left-radius")
	want := []string{"rgb(254, 229, 0)", "rgba(0, 0, 0, 0.85)", "12px"}
	for i, w := range want {
		if style[i] != w {
			b.fail("Kakao button style = %q, want %q", style, want)
		}
	}
	if fill := b.attr(gatewayKakaoBtn+" svg.kakao-symbol path", "fill"); !strings.EqualFold(fill, "#000000") {
		b.fail("Kakao symbol fill = %q, want #000000", fill)
	}
}
