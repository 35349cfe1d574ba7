package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

// maxCallbackQuery caps the callback's query string; real ones are a few hundred bytes.
const maxCallbackQuery = 4096

// serveCallback handles the provider's redirect back to its callback (<prefix>/callback, or
// <prefix>/callback/<name> for an additional provider) in three steps: parse the callback
// against the login cookie, redeem the code, finish the login with a new session.
func (g *Gateway) serveCallback(w http.ResponseWriter, r *http.Request, p *idp) {
	if !g.allowMethods(w, r, http.MethodGet) {
		return
	}
	ls, code, ok := g.parseCallback(w, r, p)
	if !ok {
		return
	}
	slot := g.reserveExchange(w, r, p, ls.ReturnTo)
	if slot == nil {
		return
	}
	sess, err := g.redeem(r, p, ls, code, slot)
	if err != nil {
		g.failLogin(w, r, p, g.redeemProblem(err, ls.ReturnTo), err)
		return
	}
	g.finishLogin(w, r, p, ls, sess)
}

// parseCallback checks the callback's query, takes its login state (the state must match a
// login cookie, and the login must have been started at p) and returns the state and the
// code to redeem. A provider's error ends the login here. ok is false when it has answered.
func (g *Gateway) parseCallback(w http.ResponseWriter, r *http.Request, p *idp) (ls *loginState, code string, ok bool) {
	q, problemCode, err := callbackQuery(r)
	if err != nil {
		g.failLogin(w, r, p, g.badCallback(problemCode, "/"), err)
		return nil, "", false
	}
	if e := q.Get("error"); e != "" && !q.Has("state") {
		// A provider may answer prompt=none without state: when this browser has a silent
		// login pending, it ends on the page logged out like any failed auto-login.
		if silent, found := g.takeSilentLoginState(w, r, p); found {
			g.callbackError(w, r, p, silent, e)
			return nil, "", false
		}
	}
	ls, err = g.takeLoginState(w, r, q.Get("state"))
	if err != nil {
		g.failLogin(w, r, p, problem{
			Status: http.StatusBadRequest, Code: "invalid_state",
			Title:  msgStateTitle,
			Detail: msgStateDetail,
			Retry:  g.loginURL("/"), RetryAs: msgLogInAgain,
		}, err)
		return nil, "", false
	}
	if ls.Provider != p.stateName() {
		// A code from one provider delivered to another's callback (mix-up, RFC 9700 §4.4):
		// it is never sent to any token endpoint.
		g.failLogin(w, r, p, g.badCallback("provider_mismatch", ls.ReturnTo),
			fmt.Errorf("login started at provider %q came back to the callback of %q", ls.Provider, p.stateName()))
		return nil, "", false
	}
	if e := q.Get("error"); e != "" {
		g.callbackError(w, r, p, ls, e)
		return nil, "", false
	}
	if iss, ok := q["iss"]; ok || g.issParameterRequired(r, p) {
		if !ok || len(iss) != 1 || iss[0] != p.rp.Provider.Issuer() {
			g.failLogin(w, r, p, g.badCallback("issuer_mismatch", ls.ReturnTo), errors.New("callback iss parameter does not name the configured issuer"))
			return nil, "", false
		}
	}
	code = q.Get("code")
	if code == "" || len(code) > 2048 {
		g.failLogin(w, r, p, g.badCallback("missing_code", ls.ReturnTo), errors.New("callback without a usable code"))
		return nil, "", false
	}
	return ls, code, true
}

// callbackQuery parses the callback's query, refusing an oversized one and repeated state,
// code or error parameters; on failure it also returns the problem code to answer with.
func callbackQuery(r *http.Request) (url.Values, string, error) {
	if len(r.URL.RawQuery) > maxCallbackQuery {
		return nil, "callback_too_large", fmt.Errorf("callback query of %d bytes", len(r.URL.RawQuery))
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, "invalid_callback", fmt.Errorf("parsing callback query: %w", err)
	}
	if len(q["state"]) > 1 || len(q["code"]) > 1 || len(q["error"]) > 1 {
		return nil, "invalid_callback", errors.New("callback repeats state, code or error")
	}
	return q, "", nil
}

// callbackError answers a callback that carries the provider's error code.
func (g *Gateway) callbackError(w http.ResponseWriter, r *http.Request, p *idp, ls *loginState, code string) {
	if ls.Prompt == "none" {
		// The silent KakaoTalk login could not complete (consent_required for a person
		// who has not linked the app, or any other reason): show the page logged out,
		// and don't try silently again for a while.
		g.logger.Info("auto-login did not complete", zap.String("request_id", g.requestID(r)), zap.String("error", boundedCode(code)))
		g.metrics.LoginFailed(p.name, reasonAutoLogin)
		g.rememberAutoLoginFailure(w)
		redirect(w, ls.ReturnTo)
		return
	}
	if code == "access_denied" && ls.Consent && g.consentDeclined(w, r, p, ls) {
		return
	}
	g.providerError(w, r, p, ls, code)
}

