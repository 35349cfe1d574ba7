package gateway

import (
	"crypto/subtle"
	"net/http"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/kakao"
)

// accountLogout sends the browser, already logged out here, to Kakao's logout page, whose
// bridge page lets the person choose to end their Kakao Account session too. Kakao comes back
// to <prefix>/logout/callback with the state set here.
func (g *Gateway) accountLogout(w http.ResponseWriter, r *http.Request) {
	state := oidc.RandomToken()
	sealed, err := g.codecs.logout.Encode(g.cookies.logoutState, []byte(state))
	if err == nil {
		var target string
		target, err = kakao.AccountLogoutURL(g.cfg.Issuer, g.cfg.ClientID, g.siteOrigin(r)+g.cfg.PathPrefix+"/logout/callback", state)
		if err == nil {
			http.SetCookie(w, g.cookies.newCookie(g.cookies.logoutState, sealed, loginStateTTL))
			redirect(w, target)
			return
		}
	}
	// The local logout is done; without Kakao's page the person still ends up logged out.
	g.logger.Error("starting account logout", zap.String("request_id", g.requestID(r)), zap.Error(err))
	g.afterLogout(w, r)
}

// serveLogoutCallback handles Kakao's return from its logout page. The logout already
// happened; a matching state leads on to post_logout_redirect, anything else shows the
// signed-out page and redirects nowhere (no target is ever taken from the request).
func (g *Gateway) serveLogoutCallback(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	state := r.URL.Query().Get("state")
	c, err := r.Cookie(g.cookies.logoutState)
	g.cookies.expire(w, g.cookies.logoutState)
	if err == nil && state != "" && len(state) <= 128 {
		if want, err := g.codecs.logout.Decode(g.cookies.logoutState, c.Value); err == nil &&
			subtle.ConstantTimeCompare(want, []byte(state)) == 1 {
			g.afterLogout(w, r)
			return
		}
	}
	g.logger.Info("logout callback without a matching state", zap.String("request_id", g.requestID(r)))
	g.renderPage(w, r, http.StatusOK, "signedout", pageData{
		Title: msgSignedOutTitle, Detail: msgSignedOutDetail, Home: g.publicHome(r),
		Retry: g.withResume(r, g.loginURL("/")), RetryAs: msgLogIn,
	})
}

// siteOrigin is the origin of the configured redirect_url, or the request's scheme and host.
func (g *Gateway) siteOrigin(r *http.Request) string {
	u := g.redirectURI(r)
	// redirectURI always ends with the callback path.
	return u[:len(u)-len(g.cfg.CallbackPath())]
}
