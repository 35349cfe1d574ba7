package gateway

import (
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
)

// The most common complaint about an auth gateway is a redirect loop after a successful
// login: the session cookie does not stick (a proxy drops Set-Cookie, the site's cookies are
// blocked, a cookie's domain or SameSite is wrong), so the next page sends the browser to log
// in again, and the provider, whose session is alive, sends it straight back. The loop guard
// counts, per browser, the logins that came back through the callback; when the same browser
// starts another one after loopLimit returns within loopWindow without its session ever
// being used, it stops there with a page that says what is likely wrong, and logs it.
//
// A browser is told apart by a random id in the loop cookie, set with the login state (never
// by IP: people behind one NAT are not one browser); the login state carries it through the
// provider, so a loop is counted even when no cookie the callback sets sticks. The counts
// live in the instance's memory: behind a load balancer each instance counts what it sees,
// and a loop still stops, a little later.
const (
	loopLimit   = 3
	loopWindow  = 2 * time.Minute
	loopEntries = 10000 // browsers remembered at once; beyond, the oldest entries go
)

// loopCounts counts recent returns through the callback per loop id.
type loopCounts struct {
	mu      sync.Mutex
	returns map[string]loopCount
}

type loopCount struct {
	n     int
	first time.Time
}

// returned records a login of browser id that came back through the callback at now.
func (c *loopCounts) returned(id string, now time.Time) {
	if id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.returns == nil {
		c.returns = make(map[string]loopCount)
	}
	e, ok := c.returns[id]
	if !ok || now.Sub(e.first) > loopWindow {
		if !ok && len(c.returns) >= loopEntries {
			c.evictLocked(now)
		}
		e = loopCount{first: now}
	}
	e.n++
	c.returns[id] = e
}

// looping reports whether browser id came back loopLimit times within loopWindow.
func (c *loopCounts) looping(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.returns[id]
	return ok && e.n >= loopLimit && now.Sub(e.first) <= loopWindow
}

// forget drops id's count: its session was used, or the loop was reported.
func (c *loopCounts) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.returns, id)
}

// evictLocked drops the expired entries, or, when none is, an arbitrary tenth of them.
func (c *loopCounts) evictLocked(now time.Time) {
	dropped := 0
	for id, e := range c.returns {
		if now.Sub(e.first) > loopWindow {
			delete(c.returns, id)
			dropped++
		}
	}
	for id := range c.returns {
		if dropped >= loopEntries/10 {
			return
		}
		delete(c.returns, id)
		dropped++
	}
}

// loopID returns the browser's loop id, giving it one with this login start when it has none.
func (g *Gateway) loopID(w http.ResponseWriter, r *http.Request) string {
	if id, ok := g.clientCookie(r, g.cookies.loop); ok && validState(id) {
		return id
	}
	id := oidc.RandomToken()
	http.SetCookie(w, g.cookies.newCookie(g.cookies.loop, id, loopWindow))
	return id
}

// stopLoop shows the loop page, instead of another login, to a browser whose logins keep
// coming back without their session. It reports whether it did.
func (g *Gateway) stopLoop(w http.ResponseWriter, r *http.Request, returnTo string) bool {
	id, ok := g.clientCookie(r, g.cookies.loop)
	if !ok || !g.loops.looping(id, g.now()) {
		return false
	}
	g.loops.forget(id) // the next try starts a fresh count
	g.logger.Warn("redirect loop stopped: this browser came back through the callback "+
		"several times but never with its session cookie; check that Set-Cookie reaches the browser "+
		"(a proxy or CDN dropping it), that the site is served over https (or insecure_cookies for a test setup), "+
		"and that redirect_url names the host people use",
		zap.String("request_id", g.requestID(r)), zap.Int("logins", loopLimit), zap.Duration("within", loopWindow))
	g.fail(w, r, problem{
		Status: http.StatusConflict, Code: "login_loop",
		Title: msgLoopTitle, Detail: msgLoopDetail,
		Retry: g.loginURL(returnTo), RetryAs: msgTryAgain,
	}, nil)
	return true
}

// sessionUsed forgets the browser's count once a request comes with a working session.
func (g *Gateway) sessionUsed(r *http.Request) {
	if id, ok := g.clientCookie(r, g.cookies.loop); ok {
		g.loops.forget(id)
	}
}
