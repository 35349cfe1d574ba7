package browser

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
)

// sampleApp is the upstream behind the gateway: a public home page at / and, everywhere else,
// a members page built only from the X-Auth-* headers the gateway sets.
var sampleApp = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · Sample app</title>
<style>
body{margin:0;font:16px/1.5 system-ui,"Noto Sans KR","Noto Sans CJK KR",sans-serif;background:#fafafa;color:#191f28}
header{background:#191f28;color:#fff;padding:14px 24px;font-weight:700}
main{max-width:640px;margin:32px auto;padding:0 24px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:8px 24px;background:#fff;border-radius:12px;padding:20px 24px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
dt{color:#6b7684}dd{margin:0;font-weight:600}
a.button{display:inline-block;margin:24px 12px 0 0;padding:10px 18px;border-radius:10px;background:#191f28;color:#fff;text-decoration:none}
a.quiet{background:#e5e8eb;color:#191f28}
</style></head><body><header>Sample app</header>{{end}}

{{define "home"}}{{template "head" "Home"}}
<main id="home">
<h1>Welcome</h1>
<p>This page is public. The members area needs a login with Kakao.</p>
<a class="button" id="members" href="/members">Members area</a>
</main></body></html>{{end}}

{{define "member"}}{{template "head" "Members"}}
<main id="member">
<h1>Hello, <span id="nickname">{{.Get "X-Auth-Nickname"}}</span></h1>
<dl>
<dt>Kakao user id</dt><dd id="user-id">{{.Get "X-Auth-User-Id"}}</dd>
<dt>Email</dt><dd id="email">{{.Get "X-Auth-Email"}}</dd>
{{with .Get "X-Auth-Gender"}}<dt>Gender</dt><dd id="gender">{{.}}</dd>{{end}}
</dl>
<a class="button" id="logout" href="/.auth/logout">Log out</a>
<a class="button quiet" id="unlink" href="/.auth/unlink">Disconnect Kakao</a>
</main></body></html>{{end}}
`))

func newSampleApp(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		page := "member"
		switch r.URL.Path {
		case "/":
			page = "home"
		case "/favicon.ico":
			http.NotFound(w, r)
			return
		}
		if err := sampleApp.ExecuteTemplate(w, page, r.Header); err != nil {
			t.Errorf("sample app: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
