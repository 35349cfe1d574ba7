package gateway

import (
	"bytes"
	"cmp"
	"html/template"
	"net"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// pageData is what a handler asks a page to show. Its texts are catalogue ids, put into the
// visitor's language by renderPage.
type pageData struct {
	Title     msgID
	Detail    msgID
	Button    msgID // label of a confirmation page's submit button
	RetryAs   msgID // label of the Retry link
	Code      string
	RequestID string
	Retry     string // optional link that starts over (e.g. the login URL)
	Home      string
	Action    string // form target of a confirmation page, or the login page's login URL
	CSRF      string // CSRF token of a confirmation page
	Mode      string // logout mode carried by the logout form
	Danger    bool   // the confirmation ends something for good (unlink)
	Icon      string // a confirmation page's icon: "logout" (default), "unlink" or "signup"
	Kakao     bool   // show Kakao's login button (design guide) rather than a plain one
	Scopes    []string
	Providers []providerButton // the providers page's choices
}

// pageView is what the page templates render; custom templates (the templates option) see
// exactly these fields, documented in the README.
type pageView struct {
	Page      string // the page: error, confirm, signedout, login, consent, denied or providers
	Lang      string // the page's language, for <html lang>: en or ko
	Site      string // the site's host name (no port), shown by the default brand block
	Status    int    // the HTTP status of the answer
	Code      string // machine-readable error code (error, consent and denied pages)
	Title     string
	Detail    string
	RequestID string // shown on error pages so people can quote it
	Retry     string
	RetryAs   string
	Home      string
	Action    string
	CSRF      string
	Mode      string
	Button    string
	Danger    bool
	Icon      string // a confirmation page's icon: logout, unlink or signup
	Kakao     bool
	Scopes    []string         // names of the permissions asked for (consent page)
	Providers []providerChoice // the ways to log in (providers page)
	Text      pageText
}

// providerChoice is one way to log in on the providers page.
type providerChoice struct {
	Label string // the button's text, in the page's language for the main provider
	URL   string // the login link
	Kakao bool   // Kakao's button (design guide) rather than a plain one
}

// pageText holds the fixed labels of the pages in the page's language.
type pageText struct {
	Home, Cancel, RequestID, KakaoLogin, LogIn, PermissionsNeeded string
}

// newPageText returns the pages' fixed labels in l.
func newPageText(l locale) pageText {
	return pageText{
		Home: msgHome.in(l), Cancel: msgCancel.in(l), RequestID: msgRequestID.in(l),
		KakaoLogin: msgKakaoLogin.in(l), LogIn: msgLogIn.in(l), PermissionsNeeded: msgPermissionsNeeded.in(l),
	}
}

// view puts data into l for the page name.
func (d pageData) view(name string, status int, l locale, site string) pageView {
	return pageView{
		Page: name, Lang: string(l), Site: site, Status: status, Code: d.Code,
		Title: d.Title.in(l), Detail: d.Detail.in(l), RequestID: d.RequestID,
		Retry: d.Retry, RetryAs: d.RetryAs.in(l), Home: d.Home,
		Action: d.Action, CSRF: d.CSRF, Mode: d.Mode, Button: d.Button.in(l),
		Danger: d.Danger, Icon: cmp.Or(d.Icon, "logout"), Kakao: d.Kakao, Scopes: scopeDisplayNames(d.Scopes, l),
		Providers: providerChoices(d.Providers, l), Text: newPageText(l),
	}
}

// renderPage writes one of the gateway's HTML pages in the language r prefers. Pages are
// rendered into a buffer first, so a template error never leaves a half-written response.
func (g *Gateway) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	var buf bytes.Buffer
	l := requestLocale(r)
	if err := executePage(g.pages, &buf, name, data.view(name, status, l, siteName(r.Host))); err != nil {
		g.logger.Error("rendering page", zap.String("page", name), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	setNoStore(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(l))
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Security-Policy", g.pageCSP)
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// executePage renders the page name (the template <name>.html) with v.
func executePage(t *template.Template, buf *bytes.Buffer, name string, v pageView) error {
	return t.ExecuteTemplate(buf, name+".html", v)
}

// siteName is the host name of the Host header host, without its port, for the pages' brand:
// empty unless it is a plausible DNS name or IP address (at most 253 letters, digits, dots,
// hyphens, or an IPv6 address), so a hostile Host header cannot put text on the pages.
func siteName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || len(host) > 253 {
		return ""
	}
	if net.ParseIP(host) != nil {
		return host
	}
	for _, c := range host {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			return ""
		}
	}
	return host
}
