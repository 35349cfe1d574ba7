package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/session"
)

// Signup with `signup app` (Kakao's auto-link off): the app shows its own terms, then sends the
// person to <prefix>/signup?rd=<path>. GET shows a confirmation page; its POST (with the CSRF
// token) calls Kakao's /v1/user/signup with the session's access token and the configured
// properties, records in the session store that the person signed up (a link named by
// signupMarker, kept in the user's index so an unlink removes it) and saves this session with
// has_signed_up true. Every other session of the person, on any instance, follows on its next
// request (followSignup): sessions are sealed with keys only their cookies hold, so the
// gateway cannot rewrite them, but each one that still says false checks the marker.

// errBadProperty means the signup request supplied an allowed property with an unusable value.
var errBadProperty = errors.New("gateway: signup property value is too long or not UTF-8")

// signupMarker is the name of the session-store link recording that userID signed up.
func signupMarker(userID string) string { return "signed-up\x00" + userID }

// serveSignup handles <prefix>/signup?rd=<path>: GET shows the confirmation page, POST (with
// its CSRF token) finishes the signup at Kakao and sends the browser to rd.
func (g *Gateway) serveSignup(w http.ResponseWriter, r *http.Request) {
	ticket, sess, ok := g.kakaoConfirmSession(w, r)
	if !ok {
		return
	}
	query := r.URL.Query()
	rd := safeReturnPath(query.Get("rd"))
	here := g.signupURL(query, rd)
	switch {
	case sess == nil:
		g.signupNeedsLogin(w, r, here)
		return
	case g.idpOf(sess) != g.primary():
		g.fail(w, r, problem{Status: http.StatusConflict, Code: "not_kakao_session",
			Title: msgSignupNotKakaoTitle, Detail: msgSignupNotKakaoDetail}, nil)
		return
	}
	if r.Method != http.MethodPost {
		if sess.Claims["has_signed_up"] != "false" {
			redirect(w, rd) // nothing left to do
			return
		}
		g.confirmPage(w, r, ticket, pageData{
			Title: msgSignupTitle, Detail: msgSignupDetail, Button: msgSignUp, Action: here, Home: "/", Icon: "signup",
		})
		return
	}
	refused := problem{Status: http.StatusForbidden, Code: "invalid_csrf",
		Title: msgSignupCSRFTitle, Detail: msgSignupCSRFDetail, Retry: here, RetryAs: msgSignUp}
	if !g.confirmedPOST(w, r, ticket, sess, refusedForm{badForm: refused, badCSRF: refused}) {
		return
	}
	if sess.Claims["has_signed_up"] == "false" && !g.finishSignup(w, r, ticket, sess, here) {
		return
	}
	redirect(w, rd)
}

// finishSignup links the person at Kakao and marks every session of theirs signed up. It
// reports whether it did; when not, it has answered with an error page.
func (g *Gateway) finishSignup(w http.ResponseWriter, r *http.Request, ticket session.Ticket, sess *session.Session, here string) bool {
	if err := g.signUpAtKakao(r.Context(), sess, r.Form); err != nil {
		g.signupFailed(w, r, here, err)
		return false
	}
	if err := g.markSignedUp(r.Context(), ticket, sess); err != nil {
		g.fail(w, r, problem{Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
			Title: msgSignupUnavailableTitle, Detail: msgSignupNotSavedDetail, Retry: here, RetryAs: msgTryAgain}, err)
		return false
	}
	g.logger.Info("signup", zap.String("request_id", g.requestID(r)), zap.String("user_id", sess.UserID))
	return true
}

// signupURL is this endpoint's address carrying rd and the allowed properties of query, so
// that the confirmation form's POST (and a login on the way) keeps them. Nothing else of the
// query is carried.
func (g *Gateway) signupURL(query url.Values, rd string) string {
	v := url.Values{"rd": {rd}}
	for _, name := range g.cfg.SignupFormProperties {
		if val := query.Get(name); val != "" {
			v.Set(name, val)
		}
	}
	return g.cfg.PathPrefix + "/signup?" + v.Encode()
}

// signupNeedsLogin answers a signup request without a session: a browser's GET is sent to
// log in and back here (a browser that logged out gets the login page, as on any protected
// page: only its button resumes); anything else is told to log in first.
func (g *Gateway) signupNeedsLogin(w http.ResponseWriter, r *http.Request, here string) {
	if r.Method != http.MethodPost && acceptsHTML(r) {
		redirect(w, g.loginURL(here))
		return
	}
	login := g.withResume(r, g.loginURL(here))
	if !acceptsHTML(r) {
		g.writeJSONError(w, r, http.StatusUnauthorized, "no_session", "log in first")
		return
	}
	g.renderPage(w, r, http.StatusUnauthorized, "signedout", pageData{
		Title: msgNotSignedInTitle, Detail: msgSignupNeedsLogin, Home: g.publicHome(r),
		Retry: login, RetryAs: msgLogIn,
	})
}

