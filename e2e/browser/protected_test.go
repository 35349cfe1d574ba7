package browser

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestFullyProtectedSiteOffersNoHomeLinkToLogin: on a site where every page needs a login, "/"
// included, "home" would only lead back to the login page, so the gateway's pages offer none:
// an error page of the login flow, the page after declining more consent, the signed-out page
// and the login page after logging out, the pages of logout and unlink without a session, and
// the access-denied page.
func TestFullyProtectedSiteOffersNoHomeLinkToLogin(t *testing.T) {
	e := newEnv(t, envOptions{fullyProtected: true, extra: "allow id 1001"})
	b := openTab(t, e, "fully-protected", tabOptions{lang: langKO})
	b.expect(b.open("/"), 200, "/oauth/authorize", kakaoUser1001) // "/" needs a login here

	if resp := b.open("/.auth/callback?code=junk&state=forged"); resp == nil || resp.Status < 400 || !b.has("h1") {
		b.fail("a forged callback: want an error page, got %v", resp)
	}
	b.noHomeLink("error-page")

	b.logIn("1001")
	resp := b.open("/settings/profile")
	b.expect(resp, 200, "/oauth/authorize/consent", `input[name="scope"][value="gender"]`)
	b.expect(b.click(`button[name="consent"][value="cancel"]`), 403, "/.auth/callback", ".page-consent")
	b.noHomeLink("consent-declined")

	b.open("/members")
	b.expect(b.click("#logout"), 200, "/.auth/logout", gatewayConfirm)
	// post_logout_redirect / needs a login here: the gateway shows its signed-out page instead.
	b.expect(b.click(gatewayConfirm), 200, "/.auth/signed-out", ".page-signedout")
	b.noHomeLink("signed-out-after-logout")
	b.expect(b.open("/members"), 401, "/members", kakaoLoginButton)
	b.noHomeLink("login-after-logout")
	b.expect(b.open("/.auth/logout"), 200, "/.auth/logout", ".page-signedout")
	b.noHomeLink("logout-signed-out")
	b.expect(b.open("/.auth/unlink"), 200, "/.auth/unlink", "h1")
	b.noHomeLink("unlink-signed-out")

	other := openTab(t, e, "fully-protected-denied", tabOptions{lang: langKO})
	other.open("/members")
	resp = other.click(`button[name="user"][value="1002"]`)
	if other.location().Path == "/oauth/authorize/consent" {
		resp = other.click(kakaoAgree)
	}
	other.expect(resp, 403, "/members", ".page-denied")
	other.noHomeLink("access-denied")
}

// noHomeLink fails when the page links "home": a link labelled so, one to "/" on the site, or
// one to the page itself (an empty href); it saves a screenshot named after page.
func (b *tab) noHomeLink(page string) {
	b.t.Helper()
	links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll("a")].map(a => [a.textContent.trim(), a.getAttribute("href") ?? "", a.href])`))
	if err != nil {
		b.fail("%s: reading the links: %v", page, err)
	}
	here := b.location()
	for _, l := range links {
		text, href := l[0], l[1]
		to, err := url.Parse(l[2])
		if err != nil {
			b.fail("%s: link %q: %v", page, l[2], err)
		}
		if text == "홈으로 가기" || text == "Go to the home page" || href == "" || (to.Host == here.Host && to.Path == "/") {
			b.fail("%s offers a home link (%q → %q) on a fully protected site", page, text, href)
		}
	}
	b.screenshot(page)
}
