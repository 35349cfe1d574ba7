package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// The most common complaint about an auth gateway is a redirect loop after a successful
// login: the session cookie does not stick or cannot be used (a proxy or CDN drops its
// Set-Cookie, the browser refuses it, cookie_secret differs between instances, a memory
// session store behind a load balancer), so the next page sends the browser to log in
// again, and the provider, whose session is alive, sends it straight back.
//
// The loop guard counts, per browser, the logins that came back through the callback: the
// count travels in the loop cookie, set by the callback beside the session cookie, and the
// first request the new session serves drops it (a protected page, or <prefix>/verify). When a login starts while the browser's
// count says loopLimit logins came back within loopWindow and none of them was used, the
// gateway stops there with a page that says what is likely wrong, and logs it with the
// request id. The count is the browser's (never the IP's: people behind one NAT are not one
// browser) and needs no memory on the instance, so it works behind a load balancer. A
// browser that keeps no cookie at all never loops: its login state is missing at the
// callback, whose page says so.
const (
	loopLimit  = 3
	loopWindow = 2 * time.Minute
)

// loopCount is what the loop cookie holds: n logins came back since first (Unix seconds).
type loopCount struct {
	n     int
	first int64
}

// String encodes c as the loop cookie's value, "n.first".
func (c loopCount) String() string {
	return strconv.Itoa(c.n) + "." + strconv.FormatInt(c.first, 10)
}

// parseLoopCount reads a loop cookie's value; anything but two small numbers is no count.
func parseLoopCount(v string) (loopCount, bool) {
	ns, fs, ok := strings.Cut(v, ".")
	if !ok || len(ns) > 3 || len(fs) > 12 {
		return loopCount{}, false
	}
	n, err1 := strconv.Atoi(ns)
	first, err2 := strconv.ParseInt(fs, 10, 64)
	if err1 != nil || err2 != nil || n < 0 || first < 0 {
		return loopCount{}, false
	}
	return loopCount{n: n, first: first}, true
}

// recentLogins returns the browser's count of logins that came back within the window.
func (g *Gateway) recentLogins(r *http.Request) loopCount {
	v, ok := g.clientCookie(r, g.cookies.loop)
	if !ok {
		return loopCount{}
	}
	c, ok := parseLoopCount(v)
	if !ok || g.now().Unix()-c.first > int64(loopWindow/time.Second) {
		return loopCount{}
	}
	return c
}

// countReturn adds the login that just came back through the callback to the browser's
// count.
func (g *Gateway) countReturn(w http.ResponseWriter, r *http.Request) {
	c := g.recentLogins(r)
	if c.n == 0 {
		c.first = g.now().Unix()
	}
	c.n = min(c.n+1, 99)
	http.SetCookie(w, g.cookies.newCookie(g.cookies.loop, c.String(), loopWindow))
}

// sessionWorks drops the browser's count: a request came with a session that works.
func (g *Gateway) sessionWorks(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.clientCookie(r, g.cookies.loop); ok {
		g.cookies.expire(w, g.cookies.loop)
	}
}

// stopLoop shows the loop page, instead of another login, to a browser whose logins keep
// coming back without their session being used. It reports whether it did. The count is
// dropped with it, so the page's button starts a fresh one.
func (g *Gateway) stopLoop(w http.ResponseWriter, r *http.Request, returnTo string) bool {
	c := g.recentLogins(r)
	if c.n < loopLimit {
		return false
	}
	g.cookies.expire(w, g.cookies.loop)
	g.logger.Warn("redirect loop stopped: this browser came back through the callback "+
		"several times, but its session cookie never came back with it; check that Set-Cookie "+
		"reaches the browser (a proxy or CDN dropping it), that every instance shares the "+
		"session store and cookie_secret, that the site is served over https (or "+
		"insecure_cookies for a test set-up), and that redirect_url names the host people use",
		zap.String("request_id", g.requestID(r)), zap.Int("logins", c.n), zap.Duration("within", loopWindow))
	g.fail(w, r, problem{
		Status: http.StatusConflict, Code: "login_loop",
		Title: msgLoopTitle, Detail: msgLoopDetail,
		Retry: g.loginURL(returnTo), RetryAs: msgTryAgain,
	}, nil)
	return true
}
