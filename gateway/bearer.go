package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/session"
)

// Bearer access (native apps): a protected request with `Authorization: Bearer <token>` is
// judged by the token alone, even when it also carries a session cookie. The token is
// resolved to a session-like identity (bearerSession), so identity headers, placeholders,
// access rules and require_scope apply exactly as for a cookie session. A bearer request
// never gets a redirect or a login page: it gets 401 invalid_token, 403 insufficient_scope
// or 503 (RFC 6750).

// maxBearerLen bounds a bearer token; Kakao's are about 60 bytes, provider JWTs a few KiB.
const maxBearerLen = 16 << 10

// Reasons a bearer token is refused, as logged and counted (BearerMetrics.BearerRefused).
const (
	refusedMalformed    = "malformed"          // not a well-formed Authorization: Bearer header
	refusedInvalid      = "invalid"            // the provider does not know it, or its JWT checks fail
	refusedExpired      = "expired"            // it has expired
	refusedOtherApp     = "other_app"          // a Kakao token of another app
	refusedOpaque       = "opaque"             // not a JWT, with a generic provider
	refusedScope        = "insufficient_scope" // require_scope not granted
	refusedDenied       = "denied"             // the access rules refuse the person
	refusedUnavailable  = "unavailable"        // the provider could not say (503)
	bearerChallengeBase = `Bearer realm="kakaogate"`
)

// bearerError is why a bearer token gives no identity.
type bearerError struct {
	reason string // one of the refused* values
	desc   string // error_description: what the app should do; no token, no secret
	cause  error  // for the log line
}

func (e *bearerError) Error() string {
	msg := "bearer token refused (" + e.reason + "): " + e.desc
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

func (e *bearerError) Unwrap() error { return e.cause }

// bearerToken returns the request's bearer token and whether it has one (bearer access on,
// and an Authorization header with the Bearer scheme). A malformed one is returned as ""
// with true: it must be refused, not ignored. The first gateway on a request reads it and
// keeps it in the chain, since it removes the header before the request goes on.
func (g *Gateway) bearerToken(r *http.Request) (string, bool) {
	if !g.bearerOn() {
		return "", false
	}
	ch := chainOf(r)
	if ch != nil && ch.bearerRead {
		return ch.bearer, ch.hasBearer
	}
	tok, ok := parseBearer(r.Header.Values("Authorization"))
	if ch != nil {
		ch.bearerRead, ch.bearer, ch.hasBearer = true, tok, ok
	}
	return tok, ok
}

// parseBearer reads `Authorization: Bearer <b64token>` (RFC 6750 section 2.1; the scheme in
// any case). Other schemes are not bearer requests; a bearer header that is repeated, empty
// or holds characters outside b64token yields ("", true).
func parseBearer(values []string) (string, bool) {
	bearers := 0
	var tok string
	for _, v := range values {
		scheme, rest, _ := strings.Cut(v, " ")
		if strings.EqualFold(scheme, "Bearer") {
			bearers++
			tok = strings.TrimLeft(rest, " ")
		}
	}
	switch {
	case bearers == 0:
		return "", false
	case bearers > 1 || len(values) > 1 || !validB64Token(tok):
		return "", true
	}
	return tok, true
}

// validB64Token reports whether s is an RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/" ) *"=", at most maxBearerLen bytes.
func validB64Token(s string) bool {
	if s == "" || len(s) > maxBearerLen {
		return false
	}
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// bearerOn reports whether this gateway accepts bearer tokens.
func (g *Gateway) bearerOn() bool { return g.bearer != nil }

// bearerSession resolves the request's bearer token to a session-like identity (UserID,
// Issuer, Claims, Scopes, AccessExpiry; no tokens: it may be cached and shared, never
// modified). It returns ok false when the request has no bearer token (or bearer access is
// off); otherwise the identity or a *bearerError. The protected path and the forward-auth
// endpoint both call it.
func (g *Gateway) bearerSession(r *http.Request) (sess *session.Session, ok bool, err error) {
	tok, ok := g.bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	g.bearerMetrics.BearerLookup()
	if tok == "" {
		return nil, true, &bearerError{reason: refusedMalformed, desc: "send Authorization: Bearer <access token>, once"}
	}
	sess, err = g.bearer.resolve(r.Context(), tok)
	return sess, true, err
}

// protectBearer answers a protected request that carries a bearer token: upstream with the
// identity, or a refusal. It never redirects.
func (g *Gateway) protectBearer(w http.ResponseWriter, r *http.Request, next Next, sess *session.Session, err error) error {
	if err != nil {
		g.refuseBearer(w, r, err)
		return nil
	}
	if !g.policy.allows(sess.Claims) {
		g.deniedBearer(w, r, sess.UserID)
		return nil
	}
	if missing := g.missingScopes(sess); len(missing) > 0 {
		g.bearerMetrics.BearerRefused(refusedScope)
		g.insufficientScope(w, r, missing)
		return nil
	}
	if g.cfg.PassAccessToken {
		tok, _ := g.bearerToken(r)
		s := *sess
		s.AccessToken = tok
		sess = &s
	}
	if err := g.identify(r, g.bearerTicket(r), sess); err != nil {
		g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "internal_error",
			Title: msgSomethingWrong, Detail: msgRetryLater}, err)
		return nil
	}
	if !g.cfg.PassAccessToken {
		r.Header.Del("Authorization")
	}
	return g.upstream(w, r, next, session.Ticket{}, sess, true)
}

