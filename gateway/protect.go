package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// errNoSession means the request carries no usable session: no cookie, a cookie that fails
// its seal, or a session the store no longer has. It is answered with a login, never a 5xx.
var errNoSession = errors.New("gateway: no session")

// protect passes r upstream only with a verified session, failing closed on every error.
func (g *Gateway) protect(w http.ResponseWriter, r *http.Request, next Next) error {
	if sess, ok, err := g.bearerSession(r); ok {
		return g.protectBearer(w, r, next, sess, err) // the bearer wins over a cookie
	}
	ticket, sess, err := g.requestSession(w, r)
	switch {
	case err == nil:
	case errors.Is(err, errNoSession):
		return g.noSession(w, r, next)
	default:
		g.storeUnavailable(w, r, err)
		return nil
	}
	if !g.policy.allows(sess.Claims) {
		g.denied(w, r, sess.UserID)
		return nil
	}
	if missing := g.missingScopes(sess); len(missing) > 0 {
		g.askConsent(w, r, g.idpOf(sess), missing)
		return nil
	}
	if err := g.identify(r, ticket, sess); err != nil {
		g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "internal_error",
			Title: msgSomethingWrong, Detail: msgRetryLater}, err)
		return nil
	}
	g.sessionWorks(w, r)
	if isNavigation(r) {
		// A private page is never kept by the browser: after a logout, the back button or a
		// reload cannot show it again. (The app's own Cache-Control is added to this one, and
		// no-store wins; images, scripts and API answers keep theirs.)
		w.Header().Set("Cache-Control", "no-store")
	}
	return g.upstream(w, r, next, ticket, sess, false)
}

// requestSession returns the request's verified session, refreshed when due: read once per
// request, by the first gateway on it that needs it (see chain). errNoSession means there
// is none to use; another error, that the store could not say.
func (g *Gateway) requestSession(w http.ResponseWriter, r *http.Request) (session.Ticket, *session.Session, error) {
	ch := chainOf(r)
	if ch != nil && ch.loaded {
		return ch.ticket, ch.sess, ch.loadErr
	}
	ticket, sess, err := g.loadSession(w, r)
	if err == nil {
		sess, err = g.refreshIfDue(r, ticket, sess)
		if errors.Is(err, errSessionEnded) {
			g.cookies.expire(w, g.cookies.session)
			err = errNoSession
		}
	}
	if ch != nil {
		ch.loaded, ch.ticket, ch.sess, ch.loadErr = true, ticket, sess, err
	}
	return ticket, sess, err
}

// identify puts the session's identity on the request going upstream: the configured
// headers, X-Auth-Status, the optional extras and the Caddy placeholders; and it removes the
// gateway's cookies.
func (g *Gateway) identify(r *http.Request, ticket session.Ticket, sess *session.Session) error {
	g.passOn(r) // first: the header map has room for ours
	g.headers.inject(r.Header, sess.Claims)
	if err := g.identityExtras(r.Header, r, ticket, sess); err != nil {
		return err
	}
	if g.onIdentity != nil {
		g.onIdentity(r, sess.Claims)
	}
	return nil
}

// identityExtras sets, in h, what accompanies the configured identity headers of a session
// on request r: X-Auth-Status and, when they apply, X-Auth-Signed-Up, X-Auth-Access-Token and
// X-Auth-Assertion (for r's host). The upstream path (identify) and the forward-auth answer
// (serveVerify) share it.
func (g *Gateway) identityExtras(h http.Header, r *http.Request, ticket session.Ticket, sess *session.Session) error {
	h.Set(statusHeader, statusAuthenticated)
	if v := g.signedUpHeader(sess); v != "" {
		h.Set("X-Auth-Signed-Up", v)
	}
	if g.cfg.PassAccessToken && sess.AccessToken != "" {
		h.Set("X-Auth-Access-Token", sess.AccessToken)
	}
	if g.assertion != nil {
		a, err := g.assertion.Assertion(ticket.ID, g.assertionAudience(r), sess.Claims)
		if err != nil {
			return fmt.Errorf("signing the identity assertion: %w", err)
		}
		h.Set("X-Auth-Assertion", a)
	}
	return nil
}

