package gateway

import (
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// A client can send any number of cookies (net/http accepts up to 3,000): a request with
// hundreds of fake login-state cookies must not make the gateway open each one, answer with a
// Set-Cookie line for each, or log a line for each. So the login-state cookies of one request
// are read up to a small bound (a browser holds at most maxLoginCookies of them), and bad-cookie
// log lines are sampled, while a counter metric counts every bad cookie.

// maxExaminedLoginCookies bounds the login-state cookies one request is read for, and so the
// Set-Cookie lines one reply expires them with.
const maxExaminedLoginCookies = 2 * maxLoginCookies

// Bad-cookie log lines: at most badCookieLogBurst lines of one message per
// badCookieLogInterval; the rest are only counted (CookieRejected).
const (
	badCookieLogBurst    = 10
	badCookieLogInterval = time.Minute
)

// Cookie kinds passed to Metrics.CookieRejected.
const (
	cookieSession = "session"
	cookieLogin   = "login"
)

// loginCookies returns r's login-state cookies, at most maxExaminedLoginCookies of them.
func (g *Gateway) loginCookies(r *http.Request) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, g.cookies.loginPrefix) {
			continue
		}
		if len(out) == maxExaminedLoginCookies {
			break
		}
		out = append(out, c)
	}
	return out
}

// sampledLogger returns logger writing at most badCookieLogBurst lines of one message and
// level per badCookieLogInterval: for lines any client can cause at will.
func sampledLogger(logger *zap.Logger) *zap.Logger {
	return logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, badCookieLogInterval, badCookieLogBurst, 0)
	}))
}

// rejectCookie counts a bad cookie of kind and logs it, sampled.
func (g *Gateway) rejectCookie(r *http.Request, kind string, err error) {
	g.metrics.CookieRejected(kind)
	g.cookieLog.Info(kind+" cookie rejected", zap.String("request_id", g.requestID(r)), zap.Error(err))
}
