package kakao

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kakao API (kapi) error codes, from Kakao's trouble-shooting table and its
// Flutter SDK. Each arrives in the "code" field of an error body.
const (
	CodeInternal          = -1    // transient internal error; do not log the user out
	CodeIllegalParams     = -2    // missing or invalid parameter, or a malformed token
	CodeUnsupportedAPI    = -3    // API prerequisite not configured, or operation not allowed
	CodeBlockedAccount    = -4    // the Kakao Account is blocked
	CodeAccessDenied      = -5    // the user cancelled
	CodeDeprecatedAPI     = -9    // the API is deprecated
	CodeAPILimitExceeded  = -10   // quota exceeded (HTTP 429)
	CodeBlockedApp        = -12   // the app is blocked
	CodeSuspendedApp      = -13   // the app is suspended (inactive)
	CodeNotLinked         = -101  // the user is not linked to the app
	CodeAlreadyLinked     = -102  // the user is already linked (manual link)
	CodeAccountNotExist   = -103  // dormant or nonexistent Kakao Account
	CodeUnknownProperty   = -201  // unknown user-property key
	CodeAppNotExist       = -301  // the app does not exist
	CodeInvalidToken      = -401  // invalid or expired token or app key: refresh
	CodeInsufficientScope = -402  // consent missing: see RequiredScopes
	CodeAgeVerification   = -405  // age verification required
	CodeUnderAgeLimit     = -406  // under the app's age limit
	CodeDeveloperNotExist = -903  // the app's developer account is missing
	CodeUnderMaintenance  = -9798 // service maintenance
)

// Sentinel errors that an *APIError matches with errors.Is.
var (
	// ErrTokenInvalid: the access token (or app key) is invalid or expired
	// (code -401). Refresh the token; if that fails, the session is over.
	ErrTokenInvalid = errors.New("kakao: access token invalid or expired")
	// ErrInsufficientScope: the user has not consented to what the call needs
	// (code -402). APIError.RequiredScopes lists the scopes to request.
	ErrInsufficientScope = errors.New("kakao: insufficient scope")
	// ErrNotLinked: the user is not linked to the app (code -101).
	ErrNotLinked = errors.New("kakao: user not linked to the app")
	// ErrAlreadyLinked: the user is already linked (code -102, manual link).
	ErrAlreadyLinked = errors.New("kakao: user already linked to the app")
)

// maxMsgBytes bounds the server-provided strings kept in an APIError.
const maxMsgBytes = 256

// APIError is an error answer of Kakao's API server: a non-2xx HTTP status,
// usually with a body like {"msg":"this access token does not exist","code":-401}.
type APIError struct {
	// Endpoint is the call that failed, e.g. "GET /v2/user/me".
	Endpoint string
	// HTTPStatus is the HTTP status code of the answer.
	HTTPStatus int
	// Code is Kakao's negative error code (see the Code* constants), or 0
	// when the body was not a Kakao error body.
	Code int
	// Msg is Kakao's human-readable message (truncated to 256 bytes).
	Msg string
	// Reason is Kakao's optional machine reason, e.g. "ACCESS_TOKEN_EXPIRED".
	Reason string
	// APIType is Kakao's optional "api_type" field, e.g. "USER_MY_INFO".
	APIType string
	// RequiredScopes lists the scopes to request with additional consent
	// (sent with -402).
	RequiredScopes []string
	// AllowedScopes lists the scopes the user has already agreed to (sent
	// with -402).
	AllowedScopes []string
	// AuthError is the "error" parameter of a Bearer WWW-Authenticate
	// challenge (RFC 6750), e.g. "invalid_token", when the answer had one.
	AuthError string
}

// Error describes the failure without any token or key.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("kakao: ")
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, "api error %d (HTTP %d)", e.Code, e.HTTPStatus)
	} else {
		fmt.Fprintf(&b, "unexpected HTTP status %d", e.HTTPStatus)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if len(e.RequiredScopes) > 0 {
		b.WriteString(" (required scopes: ")
		b.WriteString(strings.Join(e.RequiredScopes, ","))
		b.WriteString(")")
	}
	return b.String()
}

