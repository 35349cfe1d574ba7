package kakaotest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// contentTypeJSON is the Content-Type of every JSON response, as Kakao sends it.
const contentTypeJSON = "application/json;charset=UTF-8"

// writeJSON writes v as a JSON response with the given status. Responses
// are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "kakaotest: encoding response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// authError is kauth's error body.
type authError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Code        string `json:"error_code,omitempty"`
}

// writeAuthError writes kauth's {"error","error_description","error_code"}.
func writeAuthError(w http.ResponseWriter, status int, oauthError, description, koe string) {
	writeJSON(w, status, authError{Error: oauthError, Description: description, Code: koe})
}

// apiError is a kapi error: the negative code, its HTTP status and message,
// and for -402 the scopes to ask for.
type apiError struct {
	status         int
	code           int
	msg            string
	requiredScopes []string
	apiType        string
}

// Common kapi errors.
var (
	errNoToken       = apiError{status: http.StatusUnauthorized, code: -401, msg: "this access token does not exist"}
	errTokenExpired  = apiError{status: http.StatusUnauthorized, code: -401, msg: "this access token is already expired"}
	errWrongAdminKey = apiError{status: http.StatusUnauthorized, code: -401, msg: "wrong appKey type. adminKey is required"}
	errNotLinked     = apiError{status: http.StatusBadRequest, code: -101, msg: "NotRegisteredUserException"}
	errAlreadyLinked = apiError{status: http.StatusBadRequest, code: -102, msg: "already registered"}
	// errUnknownProperty: a user property key the app has not defined [msg unconfirmed].
	errUnknownProperty = apiError{status: http.StatusBadRequest, code: -201, msg: "invalid property key"}
	errMethod          = apiError{status: http.StatusMethodNotAllowed, code: -2, msg: "method not allowed"}
)

// badParam is kapi's -2 "missing or invalid parameter".
func badParam(msg string) apiError {
	return apiError{status: http.StatusBadRequest, code: -2, msg: msg}
}

// writeAPIError writes kapi's {"msg","code"} (and required_scopes for -402).
// A -401 also carries WWW-Authenticate: Bearer error=invalid_token.
func writeAPIError(w http.ResponseWriter, e apiError) {
	body := map[string]any{"msg": e.msg, "code": e.code}
	if e.requiredScopes != nil {
		body["required_scopes"] = e.requiredScopes
	}
	if e.apiType != "" {
		body["api_type"] = e.apiType
	}
	if e.code == -401 {
		w.Header().Set("WWW-Authenticate", "Bearer error=invalid_token")
	}
	writeJSON(w, e.status, body)
}

// allowMethods reports whether r uses one of methods; otherwise it writes
// kapi's method error with an Allow header.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeAPIError(w, errMethod)
	return false
}
