package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kakaogate/kakaogate/session"
)

// <prefix>/verify is kakaogate as the authentication server of another proxy: nginx
// auth_request, Traefik ForwardAuth, Caddy forward_auth. The proxy asks about each request
// it receives (any method; nginx keeps the original one) and passes the answer on:
//
//   - 200 with every configured identity header as a response header, empty for a claim the
//     person lacks (so the proxy overwrites whatever a client sent), and X-Auth-Status:
//     authenticated; for an optional handler without a session, or a request its matchers
//     leave public, 200 with X-Auth-Status: anonymous and the identity headers empty;
//   - 401 without a session, 403 when an access rule refuses or more consent is needed, 503
//     when the session store cannot be reached;
//   - with ?redirect=1 on the verify URL, for proxies that hand redirects to the browser
//     (Traefik, Caddy), a browser navigation without a session gets a 302 to the login (and
//     one that needs more consent, to the consent screen) with the original URL as rd.
//
// It never redirects otherwise: nginx turns a redirect from auth_request into a 500.
//
// The session is read as on the protected path: a bearer token where bearer access is on
// (it wins over a cookie and never gets a redirect), else the session cookie through
// requestSession. The original request comes from the forward-auth headers, believed only
// from a peer Caddy's trusted_proxies trusts (see forwardedRequest); without them the answer
// rests on the session and the rules that do not depend on the path (allow, require_scope,
// optional), and the handler's matchers are not consulted: every request counts as protected.

// verifyRedirectParam is the verify URL's query parameter that asks for redirects.
const verifyRedirectParam = "redirect"

// serveVerify answers a front proxy's question about one request.
func (g *Gateway) serveVerify(w http.ResponseWriter, r *http.Request) {
	setNoStore(w.Header())
	orig, err := g.forwardedRequest(r)
	switch {
	case err == nil:
	case errors.Is(err, errNoOriginal):
		orig = nil
	default:
		g.fail(w, r, problem{Status: http.StatusBadRequest, Code: "bad_forwarded_request",
			Title: msgBadRequestTitle, Detail: msgBadRequestDetail}, err)
		return
	}
	subject := r // what the access decision is about: the original request when known
	if orig != nil {
		subject = orig
		if g.protects != nil {
			needed, err := g.protects(orig)
			if err != nil {
				g.fail(w, r, problem{Status: http.StatusBadRequest, Code: "bad_request",
					Title: msgBadRequestTitle, Detail: msgBadRequestDetail}, err)
				return
			}
			if !needed {
				g.verifiedAnonymous(w)
				return
			}
		}
	}
	if sess, ok, err := g.bearerSession(r); ok {
		g.verifyBearer(w, r, subject, sess, err) // the bearer wins over a cookie, as upstream
		return
	}
	ticket, sess, err := g.requestSession(w, r)
	switch {
	case err == nil:
	case errors.Is(err, errNoSession):
		g.verifyWithoutSession(w, r, orig)
		return
	default:
		g.storeUnavailable(w, r, err)
		return
	}
	g.verifySession(w, r, subject, orig, ticket, sess)
}

// verifySession answers for a request with a verified session: the access rules and the
// required scopes decide, then the identity headers go back to the proxy.
func (g *Gateway) verifySession(w http.ResponseWriter, r, subject, orig *http.Request, ticket session.Ticket, sess *session.Session) {
	if !g.policy.allows(sess.Claims) {
		g.denied(w, r, sess.UserID)
		return
	}
	if missing := g.missingScopes(sess); len(missing) > 0 {
		if g.verifyRedirects(r) && orig != nil && isNavigation(orig) {
			redirect(w, g.cfg.PathPrefix+"/consent?scope="+url.QueryEscape(strings.Join(missing, ","))+
				"&rd="+url.QueryEscape(safeReturnPath(orig.URL.RequestURI())))
			return
		}
		writeJSON(w, http.StatusForbidden, map[string]any{
			"error": "insufficient_scope", "required_scopes": missing, "request_id": g.requestID(r),
			"message": "more consent is needed: open " + g.cfg.PathPrefix + "/consent in a browser",
		})
		return
	}
	h := w.Header()
	for _, m := range g.headers.mappings {
		h[m.Header] = []string{headerSafe(sess.Claims[m.Claim])} // empty when the claim is missing
	}
	if err := g.identityExtras(h, subject, ticket, sess); err != nil {
		for _, m := range g.headers.mappings {
			delete(h, m.Header)
		}
		g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "internal_error",
			Title: msgSomethingWrong, Detail: msgRetryLater}, err)
		return
	}
	if g.onIdentity != nil {
		g.onIdentity(r, sess.Claims) // the verify request's access log names the person
	}
	g.sessionWorks(w, r) // where the front proxy passes this Set-Cookie on (see loopguard.go)
	w.WriteHeader(http.StatusOK)
}

// verifyBearer answers for a request with a bearer token (a native app): as for a session,
// but never with a redirect; a refused token gets 401 invalid_token (503 when the provider
// could not say), a person the access rules refuse 403 access_denied and missing scopes 403
// insufficient_scope, all as JSON whatever the Accept header.
func (g *Gateway) verifyBearer(w http.ResponseWriter, r, subject *http.Request, sess *session.Session, err error) {
	switch {
	case err != nil:
		g.refuseBearer(w, r, err)
	case !g.policy.allows(sess.Claims):
		g.deniedBearer(w, r, sess.UserID)
	case len(g.missingScopes(sess)) > 0:
		g.bearerMetrics.BearerRefused(refusedScope)
		g.insufficientScope(w, r, g.missingScopes(sess))
	default:
		g.verifySession(w, r, subject, nil, g.bearerTicket(r), sess)
	}
}

// verifyWithoutSession answers for a request without a session: anonymous for an optional
// handler; else a redirect to the login when asked for and the original request is a
// browser navigation; else 401.
func (g *Gateway) verifyWithoutSession(w http.ResponseWriter, r, orig *http.Request) {
	if g.cfg.Optional {
		g.verifiedAnonymous(w)
		return
	}
	if g.verifyRedirects(r) && isNavigation(subjectOf(r, orig)) {
		returnTo := "/"
		if orig != nil {
			returnTo = safeReturnPath(orig.URL.RequestURI())
		}
		redirect(w, g.loginURL(returnTo))
		return
	}
	g.unauthorized(w, r)
}

// verifiedAnonymous is the 200 that lets a request through without an identity: every
// identity header empty, X-Auth-Status: anonymous.
func (g *Gateway) verifiedAnonymous(w http.ResponseWriter) {
	h := w.Header()
	for _, m := range g.headers.mappings {
		h[m.Header] = []string{""}
	}
	h.Set(statusHeader, statusAnonymous)
	w.WriteHeader(http.StatusOK)
}

// verifyRedirects reports whether the verify URL asks for redirects (?redirect=1).
func (g *Gateway) verifyRedirects(r *http.Request) bool {
	switch strings.ToLower(g.requestURL(r).Query().Get(verifyRedirectParam)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// subjectOf is the original request when known, else the verify request itself.
func subjectOf(r, orig *http.Request) *http.Request {
	if orig != nil {
		return orig
	}
	return r
}
