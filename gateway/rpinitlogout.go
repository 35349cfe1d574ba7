package gateway

import (
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

// endProviderSession ends the provider's session of sess after the local logout (logout
// account): through Kakao's bridge page for the main Kakao provider, by RP-Initiated Logout for
// a generic one; a session whose provider is gone just goes to post_logout_redirect.
func (g *Gateway) endProviderSession(w http.ResponseWriter, r *http.Request, sess *session.Session) {
	switch p := g.idpOf(sess); {
	case p == nil:
		g.afterLogout(w, r)
	case !p.generic(g.cfg):
		g.accountLogout(w, r)
	default:
		g.providerLogout(w, r, p, sess)
	}
}

// providerLogout sends the browser, already logged out here, to the provider's
// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0, provider oidc with logout
// account) with the ended session's ID token as id_token_hint, the post_logout_redirect_uri
// <site><prefix>/logout/callback (register it at the provider) and a state that
// serveLogoutCallback checks. Without an end_session_endpoint the browser goes straight to
// post_logout_redirect: the local logout is complete either way.
func (g *Gateway) providerLogout(w http.ResponseWriter, r *http.Request, p *idp, sess *session.Session) {
	state := oidc.RandomToken()
	sealed, err := g.codecs.logout.Encode(g.cookies.logoutState, []byte(state))
	if err == nil {
		var target string
		target, err = p.rp.EndSessionURL(r.Context(), oidc.EndSessionRequest{
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
	g.afterLogout(w, r)
}

// issuers lists the providers' issuers, the primary's first (their origins may receive the
// logout form's redirect, see pageCSP).
func issuers(idps []*idp) []string {
	out := make([]string, len(idps))
	for i, p := range idps {
		out[i] = p.rp.Provider.Issuer()
	}
	return out
}