// Is lets errors.Is match the package's sentinel errors by Kakao code. An
// answer without a Kakao code but with a Bearer challenge of error
// "invalid_token" or "insufficient_scope" matches the same sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrTokenInvalid:
		return e.Code == CodeInvalidToken || (e.Code == 0 && e.AuthError == "invalid_token")
	case ErrInsufficientScope:
		return e.Code == CodeInsufficientScope || (e.Code == 0 && e.AuthError == "insufficient_scope")
	case ErrNotLinked:
		return e.Code == CodeNotLinked
	case ErrAlreadyLinked:
		return e.Code == CodeAlreadyLinked
	}
	return false
}

// IsTransient reports whether err is a temporary failure on Kakao's side or
// on the way there, after which a session must be kept and the call retried
// later: no answer at all ([ErrUnavailable]: network failure or timeout),
// code -1, HTTP 5xx, rate limiting (HTTP 429 or code -10) or maintenance
// (code -9798).
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch {
	case ae.Code == CodeInternal, ae.Code == CodeAPILimitExceeded, ae.Code == CodeUnderMaintenance:
		return true
	case ae.HTTPStatus >= 500, ae.HTTPStatus == http.StatusTooManyRequests:
		return true
	}
	return false
}

// parseAPIError builds the *APIError for a non-2xx answer. A body that is not
// Kakao's error JSON leaves Code zero; its content is not echoed.
func parseAPIError(endpoint string, status int, h http.Header, body []byte) *APIError {
	e := &APIError{Endpoint: endpoint, HTTPStatus: status, AuthError: bearerError(h.Get("WWW-Authenticate"))}
	// Decode field by field so one odd field never hides the code.
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return e
	}
	var code json.Number
	if json.Unmarshal(fields["code"], &code) == nil {
		if n, err := strconv.Atoi(code.String()); err == nil {
			e.Code = n
		}
	}
	e.Msg = clip(jsonString(fields["msg"]))
	e.Reason = clip(jsonString(fields["reason"]))
	e.APIType = clip(jsonString(fields["api_type"]))
	e.RequiredScopes = jsonStrings(fields["required_scopes"])
	e.AllowedScopes = jsonStrings(fields["allowed_scopes"])
	return e
}

// jsonString decodes a JSON string, or returns "" for anything else.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonStrings decodes a JSON array of strings (clipped, at most 64), or
// returns nil for anything else.
func jsonStrings(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil
	}
	if len(list) > 64 {
		list = list[:64]
	}
	for i := range list {
		list[i] = clip(list[i])
	}
	return list
}

// clip bounds a server-provided string and drops control characters, so it
// is safe to log and show.
func clip(s string) string {
	if len(s) > maxMsgBytes {
		s = s[:maxMsgBytes]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// bearerError returns the "error" auth-param of a Bearer challenge such as
// `Bearer realm="oauth", error="invalid_token"` or `Bearer error=invalid_token`.
func bearerError(h string) string {
	const maxLen = 1024
	if len(h) > maxLen {
		return ""
	}
	scheme, params, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	for rest := params; rest != ""; {
		rest = strings.TrimLeft(rest, " \t,")
		name, after, ok := strings.Cut(rest, "=")
		if !ok {
			return ""
		}
		name = strings.TrimSpace(name)
		after = strings.TrimLeft(after, " \t")
		var value string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				return ""
			}
			value, rest = after[1:1+end], after[2+end:]
		} else {
			end := strings.IndexAny(after, ", \t")
			if end < 0 {
				end = len(after)
			}
			value, rest = after[:end], after[end:]
		}
		if strings.EqualFold(name, "error") {
			return clip(value)
		}
	}
	return ""
}