// signedUpHeader is the value of X-Auth-Signed-Up for sess: "true" or "false" as Kakao's
// /v2/user/me (or a signup since) said, for a session of Kakao, the main provider; empty
// where the notion does not apply (auto-link on: Kakao sends no has_signed_up; or a session
// of another provider, whose claim of that name, if any, is not Kakao's).
func (g *Gateway) signedUpHeader(sess *session.Session) string {
	if g.kakao == nil || g.idpOf(sess) != g.primary() {
		return ""
	}
	switch v := sess.Claims["has_signed_up"]; v {
	case "true", "false":
		return v
	}
	return ""
}

// storeUnavailable answers 503 when the session store cannot be reached: fail closed.
func (g *Gateway) storeUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	g.fail(w, r, problem{
		Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
		Title:  msgSignInUnavailable,
		Detail: msgSessionNotChecked,
	}, err)
}

// loadSession returns the request's session. A cookie that is missing, tampered with, expired
// or names a session the store no longer has yields errNoSession (and the browser is told to
// drop a bad cookie); a store failure yields another error so the caller can answer 503.
func (g *Gateway) loadSession(w http.ResponseWriter, r *http.Request) (session.Ticket, *session.Session, error) {
	ticket, err := g.readTicket(r)
	if err != nil {
		if !errors.Is(err, http.ErrNoCookie) {
			g.rejectCookie(r, cookieSession, err)
			g.cookies.expire(w, g.cookies.session)
		}
		return session.Ticket{}, nil, errNoSession
	}
	sess, err := g.sessions.Load(r.Context(), ticket)
	if err != nil {
		if errors.Is(err, session.ErrNotFound) {
			g.cookies.expire(w, g.cookies.session)
			return session.Ticket{}, nil, errNoSession
		}
		return session.Ticket{}, nil, fmt.Errorf("loading session: %w", err)
	}
	if g.idpOf(sess) == nil {
		// Issued by a provider that is no longer configured: no longer vouched for.
		g.logger.Info("session of an unconfigured issuer refused", zap.String("request_id", g.requestID(r)), zap.String("user_id", sess.UserID))
		g.cookies.expire(w, g.cookies.session)
		return session.Ticket{}, nil, errNoSession
	}
	return ticket, g.followSignup(r.Context(), ticket, sess), nil
}

// readTicket opens the session cookie. It returns http.ErrNoCookie when there is none.
func (g *Gateway) readTicket(r *http.Request) (session.Ticket, error) {
	v, ok := g.clientCookie(r, g.cookies.session)
	if !ok {
		return session.Ticket{}, http.ErrNoCookie
	}
	now := g.now()
	if t, ok := g.tickets.get(v, now); ok {
		return t, nil
	}
	raw, err := g.codecs.session.Decode(g.cookies.session, v)
	if err != nil {
		return session.Ticket{}, fmt.Errorf("opening session cookie: %w", err)
	}
	t, err := session.ParseTicket(raw)
	if err != nil {
		return session.Ticket{}, fmt.Errorf("reading session ticket: %w", err)
	}
	g.tickets.put(v, t, now)
	return t, nil
}

// setSessionCookie hands the browser the sealed ticket of a new session: with Max-Age, the
// session's lifetime, or with session_cookie browser without Max-Age or Expires, so the
// browser drops it when it closes. The sealed value expires after the lifetime either way.
func (g *Gateway) setSessionCookie(w http.ResponseWriter, t session.Ticket) error {
	raw, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	v, err := g.codecs.session.Encode(g.cookies.session, raw)
	if err != nil {
		return fmt.Errorf("sealing session cookie: %w", err)
	}
	maxAge := time.Duration(g.cfg.SessionLifetime)
	if g.cfg.SessionCookie == config.SessionCookieBrowser {
		maxAge = 0 // net/http writes no Max-Age for 0
	}
	http.SetCookie(w, g.cookies.newCookie(g.cookies.session, v, maxAge))
	return nil
}
