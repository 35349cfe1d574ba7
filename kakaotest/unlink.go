package kakaotest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Unlink unlinks the user as if from KakaoTalk's settings (referrer_type
// UNLINK_FROM_APPS): every token is revoked, every consent withdrawn, and
// then the unlink webhook is sent. The error reports an unknown or unlinked
// user (nothing happens then) or a failed delivery (the user is unlinked
// anyway: Kakao does not retry).
func (e *Emulator) Unlink(ctx context.Context, userID int64) error {
	return e.UnlinkWithReason(ctx, userID, ReferrerUnlinkFromApps)
}

// UnlinkWithReason is [Emulator.Unlink] with another referrer_type, such
// as [ReferrerAccountDelete].
func (e *Emulator) UnlinkWithReason(ctx context.Context, userID int64, referrerType string) error {
	if err := e.unlinkUser(userID); err != nil {
		return err
	}
	return e.sendWebhook(ctx, userID, referrerType)
}

// unlinkUser revokes the user's tokens and consents and unlinks the user.
func (e *Emulator) unlinkUser(id int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.users[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownUser, id)
	}
	if !s.linked {
		return fmt.Errorf("%w: %d", ErrNotLinked, id)
	}
	e.revokeUserLocked(id)
	s.linked, s.signedUp, s.connectedAt = false, false, time.Time{}
	clear(s.agreed)
	return nil
}

// handleUnlink serves POST /v1/user/unlink (Bearer, or the admin key with a
// target): the app unlinks the user itself, so no webhook is sent.
func (e *Emulator) handleUnlink(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, true, http.MethodPost)
	if !ok {
		return
	}
	if err := e.unlinkUser(c.userID); err != nil {
		writeAPIError(w, errNotLinked)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.userID})
}

// handleEmulatorUnlink serves POST /emulator/unlink?user_id=<id>
// [&referrer_type=<type>]: [Emulator.UnlinkWithReason] over HTTP. It answers
// {"id":..} once the webhook got 200, 502 with webhook_error when the
// delivery failed (the user is unlinked anyway), 404 for an unknown user and
// 400 for one not linked.
func (e *Emulator) handleEmulatorUnlink(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "malformed request"})
		return
	}
	id, err := strconv.ParseInt(r.Form.Get("user_id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "user_id must be a user id"})
		return
	}
	referrer := r.Form.Get("referrer_type")
	if referrer == "" {
		referrer = ReferrerUnlinkFromApps
	}
	if err := e.unlinkUser(id); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrUnknownUser) {
			status = http.StatusNotFound
		}
		writeJSON(w, status, map[string]any{"error": err.Error()})
		return
	}
	if err := e.sendWebhook(r.Context(), id, referrer); err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]any{"id": id, "webhook_error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id})
}

// handleTalkUser serves POST /emulator/talk_user?id=<id>:
// [Emulator.SetTalkUser] over HTTP.
func (e *Emulator) handleTalkUser(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "malformed request"})
		return
	}
	id, err := strconv.ParseInt(r.Form.Get("id"), 10, 64)
	if err == nil {
		err = e.SetTalkUser(id)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "id must be a test user id"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"talk_user": id})
}
