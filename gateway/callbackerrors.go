package gateway

import (
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/kakao"
)

// providerError answers an authorization response that carries an error instead of a code.
// The provider's error_description is never shown (it is attacker-controllable text); the
// page explains the error code in our own words.
func (g *Gateway) providerError(w http.ResponseWriter, r *http.Request, idp *idp, ls *loginState, code string) {
	code = boundedCode(code)
	p := problem{
		Status: http.StatusBadRequest, Code: "provider_error",
		Title:  msgProviderErrorTitle,
		Detail: msgProviderErrorDetail,
		Retry:  g.loginURL(ls.ReturnTo), RetryAs: msgTryAgain,
	}
	if g.kakao != nil && !idp.extra {
		p.Detail = msgProviderErrorDetailKakao
	}
	switch code {
	case "access_denied":
		p.Status, p.Code = http.StatusForbidden, "access_denied"
		p.Title = msgCancelledTitle
		p.Detail = msgCancelledDetail
	case "consent_required", "login_required", "interaction_required":
		p.Status, p.Code = http.StatusUnauthorized, code
		p.Title = msgConfirmTitle
		p.Detail = msgConfirmDetail
	case "invalid_scope":
		p.Code = "invalid_scope"
		p.Title = msgScopeUnknownTitle
		p.Detail = msgScopeUnknownDetail
	}
	g.failLogin(w, r, idp, p, errors.New("provider answered "+code))
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
			Title:  msgCodeUsedTitle,
			Detail: msgCodeUsedDetail,
			Retry:  retry, RetryAs: msgLogInAgain}
	case errors.Is(err, oidc.ErrProviderUnavailable):
		// Before the *TokenError case: a 5xx token answer is an outage, not a refusal.
		return problem{Status: http.StatusServiceUnavailable, Code: "provider_unavailable",
			Title:  msgProviderDownTitle,
			Detail: msgRetryLater, Retry: retry, RetryAs: msgTryAgain}
	case errors.As(err, &te):
		return problem{Status: http.StatusBadGateway, Code: "token_request_refused",
			Title:  msgTokenRefusedTitle,
			Detail: msgTokenRefusedDetail,
			Retry:  retry, RetryAs: msgTryAgain}
	case errors.Is(err, oidc.ErrInvalidIDToken), errors.Is(err, oidc.ErrNonceMismatch),
		errors.Is(err, oidc.ErrSubjectMismatch), errors.Is(err, errUserMismatch):
		return problem{Status: http.StatusUnauthorized, Code: "invalid_id_token",
			Title:  msgIDTokenTitle,
			Detail: msgIDTokenDetail,
			Retry:  retry, RetryAs: msgLogInAgain}
	default:
		return problem{Status: http.StatusBadGateway, Code: "provider_error",
			Title:  msgProviderBadTitle,
			Detail: msgRetryLater, Retry: retry, RetryAs: msgTryAgain}
	}
}

// kakaoErrorField explains, for the operator's log line, the Kakao error code (KOE…) a failed
// token request answered with: what it means and the fix, in our own words. It is skipped for
// any other error. Kakao's error_description is never logged: it may echo the code sent.
func kakaoErrorField(err error) zap.Field {
	var te *oidc.TokenError
	if !errors.As(err, &te) || te.KakaoCode == "" {
		return zap.Skip()
	}
	return zap.String("kakao_error", kakao.DescribeKOE(te.KakaoCode))
}
