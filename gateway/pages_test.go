package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

// TestPagesFollowAcceptLanguage: every kind of page is in the language the browser prefers
// (English by default), says so in <html lang> and Content-Language, and varies on it.
func TestPagesFollowAcceptLanguage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	pages := []struct {
		name, path string
		status     int
		title      msgID
	}{
		{"signed-out page", "/.auth/logout", http.StatusOK, msgSignedOutTitle},
		{"error page", "/.auth/nope", http.StatusNotFound, msgNotFoundTitle},
		{"unlink page without a session", "/.auth/unlink", http.StatusOK, msgNotSignedInTitle},
	}
	languages := []struct {
		header string
		want   locale
	}{
		{"", localeEN},
		{"ko-KR,ko;q=0.9,en;q=0.8", localeKO},
		{"en;q=0.4, ko;q=0.6", localeKO},
		{"ko;q=0.1, en", localeEN},
	}
	for _, p := range pages {
		for _, lang := range languages {
			t.Run(p.name+"/"+lang.header, func(t *testing.T) {
				var headers []string
				if lang.header != "" {
					headers = append(headers, "Accept-Language: "+lang.header)
				}
				res := h.get(h.browser(), p.path, headers...)
				if res.StatusCode != p.status {
					t.Fatalf("status %d, want %d", res.StatusCode, p.status)
				}
				l := string(lang.want)
				if !strings.Contains(res.body, `<html lang="`+l+`">`) || res.Header.Get("Content-Language") != l {
					t.Errorf("page language: Content-Language %q, want %s\n%s", res.Header.Get("Content-Language"), l, res.body)
				}
				if !strings.Contains(res.body, "<h1>"+p.title.in(lang.want)+"</h1>") {
					t.Errorf("title is not %q", p.title.in(lang.want))
				}
				if !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
					t.Errorf("Vary = %q, want Accept-Language", res.Header.Get("Vary"))
				}
				// The brand defaults to the site's host name (the test server's address).
				if !strings.Contains(res.body, `<p class="brand">`+siteName(res.Request.Host)+`</p>`) || siteName(res.Request.Host) == "" {
					t.Errorf("page lacks the site's host name %q as its brand", res.Request.Host)
				}
			})
		}
	}
}

// TestJSONErrorsStayEnglishAndMachineReadable: API clients get the same JSON whatever their
// Accept-Language: a stable code and the English message.
func TestJSONErrorsStayEnglishAndMachineReadable(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for _, lang := range []string{"en", "ko-KR,ko"} {
		res := h.get(h.browser(), "/.auth/nope", "Accept: application/json", "Accept-Language: "+lang)
		var body map[string]string
		if err := json.Unmarshal([]byte(res.body), &body); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", lang, err, res.body)
		}
		if body["error"] != "not_found" || body["message"] != "Page not found" || body["request_id"] == "" || len(body) != 3 {
			t.Errorf("%s: JSON error = %v", lang, body)
		}
	}
}

