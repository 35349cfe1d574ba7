package kakaotest

import (
	"net/http"
	"strconv"
	"strings"
)

// caller is who a kapi request acts for.
type caller struct {
	userID int64
	admin  bool   // authenticated with the admin key (KakaoAK + target_id)
	appID  string // with admin: the app whose admin key it is
	family string // the login of the Bearer access token
	token  string // the Bearer access token
}

// apiCaller starts a user API handler: a method outside methods is answered 405, a request
// authenticate refuses gets Kakao's error; ok is false when it answered.
func (e *Emulator) apiCaller(w http.ResponseWriter, r *http.Request, allowAdmin bool, methods ...string) (caller, bool) {
	if !allowMethods(w, r, methods...) {
		return caller{}, false
	}
	c, apiErr := e.authenticate(r, allowAdmin)
	if apiErr != nil {
		writeAPIError(w, *apiErr)
		return caller{}, false
	}
	return c, true
}

// authenticate checks a kapi request's Authorization header: a live Bearer
// access token, or (when allowAdmin) "KakaoAK <admin key>" with
// target_id_type=user_id and target_id naming a linked user. It parses the
// request's form (query and body).
func (e *Emulator) authenticate(r *http.Request, allowAdmin bool) (caller, *apiError) {
	if err := r.ParseForm(); err != nil {
		return caller{}, ptr(badParam("malformed request body"))
	}
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		return e.bearer(cred)
	case scheme == "KakaoAK" && allowAdmin:
		return e.adminTarget(r, cred)
	case scheme == "KakaoAK":
		return caller{}, ptr(apiError{status: http.StatusUnauthorized, code: -401, msg: "this api needs a user access token"})
	default:
		return caller{}, ptr(errNoToken)
	}
}

// bearer looks up an access token.
func (e *Emulator) bearer(token string) (caller, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.access[token]
	if !ok {
		return caller{}, ptr(errNoToken)
	}
	if !at.expiry.After(e.now()) {
		return caller{}, ptr(errTokenExpired)
	}
	return caller{userID: at.userID, family: at.family, token: token}, nil
}

// adminTarget checks the admin key (the main app's or another app's) and the target user of
// an admin call.
func (e *Emulator) adminTarget(r *http.Request, key string) (caller, *apiError) {
	appID, known := e.adminKeyApp(key)
	if !known {
		return caller{}, ptr(errWrongAdminKey)
	}
	if r.Form.Get("target_id_type") != "user_id" {
		return caller{}, ptr(badParam("target_id_type must be user_id"))
	}
	id, err := strconv.ParseInt(r.Form.Get("target_id"), 10, 64)
	if err != nil {
		return caller{}, ptr(badParam("target_id must be a user id"))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.users[id]
	if !ok || !s.linked {
		return caller{}, ptr(errNotLinked)
	}
	return caller{userID: id, admin: true, appID: appID}, nil
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
