package gateway

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Sources of a revocation, as logged and as sent to on_unlink.
const (
	sourceUnlink  = "unlink"
	sourceWebhook = "webhook"
	sourceAdmin   = "admin"
)

// revokeTimeout bounds the synchronous attempt to end a user's sessions; Kakao expects the
// webhook's answer within 3 s. A failed attempt is queued (on disk, with a journal) and
// retried in the background.
const revokeTimeout = 2 * time.Second

// revokeUser ends every session of userID. When the store is down the revocation is queued
// (written to the revocation journal and fsynced first, when there is one) and retried until
// it succeeds (Kakao never resends a webhook); meanwhile the user's sessions are refused. It
// reports how many sessions ended and whether the revocation is queued. A non-nil error means
// it neither happened nor was queued: the caller must answer 503, never acknowledge it.
func (g *Gateway) revokeUser(r *http.Request, userID, source string) (ended int, queued bool, err error) {
	g.metrics.Revocation(source)
	if g.bearer != nil {
		g.bearer.dropUser(userID) // at once here, whatever the store says; other instances hear it from the store
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), revokeTimeout)
	defer cancel()
	id := g.requestID(r)
	if g.revoker == nil {
		n, err := g.sessions.DeleteUser(ctx, userID)
		if err != nil {
			g.logger.Error("ending a user's sessions failed and cannot be retried", zap.String("request_id", id),
				zap.String("user_id", userID), zap.String("source", source), zap.Error(err))
			return 0, false, err
		}
		g.logger.Info("user sessions ended", zap.String("request_id", id), zap.String("user_id", userID),
			zap.String("source", source), zap.Int("sessions", n))
		return n, false, nil
	}
	n, queued, err := g.revoker.Revoke(ctx, userID)
	switch {
	case err != nil && queued:
		g.logger.Error("ending a user's sessions failed; queued for retry", zap.String("request_id", id),
			zap.String("user_id", userID), zap.String("source", source), zap.Bool("queued", queued), zap.Error(err))
		return 0, true, nil
	case err != nil:
		g.logger.Error("ending a user's sessions failed and the revocation could not be queued: NOT acknowledged",
			zap.String("request_id", id), zap.String("user_id", userID), zap.String("source", source), zap.Error(err))
		return 0, false, err
	}
	g.logger.Info("user sessions ended", zap.String("request_id", id), zap.String("user_id", userID),
		zap.String("source", source), zap.Int("sessions", n))
	return n, false, nil
}

// revocationFailed answers 503 to a revocation request that could neither end the user's
// sessions nor queue the revocation, so that its sender tries again.
func (g *Gateway) revocationFailed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "5")
	g.writeJSONError(w, r, http.StatusServiceUnavailable, "revocation_failed",
		"the sessions could not be ended nor the revocation queued; try again")
}
