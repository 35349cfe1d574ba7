package kakao

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Referrer types of the unlink webhook: why Kakao unlinked the user.
const (
	// ReferrerAccountDelete: the person deleted their Kakao Account.
	ReferrerAccountDelete = "ACCOUNT_DELETE"
	// ReferrerForcedAccountDelete: the account was deleted after long
	// dormancy or by customer service.
	ReferrerForcedAccountDelete = "FORCED_ACCOUNT_DELETE"
	// ReferrerUnlinkFromAdmin: Kakao's admin or customer service unlinked the user.
	ReferrerUnlinkFromAdmin = "UNLINK_FROM_ADMIN"
	// ReferrerUnlinkFromApps: the person unlinked the app in Kakao Account's
	// "connected services" or KakaoTalk's settings.
	ReferrerUnlinkFromApps = "UNLINK_FROM_APPS"
	// ReferrerIncompleteSignUp: a preregistered user was not linked with
	// /v1/user/signup within 24 hours.
	ReferrerIncompleteSignUp = "INCOMPLETE_SIGN_UP"
	// ReferrerRevokeAccountServiceTerms is seen only in third-party code
	// (unconfirmed by Kakao's documentation).
	ReferrerRevokeAccountServiceTerms = "REVOKE_ACCOUNT_SERVICE_TERMS"
	// ReferrerUnlinkFromService is seen only in third-party code
	// (unconfirmed by Kakao's documentation).
	ReferrerUnlinkFromService = "UNLINK_FROM_SERVICE"
)

// MaxWebhookBytes caps an unlink webhook's POST body and its query string.
const MaxWebhookBytes = 8 << 10

// maxReferrerBytes bounds the kept referrer_type.
const maxReferrerBytes = 64

// Unlink webhook errors. Answer ErrWebhookUnauthorized with 401 and revoke
// nothing; answer ErrWebhookBadRequest (which also covers a body over
// MaxWebhookBytes and an unsupported method) with 400.
var (
	// ErrWebhookUnauthorized: the Authorization header is missing or not
	// exactly "KakaoAK <admin key>", the app_id is not this app's, or the
	// parser was given an empty admin key or app id.
	ErrWebhookUnauthorized = errors.New("kakao: unlink webhook: unauthorized")
	// ErrWebhookBadRequest: the request is authenticated but malformed.
	ErrWebhookBadRequest = errors.New("kakao: unlink webhook: bad request")
)

// UnlinkEvent is an authenticated unlink webhook: Kakao has already unlinked
// UserID (its tokens are dead) and the service should end the person's
// sessions and, as its policy requires, delete their data.
type UnlinkEvent struct {
	// AppID is the app the user was unlinked from (equals the configured one).
	AppID string
	// UserID is the unlinked user's id; always positive.
	UserID int64
	// ReferrerType says why (see the Referrer* constants). It is kept as sent
	// (control characters dropped, at most 64 bytes) and may be empty or a
	// value this package does not know.
	ReferrerType string
	// GroupUserToken is sent only for group apps; opaque.
	GroupUserToken string
}

// ParseUnlinkWebhook authenticates and parses Kakao's unlink webhook, sent as
// GET with a query string or POST (as chosen in the Kakao console) with a
// form body or a JSON object body: Kakao's unlink guide says the POST body
// carries the fields, its webhook guide says JSON or query parameters, so
// all three are read. In a JSON body app_id and user_id may be strings or
// numbers. adminKey is the app's primary admin key, the one Kakao signs the
// webhook with. The Authorization header must be exactly "KakaoAK <adminKey>"
// (compared in constant time) and app_id must equal appID, else the error
// matches ErrWebhookUnauthorized; the header is checked before the request is
// parsed. user_id must be a positive decimal int64 without sign or leading
// zeros. A POST body is read up to MaxWebhookBytes; query parameters are
// read too, a parameter in the body replacing the same one in the query.
// A parameter repeated within the query or within the body is an error.
//
// Kakao expects HTTP 200 within 3 seconds, also for unknown users, and never
// retries: revoke asynchronously if needed. This function never logs.
func ParseUnlinkWebhook(r *http.Request, adminKey, appID string) (*UnlinkEvent, error) {
	if adminKey == "" || appID == "" {
		return nil, fmt.Errorf("%w: admin key or app id not configured", ErrWebhookUnauthorized)
	}
	if r == nil {
		return nil, fmt.Errorf("%w: no request", ErrWebhookBadRequest)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w: method not allowed", ErrWebhookBadRequest)
	}
	if !webhookKeyMatches(r.Header, adminKey) {
		return nil, fmt.Errorf("%w: missing or wrong KakaoAK authorization", ErrWebhookUnauthorized)
	}
	params, err := webhookParams(r)
	if err != nil {
		return nil, err
	}

	gotApp, err := single(params, "app_id")
	if err != nil || gotApp != appID {
		return nil, fmt.Errorf("%w: app_id does not match", ErrWebhookUnauthorized)
	}
	rawUser, err := single(params, "user_id")
	if err != nil {
		return nil, err
	}
	userID, ok := parseUserID(rawUser)
	if !ok {
		return nil, fmt.Errorf("%w: user_id is not a positive decimal id", ErrWebhookBadRequest)
	}
	ev := &UnlinkEvent{AppID: gotApp, UserID: userID}
	if len(params["referrer_type"]) > 1 || len(params["group_user_token"]) > 1 {
		return nil, fmt.Errorf("%w: repeated parameter", ErrWebhookBadRequest)
	}
	ev.ReferrerType = sanitizeReferrer(params.Get("referrer_type"))
	ev.GroupUserToken = params.Get("group_user_token")
	return ev, nil
}

// webhookKeyMatches reports whether r carries exactly one Authorization
// header equal to "KakaoAK <adminKey>". Both sides are hashed first, so the
// comparison takes the same time whatever the lengths.
func webhookKeyMatches(h http.Header, adminKey string) bool {
	values := h.Values("Authorization")
	if len(values) != 1 {
		return false
	}
	got := sha256.Sum256([]byte(values[0]))
	want := sha256.Sum256([]byte("KakaoAK " + adminKey))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// single returns the one value of key, or an error if it is absent or repeated.
func single(params url.Values, key string) (string, error) {
	switch v := params[key]; len(v) {
	case 0:
		return "", fmt.Errorf("%w: %s missing", ErrWebhookBadRequest, key)
	case 1:
		return v[0], nil
	default:
		return "", fmt.Errorf("%w: %s repeated", ErrWebhookBadRequest, key)
	}
}

// parseUserID accepts a canonical positive decimal int64: digits only, no
// sign, no leading zero.
func parseUserID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// sanitizeReferrer drops control characters and invalid UTF-8 and bounds the
// length, so the value is safe to log; it never rejects the event, since
// Kakao does not resend it.
func sanitizeReferrer(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	if len(s) > maxReferrerBytes {
		s = s[:maxReferrerBytes]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
