package gateway

import (
	"crypto/subtle"
	"net/http"

	"github.com/kakaogate/kakaogate/session"
)

// maxFormBody caps the body of the gateway's own forms.
const maxFormBody = 8 << 10

// Confirmation forms (logout, unlink): GET shows a page whose form POSTs back with a CSRF
// token sealed for the session; only a POST carrying that token performs the action.

// refusedForm is what a confirmation form's POST answers when it is not confirmed.
type refusedForm struct {
	badForm problem // the body cannot be read as a form
	badCSRF problem // the CSRF token is missing, stale or not the session's
}

// kakaoConfirmSession starts a Kakao-only confirmation endpoint (unlink, signup): 404 without
// the Kakao provider, 405 for other methods than GET, HEAD and POST, 503 when the store
// fails. ok is false when it answered; sess is nil for a request without a session.
func (g *Gateway) kakaoConfirmSession(w http.ResponseWriter, r *http.Request) (session.Ticket, *session.Session, bool) {
	if g.kakao == nil {
		g.notFound(w, r)
		return session.Ticket{}, nil, false
	}
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead, http.MethodPost) {
		return session.Ticket{}, nil, false
	}
	ticket, sess, err := g.currentSession(w, r)
	if err != nil {
		g.storeUnavailable(w, r, err)
		return session.Ticket{}, nil, false
	}
	return ticket, sess, true
}

// confirmPage shows the confirmation page d with a CSRF token for ticket's session.
func (g *Gateway) confirmPage(w http.ResponseWriter, r *http.Request, ticket session.Ticket, d pageData) {
	token, err := g.csrfToken(ticket.ID)
	if err != nil {
		g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "internal_error", Title: msgSomethingWrong, Detail: msgRetry}, err)
		return
	}
	d.CSRF = token
	g.renderPage(w, r, http.StatusOK, "confirm", d)
}

// confirmedPOST reads the POSTed confirmation form (its body capped at maxFormBody) and, when
// the request has a session (sess), checks that the form's CSRF token was sealed for it. It
// reports whether the caller may act on the form; when not, it has answered with refused.
// Without a session there is nothing to confirm: the caller decides what to do.
func (g *Gateway) confirmedPOST(w http.ResponseWriter, r *http.Request, ticket session.Ticket, sess *session.Session, refused refusedForm) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		g.fail(w, r, refused.badForm, err)
		return false
	}
	if sess != nil && !g.validCSRF(r.PostForm.Get("csrf"), ticket.ID) {
		g.fail(w, r, refused.badCSRF, nil)
		return false
	}
	return true
}

// csrfToken seals the session id into a short-lived token for the confirmation forms.
func (g *Gateway) csrfToken(sessionID string) (string, error) {
	return g.codecs.csrf.Encode("csrf", []byte(sessionID))
}

// validCSRF reports whether token was issued for the session sessionID and is still fresh.
func (g *Gateway) validCSRF(token, sessionID string) bool {
	if token == "" {
		return false
	}
	raw, err := g.codecs.csrf.Decode("csrf", token)
	return err == nil && subtle.ConstantTimeCompare(raw, []byte(sessionID)) == 1
}