// bearerTicket stands for the request's bearer identity where a session ticket is expected
// (identify, the identity assertion's cache): its id is a hash of the token, never the
// token, and it has no key (it opens nothing).
func (g *Gateway) bearerTicket(r *http.Request) session.Ticket {
	tok, _ := g.bearerToken(r)
	sum := sha256.Sum256([]byte(tok))
	return session.Ticket{ID: "bearer:" + hex.EncodeToString(sum[:16])}
}

// refuseBearer answers 401 invalid_token, or 503 when the provider could not say.
func (g *Gateway) refuseBearer(w http.ResponseWriter, r *http.Request, err error) {
	var be *bearerError
	if !errors.As(err, &be) {
		be = &bearerError{reason: refusedUnavailable, desc: "the token could not be checked; retry later", cause: err}
	}
	g.bearerMetrics.BearerRefused(be.reason)
	fields := []zap.Field{zap.String("request_id", g.requestID(r)), zap.String("reason", be.reason), zap.String("path", r.URL.Path)}
	if be.cause != nil {
		fields = append(fields, zap.Error(be.cause), kakaoErrorField(be.cause))
	}
	if be.reason == refusedUnavailable {
		g.logger.Error("bearer token not checked: provider unavailable", fields...)
		w.Header().Set("Retry-After", "5")
		g.writeJSONError(w, r, http.StatusServiceUnavailable, "provider_unavailable", be.desc)
		return
	}
	g.logger.Info("bearer token refused", fields...)
	w.Header().Set("WWW-Authenticate", bearerChallengeBase+`, error="invalid_token", error_description=`+strconv.Quote(be.desc))
	g.writeJSONError(w, r, http.StatusUnauthorized, "invalid_token", be.desc)
}

// deniedBearer answers a bearer request of a person the access rules refuse: 403
// access_denied as JSON, never the denied page, whatever the Accept header (an app's web view
// may send text/html).
func (g *Gateway) deniedBearer(w http.ResponseWriter, r *http.Request, userID string) {
	g.bearerMetrics.BearerRefused(refusedDenied)
	g.logger.Info("bearer token refused", zap.String("request_id", g.requestID(r)), zap.String("reason", refusedDenied),
		zap.String("user_id", userID))
	g.writeJSONError(w, r, http.StatusForbidden, "access_denied", msgDeniedTitle.in(localeEN))
}

// insufficientScope answers 403 insufficient_scope naming the missing scopes (RFC 6750
// section 3.1); the app asks the person for additional consent and retries with the new
// token.
func (g *Gateway) insufficientScope(w http.ResponseWriter, r *http.Request, missing []string) {
	scopes := strings.Join(missing, " ")
	g.logger.Info("bearer token refused", zap.String("request_id", g.requestID(r)), zap.String("reason", refusedScope),
		zap.Strings("missing_scopes", missing))
	w.Header().Set("WWW-Authenticate", bearerChallengeBase+`, error="insufficient_scope", scope=`+strconv.Quote(scopes))
	writeJSON(w, http.StatusForbidden, map[string]any{
		"error": "insufficient_scope", "required_scopes": missing, "request_id": g.requestID(r),
		"message": "the token lacks the scopes " + scopes + ": ask the person for additional consent and retry with the new token",
	})
}
