package browser

import (
	"testing"
)

// TestCustomTemplates: a templates directory rebrands the pages: a block file puts the site's
// name above every page, and a page file replaces the signed-out page (in both languages,
// through .Lang); the pages it leaves out stay built in.
func TestCustomTemplates(t *testing.T) {
	e := newEnv(t, envOptions{templates: map[string]string{
		"brand.html": `{{define "brand"}}<p id="brand" style="font-weight:700;font-size:20px;margin:0 0 16px">Sample shop</p>{{end}}`,
		"signedout.html": `{{template "head" .}}
<div class="icon icon-ok">{{template "icon-check"}}</div>
<h1 id="custom">{{if eq .Lang "ko"}}다음에 또 만나요!{{else}}See you soon!{{end}}</h1>
<p class="detail">{{.Detail}}</p>
<div class="actions"><a class="button primary" href="{{.Home}}">{{.Text.Home}}</a></div>
{{template "foot" .}}`,
	}})
	b := openTab(t, e, "custom-templates", tabOptions{lang: langKO})
	resp := b.open("/.auth/logout")
	b.expect(resp, 200, "/.auth/logout", "#custom")
	if got := b.text("#custom"); got != "다음에 또 만나요!" {
		b.fail("custom signed-out page title %q", got)
	}
	if !b.has("#brand") {
		b.fail("the brand block is missing")
	}
	b.screenshot("signed-out")
	b.logIn("1001")
	resp = b.click("#logout")
	b.expect(resp, 200, "/.auth/logout", gatewayConfirm) // built in, with the brand
	if !b.has("#brand") || b.text("h1") != "로그아웃할까요?" {
		b.fail("the built-in confirmation lost the brand block or its text")
	}
	b.screenshot("confirm")
}
