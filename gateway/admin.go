package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc/kakao"
)

// serveAdminRevoke handles POST <prefix>/admin/revoke?user_id=<id> with
// Authorization: Bearer <admin_token>: it ends every session of the user and, when native
// apps' Kakao tokens are accepted (bearer), revokes the user's Kakao tokens too.
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
	// Kakao first: the revocation's announcement makes every instance drop its cached answers
	// for the person's native-app tokens and ask Kakao again, and Kakao must refuse them by then
	// (asked in between, it would vouch for a token another instance then caches for minutes).
	kakaoRevoked, kakaoErr := g.revokeKakaoTokens(r, userID)
	ended, queued, err := g.revokeUser(r, userID, sourceAdmin)
	if err != nil {
		g.revocationFailed(w, r)
		return
	}
	answer := map[string]any{"user_id": userID, "sessions_ended": ended}
	status := http.StatusOK
	if queued {
		answer = map[string]any{"user_id": userID, "queued": true}
		status = http.StatusAccepted
	}
	if kakaoErr != nil {
		g.kakaoRevocationFailed(w, r, answer, kakaoErr)
		return
	}
	if kakaoRevoked {
		answer["kakao_tokens_revoked"] = true
	}
	writeJSON(w, status, answer)
}

// revokeKakaoTokens revokes every Kakao token of userID for this app (Kakao's /v1/user/logout
// with the admin key) when the gateway accepts native apps' Kakao access tokens (bearer):
// ending the user's sessions here does not stop a token the app holds, which Kakao would go
// on calling valid. It reports whether it did; a user id that is not a Kakao user's (another
// provider's, or not in the canonical decimal form Kakao's ids take here) has no Kakao
// tokens. Kakao's "not linked" counts as done: the person has no tokens left.
func (g *Gateway) revokeKakaoTokens(r *http.Request, userID string) (bool, error) {
	if g.bearer == nil || g.kakao == nil || g.cfg.AdminKey == "" {
		return false, nil
	}
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != userID {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), revokeTimeout)
	defer cancel()
	if _, err := g.kakao.LogoutUserAdmin(ctx, g.cfg.AdminKey, id); err != nil && !errors.Is(err, kakao.ErrNotLinked) {
		return false, err
	}
	g.logger.Info("user's Kakao tokens revoked", zap.String("request_id", g.requestID(r)), zap.String("user_id", userID))
	return true, nil
}

// kakaoRevocationFailed answers an admin revocation whose sessions ended (or were queued, as
// answer says) but whose Kakao tokens Kakao did not revoke: not a success, since a native
// app's token still works. Kakao unreachable or failing is 503: the revocation is idempotent,
// send it again. Kakao refusing (a wrong admin key, or one not allowed to call Logout) is 502
// and needs the configuration fixed first.
func (g *Gateway) kakaoRevocationFailed(w http.ResponseWriter, r *http.Request, answer map[string]any, err error) {
	status, message := http.StatusBadGateway, "the user's sessions ended (or were queued), but Kakao refused to revoke "+
		"their Kakao tokens: check admin_key, and that the key may call Logout (Kakao console), then send the revocation again"
	if kakao.IsTransient(err) {
		status, message = http.StatusServiceUnavailable, "the user's sessions ended (or were queued), but Kakao did not "+
			"revoke their Kakao tokens: send the revocation again"
		w.Header().Set("Retry-After", "5")
	}
	g.logger.Error("admin revocation: the user's sessions ended or were queued, but Kakao did not revoke their "+
		"tokens; a native app's token still works until the revocation is sent again", zap.String("request_id", g.requestID(r)),
		zap.Any("user_id", answer["user_id"]), zap.Error(err))
	answer["error"], answer["message"], answer["request_id"] = "kakao_revocation_failed", message, g.requestID(r)
	writeJSON(w, status, answer)
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
