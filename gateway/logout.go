package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// maxFormBody caps the body of the gateway's own forms.
const maxFormBody = 8 << 10

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
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		g.fail(w, r, problem{Status: http.StatusBadRequest, Code: "invalid_form", Title: msgLogoutFormTitle, Detail: msgRetry}, err)
		return
	}
	if sess == nil {
		g.cookies.expire(w, g.cookies.session)
		redirect(w, g.cfg.PostLogoutRedirect)
		return
	}
	mode := logoutMode(r.PostForm.Get("mode"), g.cfg.Logout)
	if !g.validCSRF(r.PostForm.Get("csrf"), ticket.ID) {
		g.fail(w, r, problem{
			Status: http.StatusForbidden, Code: "invalid_csrf",
			Title:  msgLogoutCSRFTitle,
			Detail: msgLogoutCSRFDetail,
			Retry:  g.cfg.PathPrefix + "/logout", RetryAs: msgLogOut,
		}, nil)
		return
	}
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
	redirect(w, g.cfg.PostLogoutRedirect)
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
			Title: msgSignedOutTitle, Detail: msgNoSignInDetail, Home: g.cfg.PostLogoutRedirect,
		})
		return
	}
	token, err := g.csrfToken(ticket.ID)
	if err != nil {
		g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "internal_error", Title: msgSomethingWrong, Detail: msgRetry}, err)
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
	g.renderPage(w, r, http.StatusOK, "confirm", pageData{
		Title: msgLogoutTitle, Detail: detail, Button: msgLogOut,
		Action: g.cfg.PathPrefix + "/logout", CSRF: token, Mode: mode, Home: "/",
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

// csrfToken seals the session id into a short-lived token for the confirmation forms.
func (g *Gateway) csrfToken(sessionID string) (string, error) {
	return g.codecs.csrf.Encode("csrf", []byte(sessionID))
}

// validCSRF reports whether token was issued for the session sessionID and is still fresh.
func (g *Gateway) validCSRF(token, sessionID string) bool {
	if token == "" {
		return false
	}
	raw, err := g.codecs.csrf.Decode("csrf", token)
	return err == nil && subtle.ConstantTimeCompare(raw, []byte(sessionID)) == 1
}
