package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/session"
)

// maxConsentScopes bounds the scopes one consent request may ask for.
const maxConsentScopes = 20

// missingScopes lists the required scopes the session has not been granted.
func (g *Gateway) missingScopes(sess *session.Session) []string {
	var missing []string
	for _, s := range g.cfg.RequireScopes {
		if !slices.Contains(sess.Scopes, s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// askConsent sends a browser to the provider's additional-consent screen for the missing
// scopes (Kakao: scope=<missing,comma-separated>,openid); API requests get a 403 that names
// them.
func (g *Gateway) askConsent(w http.ResponseWriter, r *http.Request, p *idp, missing []string) {
	if !isNavigation(r) {
		writeJSON(w, http.StatusForbidden, map[string]any{
			"error": "insufficient_scope", "required_scopes": missing, "request_id": g.requestID(r),
			"message": "more consent is needed: open " + g.cfg.PathPrefix + "/consent in a browser",
		})
		return
	}
	g.startLogin(w, r, g.requestURL(r).RequestURI(), loginOptions{scopes: consentScopes(missing), consent: true, required: missing, idp: p})
}

// serveConsent handles GET <prefix>/consent?scope=<a,b>&rd=<path>: the app asks for more
// scopes (comma- or space-separated), e.g. after Kakao answered -402 with required_scopes.
// While the browser is signed out it shows the login page, as a protected page would.
func (g *Gateway) serveConsent(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	q := r.URL.Query()
	var scopes []string
	// Comma- or space-separated, as Kakao takes them.
	for _, s := range strings.FieldsFunc(q.Get("scope"), func(c rune) bool { return c == ',' || c == ' ' }) {
		if validScopeID(s) && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 || len(scopes) > maxConsentScopes {
		g.fail(w, r, problem{
			Status: http.StatusBadRequest, Code: "invalid_scope",
			Title:  msgNoScopeTitle,
			Detail: msgNoScopeDetail,
		}, nil)
		return
	}
	if _, signedOut := g.signedOut(r); signedOut {
		g.loginPage(w, r, safeReturnPath(q.Get("rd"))) // a consent is a login: only the button logs in again
		return
	}
	g.startLogin(w, r, safeReturnPath(q.Get("rd")), loginOptions{scopes: consentScopes(scopes), consent: true})
}

// consentDeclined answers a person who, already logged in, cancelled an additional-consent
// screen: they are still logged in (the session is kept) and only the area that needs the
// declined items stays closed. It reports false when the browser has no session, so the
// caller shows the plain "sign-in cancelled" page.
func (g *Gateway) consentDeclined(w http.ResponseWriter, r *http.Request, p *idp, ls *loginState) bool {
	_, sess, err := g.currentSession(w, r)
	if err != nil || sess == nil {
		return false
	}
	pr := problem{
		Status: http.StatusForbidden, Code: "consent_declined",
		Title: msgConsentDeclinedTitle, Detail: msgConsentDeclinedDetail,
		Page: "consent", Scopes: ls.Required,
	}
	if len(ls.Required) > 0 {
		pr.Retry = g.cfg.PathPrefix + "/consent?scope=" + url.QueryEscape(strings.Join(ls.Required, ",")) + "&rd=" + url.QueryEscape(ls.ReturnTo)
		pr.RetryAs = msgGrantPermission
	}
	g.failLogin(w, r, p, pr, errors.New("the person declined the additional consent"))
	return true
}

// consentMissingProblem is the page shown when a consent came back without missing: the
// person can grant them, or (Kakao's *_needs_agreement false for every one of them) their
// Kakao account has no value for them, which no consent screen can change.
func (g *Gateway) consentMissingProblem(sess *session.Session, missing []string, returnTo string) problem {
	pr := problem{
		Status: http.StatusForbidden, Code: "consent_not_granted",
		Title: msgConsentTitle, Detail: msgConsentDetail,
		Retry:   g.cfg.PathPrefix + "/consent?scope=" + url.QueryEscape(strings.Join(missing, ",")) + "&rd=" + url.QueryEscape(returnTo),
		RetryAs: msgGrantPermission, Page: "consent", Scopes: missing,
	}
	if allUnobtainable(sess.Claims, missing) {
		pr.Code = "consent_unavailable"
		pr.Title, pr.Detail, pr.RetryAs = msgConsentUnavailableTitle, msgConsentUnavailableDetail, msgTryAgain
	}
	return pr
}

// allUnobtainable reports whether Kakao said of every scope in missing that it cannot be had
// (its "<item>_needs_agreement" claim is false although the scope was not granted: the
// account has no such value). A scope without that claim counts as obtainable.
func allUnobtainable(claims map[string]string, missing []string) bool {
	for _, s := range missing {
		item := s
		if s == "account_email" {
			item = "email" // the one consent item whose flag is named otherwise
		}
		if claims[item+"_needs_agreement"] != "false" {
			return false
		}
	}
	return len(missing) > 0
}

// consentScopes is the scope list of an additional-consent request: the missing scopes and
// openid, so that a new ID token is issued.
func consentScopes(missing []string) []string {
	return strings.Split(kakao.ConsentScopes(missing), ",")
}

// validScopeID reports whether s looks like a scope id: letters, digits, _ . : / -, bounded.
func validScopeID(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:/-", c) >= 0) {
			return false
		}
	}
	return true
}
