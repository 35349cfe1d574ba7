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
// webhook's answer within 3 s. A failed attempt is queued and retried in the background.
const revokeTimeout = 2 * time.Second

// revokeUser ends every session of userID. When the store is down the revocation is queued
// and retried until it succeeds (Kakao never resends a webhook). It reports how many sessions
// ended and whether the revocation is still pending.
func (g *Gateway) revokeUser(r *http.Request, userID, source string) (ended int, queued bool) {
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
			return 0, false
		}
		g.logger.Info("user sessions ended", zap.String("request_id", id), zap.String("user_id", userID),
			zap.String("source", source), zap.Int("sessions", n))
		return n, false
	}
	n, queued, err := g.revoker.Revoke(ctx, userID)
	if err != nil {
		g.logger.Error("ending a user's sessions failed; queued for retry", zap.String("request_id", id),
			zap.String("user_id", userID), zap.String("source", source), zap.Bool("queued", queued), zap.Error(err))
		return 0, queued
	}
	g.logger.Info("user sessions ended", zap.String("request_id", id), zap.String("user_id", userID),
		zap.String("source", source), zap.Int("sessions", n))
	return n, false
}
