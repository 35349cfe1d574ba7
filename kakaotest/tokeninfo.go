package kakaotest

import (
	"net/http"
	"strconv"
	"time"
)

// pathAccessTokenInfo is Kakao's token check, the API a gateway calls for bearer tokens.
const pathAccessTokenInfo = "/v1/user/access_token_info"

// TokenInfoCalls returns how many requests reached /v1/user/access_token_info (faulted
// ones included): tests prove a gateway's bearer cache with it.
func (e *Emulator) TokenInfoCalls() int { return e.Calls(pathAccessTokenInfo) }

// handleAccessTokenInfo serves GET /v1/user/access_token_info (Bearer):
// {id, expires_in, app_id}, app_id being that of the app key the token was issued to.
func (e *Emulator) handleAccessTokenInfo(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, false, http.MethodGet)
	if !ok {
		return
	}
	e.mu.Lock()
	var left time.Duration
	appIDText := e.opts.AppID
	if at, ok := e.access[c.token]; ok {
		left = at.expiry.Sub(e.now())
		if at.clientID != "" {
			appIDText = e.appIDOf(at.clientID)
		}
	}
	e.mu.Unlock()
	appID, err := strconv.ParseInt(appIDText, 10, 64)
	var app any = appID
	if err != nil {
		app = appIDText
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.userID, "expires_in": seconds(left), "app_id": app})
}
