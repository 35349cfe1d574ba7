package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// serveAdminRevoke handles POST <prefix>/admin/revoke?user_id=<id> with
// Authorization: Bearer <admin_token>: it ends every session of the user.
func (g *Gateway) serveAdminRevoke(w http.ResponseWriter, r *http.Request) {
	if g.cfg.AdminToken == "" {
		g.notFound(w, r)
		return
	}
	if !g.allowMethods(w, r, http.MethodPost) {
		return
	}
	if !g.validAdminToken(r.Header.Get("Authorization")) {
		g.logger.Warn("admin revocation refused: missing or wrong admin token", zap.String("request_id", g.requestID(r)))
		w.Header().Set("WWW-Authenticate", `Bearer realm="kakaogate admin"`)
		g.writeJSONError(w, r, http.StatusUnauthorized, "unauthorized", "send Authorization: Bearer <admin_token>")
		return
	}
	userID := r.URL.Query().Get("user_id")
	if userID == "" || len(userID) > 255 || strings.ContainsAny(userID, "\x00\r\n") {
		g.writeJSONError(w, r, http.StatusBadRequest, "invalid_request", "user_id is required")
		return
	}
	ended, queued, err := g.revokeUser(r, userID, sourceAdmin)
	if err != nil {
		g.revocationFailed(w, r)
		return
	}
	if queued {
		writeJSON(w, http.StatusAccepted, map[string]any{"user_id": userID, "queued": true})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_id": userID, "sessions_ended": ended})
}

// validAdminToken compares the bearer token with admin_token in constant time (both hashed
// first, so not even the length leaks).
func (g *Gateway) validAdminToken(header string) bool {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return false
	}
	got := sha256.Sum256([]byte(token))
	want := sha256.Sum256([]byte(g.cfg.AdminToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
