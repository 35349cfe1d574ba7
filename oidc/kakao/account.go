package kakao

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// TokenInfo is the answer of GET /v1/user/access_token_info.
type TokenInfo struct {
	// ID is the user id the token belongs to.
	ID int64 `json:"id"`
	// ExpiresIn is the token's remaining lifetime in seconds.
	ExpiresIn int64 `json:"expires_in"`
	// AppID is the id of the app the token was issued to.
	AppID int64 `json:"app_id"`
}

// Logout calls POST /v1/user/logout with the user's access token, which
// revokes that access token (and every device using it). It does not end the
// browser's Kakao Account session; see [AccountLogoutURL] for that. It
// returns the user id Kakao reports.
func (a *API) Logout(ctx context.Context, accessToken string) (int64, error) {
	cred, err := bearer(accessToken)
	if err != nil {
		return 0, err
	}
	return a.postForID(ctx, "/v1/user/logout", cred, nil)
}

// Unlink calls POST /v1/user/unlink with the user's access token: the user's
// tokens and consents are revoked and the next login asks for consent again.
// Kakao does not send the unlink webhook for an unlink the app made itself.
// It returns the user id Kakao reports.
func (a *API) Unlink(ctx context.Context, accessToken string) (int64, error) {
	cred, err := bearer(accessToken)
	if err != nil {
		return 0, err
	}
	return a.postForID(ctx, "/v1/user/unlink", cred, nil)
}

// Signup calls POST /v1/user/signup (manual link) for a preregistered user
// (has_signed_up=false, app auto-link off). properties, when non-empty, are
// saved as the user's custom properties (keys must be defined in the Kakao
// console, else code -201). An already-linked user yields an error matching
// [ErrAlreadyLinked]. It returns the user id Kakao reports.
func (a *API) Signup(ctx context.Context, accessToken string, properties map[string]string) (int64, error) {
	cred, err := bearer(accessToken)
	if err != nil {
		return 0, err
	}
	var params url.Values
	if len(properties) > 0 {
		props, err := json.Marshal(properties)
		if err != nil {
			return 0, fmt.Errorf("kakao: encoding properties: %w", err)
		}
		params = url.Values{"properties": {string(props)}}
	}
	return a.postForID(ctx, "/v1/user/signup", cred, params)
}

// TokenInfo calls GET /v1/user/access_token_info to learn which user and app
// an access token belongs to and how long it remains valid.
func (a *API) TokenInfo(ctx context.Context, accessToken string) (*TokenInfo, error) {
	cred, err := bearer(accessToken)
	if err != nil {
		return nil, err
	}
	var info TokenInfo
	if err := a.call(ctx, http.MethodGet, "/v1/user/access_token_info", cred, nil, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// UnlinkUserAdmin unlinks userID with the app's admin key
// (Authorization: KakaoAK, target_id_type=user_id). The admin key is a
// server-side secret; never send it to a browser.
func (a *API) UnlinkUserAdmin(ctx context.Context, adminKey string, userID int64) (int64, error) {
	return a.adminCall(ctx, "/v1/user/unlink", adminKey, userID)
}

// LogoutUserAdmin revokes every token of userID with the app's admin key
// (Authorization: KakaoAK, target_id_type=user_id).
func (a *API) LogoutUserAdmin(ctx context.Context, adminKey string, userID int64) (int64, error) {
	return a.adminCall(ctx, "/v1/user/logout", adminKey, userID)
}

// adminCall POSTs to path on behalf of userID and checks Kakao answers for
// that same user.
func (a *API) adminCall(ctx context.Context, path, key string, userID int64) (int64, error) {
	cred, err := adminKey(key)
	if err != nil {
		return 0, err
	}
	if userID <= 0 {
		return 0, fmt.Errorf("kakao: POST %s: user id %d is not positive", path, userID)
	}
	params := url.Values{
		"target_id_type": {"user_id"},
		"target_id":      {strconv.FormatInt(userID, 10)},
	}
	id, err := a.postForID(ctx, path, cred, params)
	if err != nil {
		return 0, err
	}
	if id != userID {
		return 0, fmt.Errorf("kakao: POST %s: answered for user %d, asked for %d", path, id, userID)
	}
	return id, nil
}

// errNoUserID reports an {"id": …} answer without a positive id.
var errNoUserID = errors.New("answer has no positive id")

// postForID POSTs a form and returns the "id" of the {"id": …} answer.
func (a *API) postForID(ctx context.Context, path string, cred credential, params url.Values) (int64, error) {
	var out struct {
		ID *int64 `json:"id"`
	}
	if err := a.call(ctx, http.MethodPost, path, cred, params, &out); err != nil {
		return 0, err
	}
	if out.ID == nil || *out.ID <= 0 {
		return 0, fmt.Errorf("kakao: POST %s: %w", path, errNoUserID)
	}
	return *out.ID, nil
}