// finishLogin ends the browser's previous session, starts sess in its place and sends the
// browser back to where the login began, or to the consent page when the provider came back
// without the scopes the login asked for.
func (g *Gateway) finishLogin(w http.ResponseWriter, r *http.Request, p *idp, ls *loginState, sess *session.Session) {
	g.endPreviousSession(w, r)
	ticket, err := g.createSession(r.Context(), sess)
	if err != nil {
		g.failLogin(w, r, p, problem{
			Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
			Title:  msgSignInUnavailable,
			Detail: msgSessionNotSaved,
			Retry:  g.loginURL(ls.ReturnTo), RetryAs: msgTryAgain,
		}, err)
		return
	}
	if err := g.setSessionCookie(w, ticket); err != nil {
		g.failLogin(w, r, p, problem{Status: http.StatusInternalServerError, Code: "internal_error", Title: msgSomethingWrong, Detail: msgRetry}, err)
		return
	}
	g.metrics.LoginSucceeded(p.name)
	g.countReturn(w, r)
	g.logger.Info("login succeeded", zap.String("request_id", g.requestID(r)), zap.String("user_id", sess.UserID))
	if missing := stillMissing(g.missingScopes(sess), ls.Required, sess.Scopes); len(missing) > 0 && ls.Consent {
		// The provider came back without the scopes just asked for (declined items, or
		// items not enabled for the app): going back would only ask again, in a loop.
		g.fail(w, r, g.consentMissingProblem(sess, missing, ls.ReturnTo), nil)
		return
	}
	redirect(w, ls.ReturnTo)
}

// stillMissing adds to missing (this handler's required scopes the session lacks) the scopes
// the route that asked for consent requires and granted does not hold.
func stillMissing(missing, required, granted []string) []string {
	for _, s := range required {
		if !slices.Contains(granted, s) && !slices.Contains(missing, s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// failLogin answers a failed callback with pr and counts the failure under pr's code.
func (g *Gateway) failLogin(w http.ResponseWriter, r *http.Request, p *idp, pr problem, err error) {
	g.metrics.LoginFailed(p.name, pr.Code)
	g.fail(w, r, pr, err)
}

// exchange redeems code at p's token endpoint in the place slot holds, and gives the place back
// however the exchange ends (a panic included: net/http recovers it, and a place never given
// back would shrink the budgets for good).
func (g *Gateway) exchange(r *http.Request, p *idp, ls *loginState, code string, slot *exchangeSlot) (tok *oidc.Token, err error) {
	defer func() { g.endExchange(r, slot, err) }()
	return p.rp.Exchange(r.Context(), code, ls.Verifier, ls.RedirectURI)
}

// redeem exchanges the code (in the place slot holds in the exchange budgets), verifies the
// ID token and builds the new session. Nothing is called after a failed verification: the
// access token of a bad ID token is never used.
func (g *Gateway) redeem(r *http.Request, p *idp, ls *loginState, code string, slot *exchangeSlot) (*session.Session, error) {
	ctx := r.Context()
	tok, err := g.exchange(r, p, ls, code, slot)
	if err != nil {
		return nil, fmt.Errorf("exchanging code: %w", err)
	}
	idt, err := p.rp.Verify(ctx, tok.IDToken, oidc.VerifyOptions{Nonce: ls.Nonce, MaxTokenAge: g.tokenMaxAge()})
	if err != nil {
		return nil, fmt.Errorf("verifying ID token: %w", err)
	}
	claims, err := g.collectClaims(ctx, p, tok, idt)
	if err != nil {
		return nil, err
	}
	now := g.now()
	return &session.Session{
		UserID:        claims["id"],
		Issuer:        idt.Issuer,
		Claims:        claims,
		Scopes:        tok.Scopes,
		IDToken:       tok.IDToken,
		AccessToken:   tok.AccessToken,
		RefreshToken:  tok.RefreshToken,
		AccessExpiry:  tok.Expiry,
		RefreshExpiry: tok.RefreshExpiry,
		CreatedAt:     now,
	}, nil
}

// endPreviousSession ends the session the browser had before this login, if any, so a login
// always yields a fresh session id (no fixation) and leaves no orphan behind.
func (g *Gateway) endPreviousSession(w http.ResponseWriter, r *http.Request) {
	t, err := g.readTicket(r)
	if err != nil {
		return
	}
	if old, err := g.sessions.Load(r.Context(), t); err == nil {
		if err := g.sessions.Delete(r.Context(), t, old.UserID); err != nil {
			g.logger.Warn("ending previous session", zap.String("request_id", g.requestID(r)), zap.Error(err))
		}
	}
}

// issParameterRequired reports whether the provider promised an iss parameter on the
// authorization response (RFC 9207), in which case its absence is a mix-up attempt.
func (g *Gateway) issParameterRequired(r *http.Request, p *idp) bool {
	md, err := p.rp.Provider.Metadata(r.Context())
	return err == nil && md.AuthorizationResponseIssParameterSupported
}

func (g *Gateway) badCallback(code, returnTo string) problem {
	return problem{
		Status: http.StatusBadRequest, Code: code,
		Title:  msgBadCallbackTitle,
		Detail: msgBadCallbackDetail,
		Retry:  g.loginURL(returnTo), RetryAs: msgLogInAgain,
	}
}