// signUpAtKakao calls /v1/user/signup with the session's access token and the signup
// properties: the fixed ones and the allowed ones form supplies. Kakao's "already linked"
// (-102) counts as done.
func (g *Gateway) signUpAtKakao(ctx context.Context, sess *session.Session, form url.Values) error {
	props := maps.Clone(g.cfg.SignupProperties)
	for _, name := range g.cfg.SignupFormProperties {
		v := form.Get(name)
		if v == "" {
			continue
		}
		if len(v) > config.MaxSignupPropertyValue || !utf8.ValidString(v) {
			return fmt.Errorf("property %q: %w", name, errBadProperty)
		}
		if props == nil {
			props = map[string]string{}
		}
		props[name] = v
	}
	id, err := g.kakao.Signup(ctx, sess.AccessToken, props)
	if errors.Is(err, kakao.ErrAlreadyLinked) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("signing the user up at Kakao: %w", err)
	}
	if strconv.FormatInt(id, 10) != sess.UserID {
		return fmt.Errorf("signing the user up at Kakao: %w", errUserMismatch)
	}
	return nil
}

// signupFailed answers a signup Kakao did not complete; the session is left as it was.
func (g *Gateway) signupFailed(w http.ResponseWriter, r *http.Request, here string, err error) {
	p := problem{Status: http.StatusBadGateway, Code: "signup_failed",
		Title: msgSignupFailedTitle, Detail: msgSignupFailedDetail, Retry: here, RetryAs: msgTryAgain}
	switch {
	case errors.Is(err, errBadProperty):
		p = problem{Status: http.StatusBadRequest, Code: "invalid_property", Title: msgBadRequestTitle, Detail: msgBadRequestDetail}
	case kakao.IsTransient(err):
		p.Status, p.Code, p.Title, p.Detail = http.StatusServiceUnavailable, "kakao_unavailable", msgSignupUnavailableTitle, msgSignupUnavailableDetail
		w.Header().Set("Retry-After", "5")
	case errors.Is(err, kakao.ErrTokenInvalid), errors.Is(err, kakao.ErrNotLinked):
		p = problem{Status: http.StatusUnauthorized, Code: "login_expired", Title: msgSignupExpiredTitle,
			Detail: msgSignupExpiredDetail, Retry: g.loginURL(here), RetryAs: msgLogInAgain}
	}
	g.fail(w, r, p, err)
}

// markSignedUp records that the person signed up, for every session of theirs, then saves
// this session with has_signed_up true (its change is announced to every instance's cache).
// A session ended meanwhile stays ended.
func (g *Gateway) markSignedUp(ctx context.Context, ticket session.Ticket, sess *session.Session) error {
	ttl := time.Duration(g.cfg.SessionLifetime) // outlives every session of the person
	if err := g.sessions.Link(ctx, signupMarker(sess.UserID), sess.UserID, ttl); err != nil {
		return fmt.Errorf("recording the signup: %w", err)
	}
	if g.bearer != nil {
		g.bearer.dropUser(sess.UserID) // this instance's cached native-app answers still say false
	}
	err := g.sessions.Save(ctx, ticket, signedUp(sess))
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		return fmt.Errorf("saving the signed-up session: %w", err)
	}
	return nil
}

// followSignup returns sess with has_signed_up true, and saves it so, when it still says
// false but the person has signed up since (in this session or another, on any instance).
// Only sessions of the main provider (Kakao) that say false pay the store read. A store that
// cannot be read leaves the session as it is: false, the closed answer.
func (g *Gateway) followSignup(ctx context.Context, ticket session.Ticket, sess *session.Session) *session.Session {
	if g.kakao == nil || sess.Claims["has_signed_up"] != "false" || g.idpOf(sess) != g.primary() {
		return sess
	}
	uid, err := g.sessions.Resolve(ctx, signupMarker(sess.UserID))
	if err != nil {
		if !errors.Is(err, session.ErrNotFound) {
			g.logger.Warn("signup marker not read", zap.String("user_id", sess.UserID), zap.Error(err))
		}
		return sess
	}
	if uid != sess.UserID {
		return sess
	}
	up := signedUp(sess)
	if err := g.sessions.Save(ctx, ticket, up); err != nil && !errors.Is(err, session.ErrNotFound) {
		g.logger.Warn("signed-up session not saved", zap.String("user_id", sess.UserID), zap.Error(err))
	}
	return up
}

// signedUp returns a copy of sess whose has_signed_up claim is true (the claims map is
// replaced, never changed: the session cache may share it).
func signedUp(sess *session.Session) *session.Session {
	up := *sess
	up.Claims = maps.Clone(sess.Claims)
	up.Claims["has_signed_up"] = "true"
	return &up
}
