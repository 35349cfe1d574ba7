package kakao

import "strings"

// KOE codes: Kakao's authorization-server errors, shown on Kakao's own error
// page (authorize, logout) or sent as "error_code" in a token-endpoint error
// body.
const (
	KOE001 = "KOE001" // bad request parameters
	KOE002 = "KOE002" // wrong URL
	KOE003 = "KOE003" // temporary Kakao server error
	KOE004 = "KOE004" // Kakao Login is not enabled for the app
	KOE005 = "KOE005" // the user is not a member of a test app
	KOE006 = "KOE006" // the redirect URI is not registered
	KOE007 = "KOE007" // the logout redirect URI is not registered
	KOE008 = "KOE008" // wrong app key type
	KOE010 = "KOE010" // client secret required or mismatched (invalid_client)
	KOE101 = "KOE101" // wrong app key
	KOE102 = "KOE102" // channel parameter without a linked Kakao Talk channel
	KOE201 = "KOE201" // unsupported response_type
	KOE202 = "KOE202" // implicit grant (response_type=token) not supported
	KOE205 = "KOE205" // a requested scope is not set up as one of the app's consent items
	KOE237 = "KOE237" // token-issuance rate limit exceeded
	KOE303 = "KOE303" // redirect_uri differs from the one used at authorize (third-party mapping)
	KOE320 = "KOE320" // authorization code not found, already used or expired (invalid_grant)
	KOE322 = "KOE322" // refresh token expired or invalid (invalid_grant)
	KOE400 = "KOE400" // invalid ID token at tokeninfo (invalid_token)
)

// troubleShootingURL is Kakao Login's error-code reference.
const troubleShootingURL = "https://developers.kakao.com/docs/latest/ko/kakaologin/trouble-shooting"

// DescribeKOE explains a KOE code in words an operator can act on, for error
// pages and logs. The code is matched case-insensitively; a well-formed but
// unknown code points to Kakao's trouble-shooting guide, and anything that is
// not a KOE code is never echoed back.
func DescribeKOE(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	switch code {
	case KOE001:
		return "Kakao rejected the request parameters (KOE001): check the client id, redirect URI and scopes in the gateway configuration"
	case KOE002:
		return "Kakao was called at a wrong URL (KOE002): check the issuer/auth URL setting (default https://kauth.kakao.com)"
	case KOE003:
		return "Kakao had a temporary server error (KOE003): try again in a moment"
	case KOE004:
		return "Kakao Login is not enabled for this app (KOE004): turn it on in the Kakao console under Kakao Login"
	case KOE005:
		return "this Kakao account is not a member of the app's test team (KOE005): add it in the Kakao console under team members, or take the app live"
	case KOE006:
		return "the redirect URI is not registered in the Kakao console (KOE006): add the gateway's <path_prefix>/callback URL (default /.auth/callback, with the exact scheme and host) to the Redirect URIs of the REST API key in use (console before December 2025: Kakao Login > Redirect URI)"
	case KOE007:
		return "the logout redirect URI is not registered in the Kakao console (KOE007): add the gateway's <path_prefix>/logout/callback URL (default /.auth/logout/callback) next to the redirect URI, under the REST API key in use (console before December 2025: Kakao Login > Advanced > Logout Redirect URI)"
	case KOE008:
		return "the wrong kind of app key was used (KOE008): set client_id to the app's REST API key"
	case KOE010:
		return "the client secret is missing or wrong (KOE010): set client_secret to the app's Client Secret from the Kakao console (or turn the client secret off there)"
	case KOE101:
		return "the app key is wrong (KOE101): set client_id to the app's REST API key from the Kakao console"
	case KOE102:
		return "a channel was requested but the app has no linked Kakao Talk channel (KOE102): link one in the Kakao console or stop requesting it"
	case KOE201:
		return "Kakao supports only response_type=code (KOE201)"
	case KOE202:
		return "Kakao does not support the implicit grant (KOE202): use response_type=code"
	case KOE205:
		return "a requested scope is not one of the app's consent items (KOE205): Kakao stops on its own page and never comes back, so people cannot log in; set the item up in the Kakao console under Kakao Login > Consent items, or remove it from scopes and require_scope"
	case KOE237:
		return "Kakao's token-issuance rate limit was exceeded (KOE237): wait and try again; check for a login or refresh loop"
	case KOE303:
		return "the redirect URI differs from the one used to start the login (KOE303): make sure redirect_url is fixed, not derived from varying hosts"
	case KOE320:
		return "the authorization code was not found, already used or expired (KOE320): start the login again"
	case KOE322:
		return "the refresh token expired or is invalid (KOE322): the person must log in again"
	case KOE400:
		return "Kakao rejected the ID token (KOE400)"
	}
	if isKOECode(code) {
		return "Kakao error " + code + ": see " + troubleShootingURL
	}
	return "an unknown Kakao error: see " + troubleShootingURL
}

// isKOECode reports whether s is "KOE" followed by three digits.
func isKOECode(s string) bool {
	if len(s) != 6 || !strings.HasPrefix(s, "KOE") {
		return false
	}
	for i := 3; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