// TestLoginPageButton: after a failed KakaoTalk auto-login the login page shows Kakao's button
// labelled in the page's language; other providers get a plain login button.
func TestLoginPageButton(t *testing.T) {
	tests := []struct {
		name, provider, lang string
		want, wantNot        string
	}{
		{"kakao in English", config.ProviderKakao, "en", `<span>Login with Kakao</span>`, `class="button primary" href="/.auth/login`},
		{"kakao in Korean", config.ProviderKakao, "ko", `<span>카카오 로그인</span>`, "Login with Kakao"},
		{"oidc in Korean", config.ProviderOIDC, "ko", `<a class="button primary" href="/.auth/login?rd=%2Fmembers">로그인</a>`, `class="button kakao-login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{provider: tt.provider})
			res := h.get(h.browser(), "/members", "Accept-Language: "+tt.lang,
				"Cookie: "+h.gw.cookies.autoLoginFailed+"=1")
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, "page-login") {
				t.Fatalf("status %d, want the login page (401)\n%s", res.StatusCode, res.body)
			}
			if !strings.Contains(res.body, tt.want) || strings.Contains(res.body, tt.wantNot) {
				t.Errorf("login page: want %q and not %q\n%s", tt.want, tt.wantNot, res.body)
			}
		})
	}
}

// TestDeniedPageHasItsOwnTemplate: the access rules' refusal uses the denied page, with its
// code, the request id and a way to log out.
func TestDeniedPageHasItsOwnTemplate(t *testing.T) {
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) {
		c.Allow = []config.AllowRule{{Claim: "email_domain", Values: []string{"example.org"}}}
	}})
	c := h.browser()
	h.login(c, "/", 1001)
	res := h.get(c, "/", "Accept-Language: ko")
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", res.StatusCode)
	}
	for _, want := range []string{`class="page-denied"`, msgDeniedTitle.in(localeKO), "요청 ID: ", "access_denied", `href="/.auth/logout"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("denied page lacks %q\n%s", want, res.body)
		}
	}
}

// TestTemplatesOptionServesCustomPages: the templates option replaces a page for real
// requests; the pages it leaves out stay built in.
func TestTemplatesOptionServesCustomPages(t *testing.T) {
	dir := writeTemplates(t, map[string]string{
		"error.html": `{{template "head" .}}<p id="custom">{{.Title}} · {{.Code}} · {{.RequestID}}</p>{{template "foot" .}}`,
	})
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) { c.Templates = dir }})
	res := h.get(h.browser(), "/.auth/nope", "Accept-Language: ko")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, `<p id="custom">페이지를 찾을 수 없습니다 · not_found · `) {
		t.Fatalf("custom error page not served: %d\n%s", res.StatusCode, res.body)
	}
	res = h.get(h.browser(), "/.auth/logout")
	if !strings.Contains(res.body, `class="icon icon-ok"`) {
		t.Fatalf("the signed-out page must stay built in\n%s", res.body)
	}
}

// TestNewRefusesBrokenTemplates: a templates directory that cannot render is a configuration
// error, reported when the gateway is built, not at the first request.
func TestNewRefusesBrokenTemplates(t *testing.T) {
	dir := writeTemplates(t, map[string]string{"login.html": `{{.NoSuchField}}`})
	cfg := &config.Config{ClientID: "id", Issuer: "http://127.0.0.1:1", APIURL: "http://127.0.0.1:1",
		CookieSecrets: []string{testCookieSecret}, Templates: dir}
	cfg.SetDefaults()
	h := newHarness(t, harnessOptions{})
	_, err := New(Options{Config: cfg, RP: h.gw.idps[0].rp, Sessions: h.gw.sessions})
	if err == nil || !strings.Contains(err.Error(), "templates "+dir) || !strings.Contains(err.Error(), "page login") {
		t.Fatalf("New = %v, want an error naming the directory and the page", err)
	}
}

// TestConfirmationPagesShowTheirOwnIcon: logout, unlink and signup confirmations each show
// their icon (signup is not a logout).
func TestConfirmationPagesShowTheirOwnIcon(t *testing.T) {
	pages, err := loadPages("")
	if err != nil {
		t.Fatal(err)
	}
	icons := map[string]string{}
	for _, name := range []string{"icon-logout", "icon-unlink", "icon-check"} {
		var b strings.Builder
		if err := pages.ExecuteTemplate(&b, name, nil); err != nil {
			t.Fatal(err)
		}
		icons[name] = b.String()
	}
	for _, tt := range []struct{ icon, want string }{{"", "icon-logout"}, {"unlink", "icon-unlink"}, {"signup", "icon-check"}} {
		var b bytes.Buffer
		if err := executePage(pages, &b, "confirm", pageData{Icon: tt.icon}.view("confirm", http.StatusOK, localeEN, "example.com")); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), icons[tt.want]) {
			t.Errorf("confirmation with Icon %q does not show %s", tt.icon, tt.want)
		}
	}
}
