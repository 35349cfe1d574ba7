package gateway

import (
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

// providerLogout sends the browser, already logged out here, to the provider's
// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0, provider oidc with logout
// account) with the ended session's ID token as id_token_hint, the post_logout_redirect_uri
// <site><prefix>/logout/callback (register it at the provider) and a state that
// serveLogoutCallback checks. Without an end_session_endpoint the browser goes straight to
// post_logout_redirect: the local logout is complete either way.
func (g *Gateway) providerLogout(w http.ResponseWriter, r *http.Request, sess *session.Session) {
	state := oidc.RandomToken()
	sealed, err := g.codecs.logout.Encode(g.cookies.logoutState, []byte(state))
	if err == nil {
		var target string
		target, err = g.rp.EndSessionURL(r.Context(), oidc.EndSessionRequest{
			IDTokenHint:           sess.IDToken,
			PostLogoutRedirectURI: g.siteOrigin(r) + g.cfg.PathPrefix + "/logout/callback",
			State:                 state,
		})
		if err == nil {
			http.SetCookie(w, g.cookies.newCookie(g.cookies.logoutState, sealed, loginStateTTL))
			redirect(w, target)
			return
		}
	}
	if errors.Is(err, oidc.ErrNoEndSession) {
		g.logger.Info("provider has no end_session_endpoint; logged out here only", zap.String("request_id", g.requestID(r)))
	} else {
		g.logger.Warn("starting provider logout", zap.String("request_id", g.requestID(r)), zap.Error(err))
	}
	redirect(w, g.cfg.PostLogoutRedirect)
}
