package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kakaogate/kakaogate/oidc"
)

// loginOptions adjust one authorization request.
type loginOptions struct {
	prompt  string   // e.g. "none" for the KakaoTalk in-app auto-login
	scopes  []string // scopes to ask for instead of the configured ones (additional consent)
	consent bool     // an additional-consent request: the callback checks the scopes came back
	// required are the scopes the requesting route needs (require_scope); the callback shows
	// the consent page when one of them was not granted.
	required []string
}

// serveLogin handles GET <prefix>/login?rd=<path>: an interactive login that returns to rd.
func (g *Gateway) serveLogin(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	g.startLogin(w, r, safeReturnPath(r.URL.Query().Get("rd")), g.interactiveLogin(r))
}

// startLogin begins an authorization-code login with a fresh state, nonce and PKCE verifier,
// remembers them in a login cookie and sends the browser to the provider.
func (g *Gateway) startLogin(w http.ResponseWriter, r *http.Request, returnTo string, opts loginOptions) {
	ls := &loginState{
		State:       oidc.RandomToken(),
		Nonce:       oidc.RandomToken(),
		Verifier:    oidc.NewVerifier(),
		ReturnTo:    safeReturnPath(returnTo),
		RedirectURI: g.redirectURI(r),
		Prompt:      opts.prompt,
		Consent:     opts.consent,
		Required:    opts.required,
		Created:     g.now().Unix(),
	}
	req := oidc.AuthRequest{
		RedirectURI:   ls.RedirectURI,
		State:         ls.State,
		Nonce:         ls.Nonce,
		CodeChallenge: oidc.S256Challenge(ls.Verifier),
		Prompt:        opts.prompt,
		Scopes:        opts.scopes,
		LoginHint:     g.cfg.LoginHint,
	}
	if len(g.cfg.ServiceTerms) > 0 {
		req.Extra = url.Values{"service_terms": {strings.Join(g.cfg.ServiceTerms, ",")}}
	}
	target, err := g.rp.AuthCodeURL(r.Context(), req)
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, oidc.ErrProviderUnavailable) {
			status = http.StatusServiceUnavailable
		}
		g.fail(w, r, problem{
			Status: status, Code: "provider_unavailable",
			Title:  msgProviderDownTitle,
			Detail: msgProviderDownDetail,
			Retry:  g.loginURL(ls.ReturnTo), RetryAs: msgTryAgain,
		}, err)
		return
	}
	if err := g.saveLoginState(w, r, ls); err != nil {
		g.fail(w, r, problem{
			Status: http.StatusInternalServerError, Code: "internal_error",
			Title: msgSomethingWrong, Detail: msgRetry,
		}, err)
		return
	}
	redirect(w, target)
}

// redirectURI is the configured redirect_url, or one built from the request's scheme and host.
func (g *Gateway) redirectURI(r *http.Request) string {
	if g.cfg.RedirectURL != "" {
		return g.cfg.RedirectURL
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host + g.cfg.CallbackPath()
}

// loginURL is the gateway's interactive login address returning to returnTo.
func (g *Gateway) loginURL(returnTo string) string {
	return g.cfg.PathPrefix + "/login?rd=" + url.QueryEscape(returnTo)
}
