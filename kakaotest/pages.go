package kakaotest

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"slices"
)

// The HTML pages are deliberately plain: tests and headless browsers drive
// them by their form fields and buttons, which are part of the emulator's
// contract:
//
//   - login: a form posting request and user=<id> (one submit button per
//     test user);
//   - consent: a form posting request, scope checkboxes and consent=agree
//     (the first button) or consent=cancel (the button after it);
//   - logout bridge: a form posting csts and logout_with_kakao=false or true;
//   - consent: the app name in <span id="app-name">;
//   - error: the KOE code in <strong id="error-code">.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.}} · Kakao (kakaotest)</title></head><body>
<p><small>Kakao Login emulator (kakaotest): for development and tests only.</small></p>{{end}}

{{define "login"}}{{template "head" "Log in"}}
<h1>{{if .Create}}Create a Kakao Account{{else}}Log in with a Kakao Account{{end}}</h1>
{{if .LoginHint}}<p>Login hint: <span id="login-hint">{{.LoginHint}}</span></p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="request" value="{{.Request}}">
{{range .Users}}<p><button type="submit" name="user" value="{{.ID}}">{{.Nickname}} ({{.ID}}){{if .Email}} {{.Email}}{{end}}</button></p>
{{end}}</form></body></html>{{end}}

{{define "consent"}}{{template "head" "Consent"}}
<h1>Agree to share with <span id="app-name">{{.AppName}}</span></h1>
<p>Signed in as {{.Nickname}} ({{.UserID}}).{{if not .Linked}} Agreeing connects your Kakao Account to this app.{{end}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="request" value="{{.Request}}">
<ul>{{range .Items}}
<li><label><input type="checkbox" name="scope" value="{{.ID}}" checked{{if .Required}} disabled{{end}}> {{.Name}} ({{.ID}}){{if .Required}} (required){{end}}</label></li>{{end}}
</ul>
<button type="submit" name="consent" value="agree">Agree and continue</button>
<button type="submit" name="consent" value="cancel">Cancel</button>
</form></body></html>{{end}}

{{define "bridge"}}{{template "head" "Log out"}}
<h1>Log out</h1>
<p>Log out of this service only, or of this service and your Kakao Account?</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csts" value="{{.Request}}">
<button type="submit" name="logout_with_kakao" value="false">Log out of this service only</button>
<button type="submit" name="logout_with_kakao" value="true">Log out of this service and Kakao Account</button>
</form></body></html>{{end}}

{{define "error"}}{{template "head" "Error"}}
<h1>Kakao Login error</h1>
<p><strong id="error-code">{{.Code}}</strong></p>
<p>{{.Message}}</p></body></html>{{end}}
`))

// consentItem is one consent item on the consent page.
type consentItem struct {
	ID, Name string
	Required bool
}

// renderPage writes the named template as an HTML response.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "kakaotest: rendering page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage shows Kakao's error page for a KOE code; nothing is redirected.
func errorPage(w http.ResponseWriter, status int, koe, message string) {
	renderPage(w, status, "error", struct{ Code, Message string }{koe, message})
}

// loginPage shows the login form of the pending request req: one button
// per test user.
func (e *Emulator) loginPage(w http.ResponseWriter, req *authRequest) {
	e.mu.Lock()
	users := make([]User, 0, len(e.users))
	for _, s := range e.users {
		users = append(users, s.user)
	}
	e.mu.Unlock()
	slices.SortFunc(users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
	renderPage(w, http.StatusOK, "login", struct {
		Action, Request, LoginHint string
		Create                     bool
		Users                      []User
	}{e.path(pathLogin), req.id, req.loginHint, req.create, users})
}

// consentPage shows the consent form of the pending request req.
func (e *Emulator) consentPage(w http.ResponseWriter, req *authRequest) {
	e.mu.Lock()
	s := e.users[req.userID]
	var items []consentItem
	for _, it := range s.pendingScopes(req.scopes) {
		items = append(items, consentItem{ID: it.id, Name: it.displayName, Required: it.required})
	}
	data := struct {
		Action, Request, AppName, Nickname string
		UserID                             int64
		Linked                             bool
		Items                              []consentItem
	}{e.path(pathConsent), req.id, e.opts.AppName, s.user.Nickname, s.user.ID, s.linked, items}
	e.mu.Unlock()
	renderPage(w, http.StatusOK, "consent", data)
}
