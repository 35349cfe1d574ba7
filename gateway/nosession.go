package gateway

import (
	"net/http"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/kakao"
)

// Identity status header values (X-Auth-Status).
const (
	statusHeader        = "X-Auth-Status"
	statusAuthenticated = "authenticated"
	statusAnonymous     = "anonymous"
)

// autoLoginMemory is how long a failed silent login is remembered, so the in-app browser is
// never sent round in a loop of prompt=none attempts.
const autoLoginMemory = 10 * time.Minute

// noSession answers a request without a session. Navigations from KakaoTalk's in-app browser
// first try a silent login (prompt=none), once. Then optional routes go upstream anonymously;
// required routes send browsers to log in (or, after a failed silent login, show the login
// page) and refuse everything else with 401.
func (g *Gateway) noSession(w http.ResponseWriter, r *http.Request, next Next) error {
	nav := isNavigation(r)
	_, signedOut := g.signedOut(r)
	if nav && !signedOut && g.autoLoginAllowed(r) {
		g.startLogin(w, r, g.requestURL(r).RequestURI(), loginOptions{prompt: "none"})
		return nil
	}
	if g.cfg.Optional {
		r.Header.Set(statusHeader, statusAnonymous)
		g.passOn(r)
		return next(w, r)
	}
	if !nav {
		g.unauthorized(w, r)
		return nil
	}
	if signedOut || g.autoLoginFailed(r) || g.multi() {
		g.loginPage(w, r, safeReturnPath(g.requestURL(r).RequestURI()))
		return nil
	}
	g.startLogin(w, r, g.requestURL(r).RequestURI(), g.interactiveLogin(r))
	return nil
}

// unauthorized is the 401 for API and script requests without a session.
func (g *Gateway) unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Cookie realm="kakaogate", login="`+g.cfg.PathPrefix+`/login"`)
	if g.bearerOn() {
		w.Header().Add("WWW-Authenticate", bearerChallengeBase) // native apps: send a token
	}
	g.writeJSONError(w, r, http.StatusUnauthorized, "unauthenticated",
		"log in first: open "+g.cfg.PathPrefix+"/login in a browser")
}

// autoLoginAllowed reports whether r should try the silent KakaoTalk auto-login: it is on,
// r comes from KakaoTalk's in-app browser, and no attempt failed recently.
func (g *Gateway) autoLoginAllowed(r *http.Request) bool {
	return g.cfg.AutoLogin == config.AutoLoginKakaoTalk &&
		kakao.IsTalkInAppBrowser(r.UserAgent()) && !g.autoLoginFailed(r)
}

func (g *Gateway) autoLoginFailed(r *http.Request) bool {
	_, ok := g.clientCookie(r, g.cookies.autoLoginFailed)
	return ok
}

// rememberAutoLoginFailure sets the short-lived marker that stops further silent attempts.
// It carries no secret: forging it only makes the gateway skip the silent attempt.
func (g *Gateway) rememberAutoLoginFailure(w http.ResponseWriter) {
	http.SetCookie(w, g.cookies.newCookie(g.cookies.autoLoginFailed, "1", autoLoginMemory))
}

// interactiveLogin returns the options of an interactive login: the configured prompt, except
// prompt=login in KakaoTalk's in-app browser, where Kakao does not support it.
func (g *Gateway) interactiveLogin(r *http.Request) loginOptions {
	p := g.cfg.Prompt
	if p == "login" && kakao.IsTalkInAppBrowser(r.UserAgent()) {
		p = ""
	}
	return loginOptions{prompt: p}
}

// loginPage shows the gateway's own "Login with Kakao" page: what a person sees when the
// silent login could not complete on a page that needs one, or, with several providers, on
// any page that needs a login. Its buttons start an interactive login that returns here.
func (g *Gateway) loginPage(w http.ResponseWriter, r *http.Request, returnTo string) {
	if g.multi() {
		g.providersPage(w, r, http.StatusUnauthorized, returnTo)
		return
	}
	kakaoLogin := g.cfg.Provider == config.ProviderKakao
	detail := msgLoginDetail
	if kakaoLogin {
		detail = msgLoginDetailKakao
	}
	g.renderPage(w, r, http.StatusUnauthorized, "login", pageData{
		Title: msgLoginTitle, Detail: detail,
		Action: g.withResume(r, g.loginURL(returnTo)), Home: g.publicHome(r), Kakao: kakaoLogin,
	})
}
