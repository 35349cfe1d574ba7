package gateway

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/kakaogate/kakaogate/session"
)

// errConnEnded is a hijack refused because the request's session ended meanwhile.
var errConnEnded = errors.New("gateway: the session of this connection ended")

// longLived reports whether r asks for a connection that outlasts its request: an HTTP/1.1
// upgrade (Connection: upgrade with an Upgrade header: websockets), a CONNECT (a tunnel, or a
// websocket over HTTP/2 or HTTP/3) or an event stream (Accept: text/event-stream, which
// every EventSource sends). It reads headers only, allocating nothing, so ordinary requests
// pay for none of the tracking.
func longLived(r *http.Request) bool {
	if r.Method == http.MethodConnect {
		return true
	}
	if len(r.Header["Upgrade"]) > 0 && httpguts.HeaderValuesContainsToken(r.Header["Connection"], "upgrade") {
		return true
	}
	for _, v := range r.Header["Accept"] {
		if strings.Contains(v, "text/event-stream") {
			return true
		}
	}
	return false
}

// upstream passes r, with the verified identity sess (of the session t, or of a bearer
// token), on to next. A long-lived request goes tracked (serveLongLived); ordinary ones go
// as they are.
func (g *Gateway) upstream(w http.ResponseWriter, r *http.Request, next Next, t session.Ticket, sess *session.Session, bearer bool) error {
	if !longLived(r) {
		return next(w, r)
	}
	return g.serveLongLived(w, r, next, t, sess, bearer)
}

// serveLongLived passes r on to next tracked in g's connRegistry, so that the end of its
// session (or, for a bearer identity, of its user or token) closes it: see conns.go. It is
// tracked once, by the first gateway of the request's chain that lets it through. Without
// a registry (the store announces no session ends) it is refused with 503: fail closed.
//
// A bearer identity has no session in the store: its connection follows the user (an
// unlink or revocation ends it) and the answer that admitted it, ending when the token
// expires or when the gateway would ask the provider about the token again
// (bearerCacheTTL), whichever is first.
func (g *Gateway) serveLongLived(w http.ResponseWriter, r *http.Request, next Next, t session.Ticket, sess *session.Session, bearer bool) error {
	ch := chainOf(r)
	if ch != nil && ch.tracked {
		return next(w, r)
	}
	sessionID, deadline := t.ID, sess.ExpiresAt
	if bearer {
		sessionID, t, deadline = "", session.Ticket{}, bearerDeadline(g.now(), sess.AccessExpiry)
	}
	var lc *liveConn
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if g.conns != nil {
		lc = g.conns.open(sessionID, sess.UserID, t, deadline, cancel)
	}
	if lc == nil {
		g.fail(w, r, problem{Status: http.StatusServiceUnavailable, Code: "long_lived_unavailable",
			Title: msgSomethingWrong, Detail: msgRetryLater}, errNoConnTracking)
		return nil
	}
	defer g.conns.done(lc)
	if ch != nil {
		ch.tracked = true
	}
	return next(&trackedWriter{ResponseWriter: w, lc: lc}, r.WithContext(ctx))
}

// errNoConnTracking explains a refused long-lived request.
var errNoConnTracking = errors.New("long-lived request refused: the session store announces no session ends " +
	"(a Redis store without its cache), or the gateway is closing, so its session's end could not close it")

// trackedWriter is the ResponseWriter of a tracked request: it records the connection a
// handler hijacks (reverse_proxy does, through http.ResponseController, to switch
// protocols), and unwraps to w for everything else.
type trackedWriter struct {
	http.ResponseWriter
	lc *liveConn
}

// Unwrap lets http.ResponseController reach the writer's other abilities (deadlines, full
// duplex).
func (w *trackedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hijacks the underlying connection and records it; when the session already ended,
// the connection is closed and an error returned.
func (w *trackedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err // http.ErrNotSupported stays recognizable
	}
	if !w.lc.hijacked(conn) {
		_ = conn.Close()
		return nil, nil, errConnEnded
	}
	return conn, brw, nil
}

// Flush flushes the underlying writer (for handlers that assert http.Flusher).
func (w *trackedWriter) Flush() { _ = w.FlushError() }

// FlushError flushes the underlying writer and reports its error.
func (w *trackedWriter) FlushError() error {
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// bearerDeadline is when a long-lived request admitted at now with a bearer token expiring
// at tokenExpiry (zero: unknown) ends: at the token's expiry, or when the gateway would ask
// the provider about the token again (bearerCacheTTL), whichever comes first.
func bearerDeadline(now, tokenExpiry time.Time) time.Time {
	deadline := now.Add(bearerCacheTTL)
	if !tokenExpiry.IsZero() && tokenExpiry.Before(deadline) {
		return tokenExpiry
	}
	return deadline
}
