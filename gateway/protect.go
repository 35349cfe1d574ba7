package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/session"
)

// errNoSession means the request carries no usable session: no cookie, a cookie that fails
// its seal, or a session the store no longer has. It is answered with a login, never a 5xx.
var errNoSession = errors.New("gateway: no session")

// protect passes r upstream only with a verified session, failing closed on every error.
func (g *Gateway) protect(w http.ResponseWriter, r *http.Request, next Next) error {
	g.headers.strip(r.Header)
	_, sess, err := g.loadSession(w, r)
	switch {
	case err == nil:
	case errors.Is(err, errNoSession):
		g.challenge(w, r)
		return nil
	default:
		g.fail(w, r, problem{
			Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
			Title:  "Sign-in is temporarily unavailable",
			Detail: "We could not check your sign-in just now. Please try again in a moment.",
		}, err)
		return nil
	}
	g.headers.inject(r.Header, sess.Claims)
	if g.onIdentity != nil {
		g.onIdentity(r, sess.Claims)
	}
	g.cookies.stripGatewayCookies(r)
	return next(w, r)
}

// loadSession returns the request's session. A cookie that is missing, tampered with, expired
// or names a session the store no longer has yields errNoSession (and the browser is told to
// drop a bad cookie); a store failure yields another error so the caller can answer 503.
func (g *Gateway) loadSession(w http.ResponseWriter, r *http.Request) (session.Ticket, *session.Session, error) {
	ticket, err := g.readTicket(r)
	if err != nil {
		if !errors.Is(err, http.ErrNoCookie) {
			g.logger.Info("session cookie rejected", zap.String("request_id", g.requestID(r)), zap.Error(err))
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
	return ticket, sess, nil
}

// readTicket opens the session cookie. It returns http.ErrNoCookie when there is none.
func (g *Gateway) readTicket(r *http.Request) (session.Ticket, error) {
	c, err := r.Cookie(g.cookies.session)
	if err != nil {
		return session.Ticket{}, http.ErrNoCookie
	}
	raw, err := g.codecs.session.Decode(g.cookies.session, c.Value)
	if err != nil {
		return session.Ticket{}, fmt.Errorf("opening session cookie: %w", err)
	}
	t, err := session.ParseTicket(raw)
	if err != nil {
		return session.Ticket{}, fmt.Errorf("reading session ticket: %w", err)
	}
	return t, nil
}

// setSessionCookie hands the browser the sealed ticket of a new session.
func (g *Gateway) setSessionCookie(w http.ResponseWriter, t session.Ticket) error {
	raw, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	v, err := g.codecs.session.Encode(g.cookies.session, raw)
	if err != nil {
		return fmt.Errorf("sealing session cookie: %w", err)
	}
	http.SetCookie(w, g.cookies.newCookie(g.cookies.session, v, time.Duration(g.cfg.SessionLifetime)))
	return nil
}

// challenge answers a request that has no session: browsers navigating to a page go to the
// provider's login; everything else gets 401 with a small JSON body.
func (g *Gateway) challenge(w http.ResponseWriter, r *http.Request) {
	if isNavigation(r) {
		g.startLogin(w, r, r.URL.RequestURI(), loginOptions{})
		return
	}
	w.Header().Set("WWW-Authenticate", `Cookie realm="kakaogate", login="`+g.cfg.PathPrefix+`/login"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{
		"error":   "unauthenticated",
		"message": "log in first: open " + g.cfg.PathPrefix + "/login in a browser",
	})
}
