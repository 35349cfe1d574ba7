package gateway

import (
	"net/http"
	"strings"

	"github.com/kakaogate/kakaogate/config"
)

// emailDomainClaim is the pseudo-claim of allow rules that tests a verified email's domain.
const emailDomainClaim = "email_domain"

// accessPolicy is the configured allow rules: every rule must match, and a rule matches when
// the claim equals any of its values.
type accessPolicy []config.AllowRule

// allows reports whether a session with claims may pass. Only verified emails are ever in the
// claims (Kakao: valid and verified; OIDC: email_verified), so email_domain never matches an
// address nobody proved.
func (p accessPolicy) allows(claims map[string]string) bool {
	for _, rule := range p {
		if !ruleMatches(rule, claims) {
			return false
		}
	}
	return true
}

func ruleValue(claims map[string]string, claim string) (string, bool) {
	if claim != emailDomainClaim {
		v, ok := claims[claim]
		return v, ok
	}
	email := claims["email"]
	at := strings.LastIndexByte(email, '@')
	if at < 0 || at == len(email)-1 {
		return "", false
	}
	return email[at+1:], true
}

func ruleMatches(rule config.AllowRule, claims map[string]string) bool {
	v, ok := ruleValue(claims, rule.Claim)
	if !ok || v == "" {
		return false
	}
	for _, want := range rule.Values {
		if rule.Claim == emailDomainClaim {
			if strings.EqualFold(v, want) {
				return true
			}
		} else if v == want {
			return true
		}
	}
	return false
}

// denied answers a signed-in person whom the access rules refuse: a 403 page, never a login
// (logging in again would not change who they are).
func (g *Gateway) denied(w http.ResponseWriter, r *http.Request, userID string) {
	g.fail(w, r, problem{
		Status: http.StatusForbidden, Code: "access_denied",
		Title:  msgDeniedTitle,
		Detail: msgDeniedDetail,
		Retry:  g.cfg.PathPrefix + "/logout", RetryAs: msgLogOut, Page: "denied",
	}, errDenied{userID})
}

// errDenied is logged when the access rules refuse a user.
type errDenied struct{ userID string }

func (e errDenied) Error() string { return "access rules refuse user " + e.userID }
