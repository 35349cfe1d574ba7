package oidc

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with [errors.Is]; the errors this
// package returns wrap them together with context.
var (
	// ErrProviderUnavailable reports that the identity provider could not be
	// reached or answered with something unusable (discovery, JWKS, a 5xx from
	// the token endpoint, a timeout). It is transient: later calls retry.
	ErrProviderUnavailable = errors.New("oidc: provider unavailable")

	// ErrInvalidIDToken reports an ID token that failed verification: its
	// form, header, signature or claims.
	ErrInvalidIDToken = errors.New("oidc: invalid id token")

	// ErrTokenExpired reports an ID token whose exp lies in the past beyond
	// the leeway. Errors wrapping it also wrap [ErrInvalidIDToken].
	ErrTokenExpired = errors.New("oidc: id token expired")

	// ErrNonceMismatch reports an ID token whose nonce is missing or differs
	// from the one sent in the authorization request. Errors wrapping it also
	// wrap [ErrInvalidIDToken].
	ErrNonceMismatch = errors.New("oidc: nonce mismatch")

	// ErrSubjectMismatch reports a subject that differs from the expected one:
	// a userinfo response whose sub is not the ID token's, or a refreshed ID
	// token for another user.
	ErrSubjectMismatch = errors.New("oidc: subject mismatch")

	// ErrStateMismatch reports an authorization response whose state is
	// missing or is not the one bound to the browser.
	ErrStateMismatch = errors.New("oidc: state mismatch")

	// ErrIssuerMismatch reports an authorization response whose iss parameter
	// (RFC 9207) is missing although the provider promises it, or names
	// another issuer.
	ErrIssuerMismatch = errors.New("oidc: issuer mismatch")

	// ErrInvalidGrant reports a token endpoint answer of invalid_grant: the
	// code or refresh token is unknown, used, expired, or bound to another
	// client, redirect URI or PKCE verifier. A refresh that fails this way
	// means the session must end.
	ErrInvalidGrant = errors.New("oidc: invalid grant")

	// ErrInvalidToken reports an access token the userinfo endpoint refused
	// (invalid_token, HTTP 401).
	ErrInvalidToken = errors.New("oidc: invalid access token")

	// ErrAccessDenied reports an authorization response with
	// error=access_denied: the user (or the provider) declined.
	ErrAccessDenied = errors.New("oidc: access denied")

	// ErrInvalidResponse reports a provider answer that is malformed:
	// not JSON, wrong types, missing required members, wrong token_type.
	ErrInvalidResponse = errors.New("oidc: invalid provider response")

	// ErrResponseTooLarge reports a provider answer whose body exceeds the
	// cap for that endpoint.
	ErrResponseTooLarge = errors.New("oidc: response body too large")
)

// TokenError is an error answer from the token endpoint (RFC 6749 section
// 5.2), or from the userinfo endpoint (RFC 6750 section 3.1).
//
// errors.Is(err, ErrInvalidGrant) holds when Code is invalid_grant,
// errors.Is(err, ErrInvalidToken) when Code is invalid_token, and
// errors.Is(err, ErrProviderUnavailable) when StatusCode is 5xx.
type TokenError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is the OAuth "error" member, e.g. "invalid_grant".
	Code string
	// Description is the "error_description" member. It comes from the
	// provider: never render it into HTML unescaped.
	Description string
	// KakaoCode is Kakao's "error_code" member (e.g. "KOE320"), when present.
	KakaoCode string
}

// Error implements error.
func (e *TokenError) Error() string {
	msg := fmt.Sprintf("oidc: token error: status %d", e.StatusCode)
	if e.Code != "" {
		msg += fmt.Sprintf(", error %q", e.Code)
	}
	if e.KakaoCode != "" {
		msg += fmt.Sprintf(", error_code %q", e.KakaoCode)
	}
	// Description stays out of the message: it is the provider's free text and may echo
	// what was sent (Kakao's KOE320 answer repeats the authorization code), so printing or
	// logging the error must never include it. Callers that need it read the field.
	return msg
}

// Is reports whether e matches one of the package's sentinels.
func (e *TokenError) Is(target error) bool {
	switch target {
	case ErrInvalidGrant:
		return e.Code == "invalid_grant"
	case ErrInvalidToken:
		return e.Code == "invalid_token"
	case ErrProviderUnavailable:
		return e.StatusCode >= 500
	}
	return false
}

// AuthError is an error answer in the authorization response redirected back
// to the client (RFC 6749 section 4.1.2.1).
//
// errors.Is(err, ErrAccessDenied) holds when Code is access_denied.
type AuthError struct {
	// Code is the "error" parameter, e.g. "access_denied" or "login_required".
	Code string
	// Description is the "error_description" parameter. It comes from the
	// browser: never render it into HTML unescaped.
	Description string
}

// Error implements error. The description is left out: it is
// attacker-controlled text that may end up in a page or a log.
func (e *AuthError) Error() string {
	return fmt.Sprintf("oidc: authorization error %.64q", e.Code)
}

// Is reports whether e matches one of the package's sentinels.
func (e *AuthError) Is(target error) bool {
	return target == ErrAccessDenied && e.Code == "access_denied"
}

// tokenInvalidError is a verification failure of a token. It matches its class
// (ErrInvalidIDToken, or ErrInvalidLogoutToken for logout tokens), its kind
// (ErrNonceMismatch, ...) when set, and unwraps to its cause.
type tokenInvalidError struct {
	class  error // ErrInvalidIDToken when nil
	reason string
	kind   error
	cause  error
}

// Error implements error: the class, then the reason and the cause.
func (e *tokenInvalidError) Error() string {
	msg := e.classError().Error()
	for _, part := range []string{e.reason, e.causeText()} {
		if part != "" {
			msg += ": " + part
		}
	}
	return msg
}

func (e *tokenInvalidError) classError() error {
	if e.class == nil {
		return ErrInvalidIDToken
	}
	return e.class
}

func (e *tokenInvalidError) causeText() string {
	if e.cause == nil {
		return ""
	}
	return e.cause.Error()
}

// Is matches the error's class and kind.
func (e *tokenInvalidError) Is(target error) bool {
	return target == e.classError() || (e.kind != nil && target == e.kind)
}

// Unwrap returns the underlying cause, if any.
func (e *tokenInvalidError) Unwrap() error { return e.cause }

// invalidf returns a verification failure with a formatted reason.
func invalidf(format string, args ...any) error {
	return &tokenInvalidError{reason: fmt.Sprintf(format, args...)}
}

// invalidKind returns a verification failure that also matches kind.
func invalidKind(kind error, format string, args ...any) error {
	return &tokenInvalidError{reason: fmt.Sprintf(format, args...), kind: kind}
}

// invalidCause returns a verification failure wrapping cause.
func invalidCause(cause error, format string, args ...any) error {
	return &tokenInvalidError{reason: fmt.Sprintf(format, args...), cause: cause}
}

// invalidBecause returns an ID token verification failure whose reason is the
// plain error reason (from the claim checks shared with logout tokens).
func invalidBecause(reason error) error {
	return &tokenInvalidError{cause: reason}
}
