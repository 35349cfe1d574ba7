package gateway

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"

	"github.com/kakaogate/kakaogate/oidc"
)

// A person who logs out stays logged out in that browser until they press a login button,
// though their Kakao Account session is still alive and a protected page would otherwise
// log them straight back in. Logout and unlink set the signed-out marker; while the browser
// has it, every gateway answers a protected navigation with the login page (never a
// redirect to the provider, never a silent prompt=none login), and <prefix>/login reached by
// a redirect shows that page too. The page's buttons carry the marker's token (resume=…),
// which a page of another site cannot know: only pressing one clears the marker.

// signedOutMemory is how long a browser remembers that its person logged out.
const signedOutMemory = 30 * 24 * time.Hour

// signedOutPath is the gateway's signed-out page, under the path prefix.
const signedOutPath = "/signed-out"

// markSignedOut sets the signed-out marker. It carries no secret of the session: forging it
// only makes the gateway show a login button instead of logging the person in.
func (g *Gateway) markSignedOut(w http.ResponseWriter) {
	http.SetCookie(w, g.cookies.newCookie(g.cookies.signedOut, oidc.RandomToken(), signedOutMemory))
}

// signedOut returns the marker's token when the browser logged out and has not pressed a
// login button since.
func (g *Gateway) signedOut(r *http.Request) (string, bool) {
	return g.clientCookie(r, g.cookies.signedOut)
}

// pressedLogin reports whether a <prefix>/login request came from a login button pressed
// while signed out (it carries the marker's token), or needs no press (no marker).
func (g *Gateway) pressedLogin(r *http.Request) bool {
	token, ok := g.signedOut(r)
	if !ok {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("resume")), []byte(token)) == 1
}

// withResume adds the marker's token to a login button's URL, when the browser has one.
func (g *Gateway) withResume(r *http.Request, loginURL string) string {
	if token, ok := g.signedOut(r); ok {
		return loginURL + "&resume=" + url.QueryEscape(token)
	}
	return loginURL
}

// afterLogout sends the browser where a logout or an unlink ends: post_logout_redirect when
// it is a public page (publicPath), otherwise the gateway's signed-out page.
func (g *Gateway) afterLogout(w http.ResponseWriter, r *http.Request) {
	if g.publicPath(r, g.cfg.PostLogoutRedirect) {
		redirect(w, g.cfg.PostLogoutRedirect)
		return
	}
	redirect(w, g.cfg.PathPrefix+signedOutPath)
}

// serveSignedOut is the signed-out page: it says so and offers to log in again, and a way
// home only where home is public.
func (g *Gateway) serveSignedOut(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	g.renderPage(w, r, http.StatusOK, "signedout", pageData{
		Title: msgSignedOutTitle, Detail: msgSignedOutDetail,
		Home:  g.publicHome(r),
		Retry: g.withResume(r, g.loginURL("/")), RetryAs: msgLogIn,
	})
}

// publicHome is "/" when it is public (publicPath), else "": a home link on a fully
// protected site would only lead back to a login.
func (g *Gateway) publicHome(r *http.Request) string {
	if g.publicPath(r, "/") {
		return "/"
	}
	return ""
}

// publicPath reports whether a GET of path (a same-site path) is reachable without a login:
// this gateway is optional, or its matchers leave path unprotected. A gateway composed with
// others (Composed) cannot consult their matchers and counts no path as public: fail-safe,
// a logout then ends on the signed-out page.
func (g *Gateway) publicPath(r *http.Request, path string) bool {
	switch {
	case g.composed.Load():
		return false
	case g.cfg.Optional:
		return true
	case g.protects == nil:
		return false
	}
	u, err := url.Parse(path)
	if err != nil {
		return false
	}
	probe := (&http.Request{Method: http.MethodGet, URL: u, Host: r.Host, Header: http.Header{}, RemoteAddr: r.RemoteAddr}).WithContext(r.Context())
	needed, err := g.protects(probe)
	return err == nil && !needed
}

// Composed tells g that a request may meet another gateway besides it (another kakaogate
// handler of its site), whose matchers and optional setting g cannot consult: from then on
// g counts no page as public (publicPath). The Caddy module calls it while provisioning.
func (g *Gateway) Composed() { g.composed.Store(true) }
