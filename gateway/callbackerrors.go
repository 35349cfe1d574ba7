package gateway

import (
	"errors"
	"net/http"

	"github.com/kakaogate/kakaogate/oidc"
)

// providerError answers an authorization response that carries an error instead of a code.
// The provider's error_description is never shown (it is attacker-controllable text); the
// page explains the error code in our own words.
func (g *Gateway) providerError(w http.ResponseWriter, r *http.Request, ls *loginState, code string) {
	code = boundedCode(code)
	p := problem{
		Status: http.StatusBadRequest, Code: "provider_error",
		Title:  "Sign-in did not complete",
		Detail: "The login provider could not complete the sign-in. Please try again.",
		Retry:  g.loginURL(ls.ReturnTo), RetryAs: "Try again",
	}
	switch code {
	case "access_denied":
		p.Status, p.Code = http.StatusForbidden, "access_denied"
		p.Title = "Sign-in was cancelled"
		p.Detail = "You chose not to sign in. You can try again whenever you like."
	case "consent_required", "login_required", "interaction_required":
		p.Status, p.Code = http.StatusUnauthorized, code
		p.Title = "Please sign in"
		p.Detail = "Signing in needs your confirmation on the login page."
	case "invalid_scope":
		p.Code = "invalid_scope"
		p.Title = "This site asked for permissions the login provider does not offer"
		p.Detail = "The site's sign-in settings need fixing. Please let the site's operator know."
	}
	g.fail(w, r, p, errors.New("provider answered "+code))
}

// boundedCode cuts an error code taken from a request to a loggable length.
func boundedCode(code string) string {
	if len(code) > 64 {
		return code[:64]
	}
	return code
}

// redeemProblem chooses the answer to a failed code redemption: 4xx for what the client or
// the token presented, 502/503 for a provider that failed.
func (g *Gateway) redeemProblem(err error, returnTo string) problem {
	retry := g.loginURL(returnTo)
	var te *oidc.TokenError
	switch {
	case errors.Is(err, oidc.ErrInvalidGrant):
		return problem{Status: http.StatusBadRequest, Code: "invalid_grant",
			Title:  "This sign-in link has already been used",
			Detail: "Sign-in codes work once and only for a few minutes. Please start again.",
			Retry:  retry, RetryAs: "Log in again"}
	case errors.Is(err, oidc.ErrProviderUnavailable):
		// Before the *TokenError case: a 5xx token answer is an outage, not a refusal.
		return problem{Status: http.StatusServiceUnavailable, Code: "provider_unavailable",
			Title:  "The login service cannot be reached",
			Detail: "Please try again in a moment.", Retry: retry, RetryAs: "Try again"}
	case errors.As(err, &te):
		return problem{Status: http.StatusBadGateway, Code: "token_request_refused",
			Title:  "The login provider refused the sign-in",
			Detail: "The site's sign-in settings may need fixing. Please try again later or tell the site's operator.",
			Retry:  retry, RetryAs: "Try again"}
	case errors.Is(err, oidc.ErrInvalidIDToken), errors.Is(err, oidc.ErrNonceMismatch),
		errors.Is(err, oidc.ErrSubjectMismatch), errors.Is(err, errUserMismatch):
		return problem{Status: http.StatusUnauthorized, Code: "invalid_id_token",
			Title:  "We could not verify your sign-in",
			Detail: "The sign-in could not be confirmed, so you were not signed in. Please start again.",
			Retry:  retry, RetryAs: "Log in again"}
	default:
		return problem{Status: http.StatusBadGateway, Code: "provider_error",
			Title:  "The login service did not answer properly",
			Detail: "Please try again in a moment.", Retry: retry, RetryAs: "Try again"}
	}
}
