package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/secureurl"
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
	idp      *idp // the provider to log in with; nil: the primary one
}

// serveLogin handles GET <prefix>/login?rd=<path>[&provider=<name>]: an interactive login
// that returns to rd. With several providers and none named it shows the login page listing
// them.
func (g *Gateway) serveLogin(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	q := r.URL.Query()
	returnTo := safeReturnPath(loginReturnPath(r.URL.RawQuery, q))
	p, err := g.loginProvider(q.Get("provider"))
	if err != nil {
		g.fail(w, r, problem{
			Status: http.StatusNotFound, Code: "unknown_provider",
			Title:  msgUnknownProviderTitle,
			Detail: msgUnknownProviderDetail,
			Retry:  g.loginURL(returnTo), RetryAs: msgLogIn,
		}, err)
		return
	}
	if p == nil {
		g.providersPage(w, r, http.StatusOK, returnTo)
		return
	}
	if !g.pressedLogin(r) {
		g.loginPage(w, r, returnTo) // signed out, and reached by a redirect: wait for a press
		return
	}
	if _, ok := g.signedOut(r); ok {
		g.cookies.expire(w, g.cookies.signedOut) // pressed: the person logs in again
	}
	opts := g.interactiveLogin(r)
	opts.idp = p
	g.startLogin(w, r, returnTo, opts)
}

// startLogin begins an authorization-code login with a fresh state, nonce and PKCE verifier,
// remembers them in a login cookie and sends the browser to the provider.
func (g *Gateway) startLogin(w http.ResponseWriter, r *http.Request, returnTo string, opts loginOptions) {
	p := opts.idp
	if p == nil {
		p = g.primary()
	}
	if err := g.cookiesWouldStick(r); err != nil {
		g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "misconfigured",
			Title: msgSomethingWrong, Detail: msgRetryLater}, err)
		return
	}
	if g.stopLoop(w, r, returnTo) {
		return
	}
	ls := &loginState{
		State:       oidc.RandomToken(),
		Nonce:       oidc.RandomToken(),
		Verifier:    oidc.GenerateVerifier(),
		ReturnTo:    safeReturnPath(returnTo),
		RedirectURI: g.callbackURL(r, p),
		Prompt:      opts.prompt,
		Consent:     opts.consent,
		Required:    opts.required,
		Provider:    p.stateName(),
		Created:     g.now().Unix(),
	}
	req := oidc.AuthRequest{
		RedirectURI:   ls.RedirectURI,
		State:         ls.State,
		Nonce:         ls.Nonce,
		CodeChallenge: oidc.S256Challenge(ls.Verifier),
		Prompt:        opts.prompt,
		Scopes:        opts.scopes,
	}
	if !p.extra {
		// The login options of the top-level configuration belong to its provider.
		req.LoginHint = g.cfg.LoginHint
		if len(g.cfg.ServiceTerms) > 0 {
			req.Extra = url.Values{"service_terms": {strings.Join(g.cfg.ServiceTerms, ",")}}
		}
	}
	target, err := p.rp.AuthCodeURL(r.Context(), req)
	if err != nil {
		g.metrics.LoginFailed(p.name, "provider_unavailable")
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
		g.metrics.LoginFailed(p.name, "internal_error")
		g.fail(w, r, problem{
			Status: http.StatusInternalServerError, Code: "internal_error",
			Title: msgSomethingWrong, Detail: msgRetry,
		}, err)
		return
	}
	g.metrics.LoginStarted(p.name)
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

// cookiesWouldStick refuses a login whose callback URL, derived from the request, is plain
// http on a host other than this machine without insecure_cookies: the browser would drop
// the login's Secure cookie and the callback could only fail ("link expired"). A configured
// redirect_url was checked when the configuration was.
func (g *Gateway) cookiesWouldStick(r *http.Request) error {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if d := g.cookies.domain; d != "" && !config.DomainCovers(d, host) {
		return fmt.Errorf("the site is reached as %s, outside cookie_domain %s: the browser would refuse the login cookie; "+
			"serve only hosts within %s from this handler, or change cookie_domain", host, d, d)
	}
	if g.cfg.RedirectURL != "" || r.TLS != nil {
		return nil
	}
	if secureurl.IsLoopbackHost(host) {
		return nil
	}
	if g.cfg.InsecureCookies {
		if g.warnedInsecure.CompareAndSwap(false, true) {
			g.logger.Warn("insecure_cookies is on for a site reached as " + host + ", not localhost: its cookies " +
				"lack Secure and travel over plain http; use https and drop insecure_cookies outside test setups")
		}
		return nil
	}
	return fmt.Errorf("the callback URL would be plain http on %s: set redirect_url to the https URL "+
		"browsers use (behind a TLS proxy), or serve the site over https; insecure_cookies is for test setups only: "+
		"browsers drop the gateway's Secure cookies on plain http", host)
}

// loginURL is the gateway's interactive login address returning to returnTo.
func (g *Gateway) loginURL(returnTo string) string {
	return g.cfg.PathPrefix + "/login?rd=" + url.QueryEscape(returnTo)
}
