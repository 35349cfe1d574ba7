package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// kakaoLogoutTimeout bounds the call to Kakao's logout API during logout; the local logout
// never waits longer than this for it.
const kakaoLogoutTimeout = 3 * time.Second

// serveLogout handles <prefix>/logout: GET shows a confirmation page whose form POSTs back with
// a CSRF token; POST ends the session, revokes the Kakao token, clears the cookies and
// redirects to post_logout_redirect.
func (g *Gateway) serveLogout(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead, http.MethodPost) {
		return
	}
	ticket, sess, err := g.currentSession(w, r)
	if err != nil {
		g.fail(w, r, problem{
			Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
			Title:  msgLogoutUnavailable,
			Detail: msgSessionNotReached,
		}, err)
		return
	}
	if r.Method != http.MethodPost {
		g.logoutPage(w, r, ticket, sess)
		return
	}
	if !g.confirmedPOST(w, r, ticket, sess, refusedForm{
		badForm: problem{Status: http.StatusBadRequest, Code: "invalid_form", Title: msgLogoutFormTitle, Detail: msgRetry},
		badCSRF: problem{
			Status: http.StatusForbidden, Code: "invalid_csrf",
			Title:  msgLogoutCSRFTitle,
			Detail: msgLogoutCSRFDetail,
			Retry:  g.cfg.PathPrefix + "/logout", RetryAs: msgLogOut,
		},
	}) {
		return
	}
	g.markSignedOut(w)
	if sess == nil {
		g.cookies.expire(w, g.cookies.session)
		g.afterLogout(w, r)
		return
	}
	mode := logoutMode(r.PostForm.Get("mode"), g.cfg.Logout)
	if err := g.sessions.Delete(r.Context(), ticket, sess.UserID); err != nil {
		g.fail(w, r, problem{
			Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
			Title:  msgLogoutUnavailable,
			Detail: msgSessionNotEnded,
		}, err)
		return
	}
	g.metrics.Revocation(RevokeLogout)
	g.cookies.expire(w, g.cookies.session)
	g.revokeKakaoToken(r, sess)
	g.logger.Info("logout", zap.String("request_id", g.requestID(r)), zap.String("user_id", sess.UserID), zap.String("mode", mode))
	if mode == config.LogoutAccount {
		g.endProviderSession(w, r, sess)
		return
	}
	g.afterLogout(w, r)
}

// logoutMode is the requested mode (service or account) or, when none is, the configured one.
func logoutMode(requested, configured string) string {
	if requested == config.LogoutService || requested == config.LogoutAccount {
		return requested
	}
	return configured
}

// logoutPage shows the logout confirmation, or a signed-out page when there is no session.
func (g *Gateway) logoutPage(w http.ResponseWriter, r *http.Request, ticket session.Ticket, sess *session.Session) {
	if sess == nil {
		g.renderPage(w, r, http.StatusOK, "signedout", pageData{
			Title: msgSignedOutTitle, Detail: msgNoSignInDetail, Home: g.publicHome(r),
			Retry: g.withResume(r, g.loginURL("/")), RetryAs: msgLogIn,
		})
		return
	}
	mode := logoutMode(r.URL.Query().Get("mode"), g.cfg.Logout)
	detail := msgLogoutDetail
	if mode == config.LogoutAccount {
		detail = msgLogoutProviderDetail
		if p := g.idpOf(sess); p != nil && !p.generic(g.cfg) {
			detail = msgLogoutAccountDetail // Kakao's bridge page
		}
	}
	g.confirmPage(w, r, ticket, pageData{
		Title: msgLogoutTitle, Detail: detail, Button: msgLogOut,
		Action: g.cfg.PathPrefix + "/logout", Mode: mode, Home: "/",
	})
}

// currentSession returns the request's session, or nils when it has none. Only a store
// failure is an error.
func (g *Gateway) currentSession(w http.ResponseWriter, r *http.Request) (session.Ticket, *session.Session, error) {
	ticket, sess, err := g.loadSession(w, r)
	if errors.Is(err, errNoSession) {
		return session.Ticket{}, nil, nil
	}
	return ticket, sess, err
}

// revokeKakaoToken asks Kakao to revoke the session's access token. The local logout has
// already happened; a failure here is logged, not shown.
func (g *Gateway) revokeKakaoToken(r *http.Request, sess *session.Session) {
	if g.kakao == nil || sess.AccessToken == "" || g.idpOf(sess) != g.primary() {
		return // never hand another provider's token to Kakao
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), kakaoLogoutTimeout)
	defer cancel()
	if _, err := g.kakao.Logout(ctx, sess.AccessToken); err != nil {
		g.logger.Warn("kakao logout API", zap.String("request_id", g.requestID(r)), zap.Error(err))
	}
}
