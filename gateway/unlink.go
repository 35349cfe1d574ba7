package gateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/session"
)

// serveUnlink handles <prefix>/unlink: GET shows a confirmation page; POST (with its CSRF
// token) unlinks the person from the app at Kakao and ends every session of theirs.
func (g *Gateway) serveUnlink(w http.ResponseWriter, r *http.Request) {
	ticket, sess, ok := g.kakaoConfirmSession(w, r)
	if !ok {
		return
	}
	if sess == nil {
		g.renderPage(w, r, http.StatusOK, "signedout", pageData{
			Title: msgNotSignedInTitle, Detail: msgUnlinkNeedsLogin, Home: g.publicHome(r),
			Retry: g.withResume(r, g.loginURL(g.cfg.PathPrefix+"/unlink")), RetryAs: msgLogIn,
		})
		return
	}
	if g.idpOf(sess) != g.primary() {
		// Unlinking is Kakao's: a session of another provider has nothing to unlink there.
		g.notFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		g.confirmPage(w, r, ticket, pageData{
			Title:  msgUnlinkTitle,
			Detail: msgUnlinkDetail,
			Button: msgDisconnect, Action: g.cfg.PathPrefix + "/unlink", Home: "/", Danger: true, Icon: "unlink",
		})
		return
	}
	refused := problem{
		Status: http.StatusForbidden, Code: "invalid_csrf",
		Title:  msgUnlinkCSRFTitle,
		Detail: msgUnlinkCSRFDetail,
		Retry:  g.cfg.PathPrefix + "/unlink", RetryAs: msgDisconnect,
	}
	if !g.confirmedPOST(w, r, ticket, sess, refusedForm{badForm: refused, badCSRF: refused}) {
		return
	}
	if err := g.unlinkAtKakao(r.Context(), sess); err != nil {
		g.fail(w, r, problem{
			Status: http.StatusBadGateway, Code: "unlink_failed",
			Title:  msgUnlinkFailedTitle,
			Detail: msgUnlinkFailedDetail,
			Retry:  g.cfg.PathPrefix + "/unlink", RetryAs: msgTryAgain,
		}, err)
		return
	}
	if _, _, err := g.revokeUser(r, sess.UserID, sourceUnlink); err != nil {
		g.storeUnavailable(w, r, err) // unlinked at Kakao; trying again ends the sessions
		return
	}
	g.cookies.expire(w, g.cookies.session)
	g.notifyUnlink(sess.UserID, "", sourceUnlink)
	g.markSignedOut(w)
	g.afterLogout(w, r)
}

// unlinkAtKakao calls Kakao's unlink API with the person's access token, or, when that token
// is no longer valid and an admin key is configured, with the admin key.
func (g *Gateway) unlinkAtKakao(ctx context.Context, sess *session.Session) error {
	_, err := g.kakao.Unlink(ctx, sess.AccessToken)
	if errors.Is(err, kakao.ErrTokenInvalid) && g.cfg.AdminKey != "" {
		id, perr := strconv.ParseInt(sess.UserID, 10, 64)
		if perr != nil {
			return err
		}
		_, err = g.kakao.UnlinkUserAdmin(ctx, g.cfg.AdminKey, id)
	}
	if errors.Is(err, kakao.ErrNotLinked) {
		return nil // already unlinked: what the person asked for
	}
	return err
}

// serveUnlinkWebhook handles Kakao's unlink webhook (GET or POST): it checks the admin key and
// app id, ends every session of the user (queued durably for retry if the store is down) and
// answers 200 quickly, also for users it never saw, as Kakao expects; 503 only when the
// revocation could neither be done nor queued.
func (g *Gateway) serveUnlinkWebhook(w http.ResponseWriter, r *http.Request) {
	if g.cfg.AdminKey == "" || g.cfg.AppID == "" {
		g.notFound(w, r)
		return
	}
	if !g.allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	ev, err := kakao.ParseUnlinkWebhook(r, g.cfg.AdminKey, g.cfg.AppID)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, kakao.ErrWebhookUnauthorized) {
			status = http.StatusUnauthorized
		}
		g.logger.Warn("unlink webhook refused", zap.String("request_id", g.requestID(r)), zap.Int("status", status), zap.Error(err))
		g.writeJSONError(w, r, status, "unauthorized", "the webhook's Authorization or body was not accepted")
		return
	}
	userID := strconv.FormatInt(ev.UserID, 10)
	g.logger.Info("unlink webhook", zap.String("request_id", g.requestID(r)), zap.String("user_id", userID),
		zap.String("referrer_type", ev.ReferrerType))
	if _, _, err := g.revokeUser(r, userID, sourceWebhook); err != nil {
		g.revocationFailed(w, r) // never 200 for a revocation that may be lost
		return
	}
	g.notifyUnlink(userID, ev.ReferrerType, sourceWebhook)
	setNoStore(w.Header())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK"))
}
