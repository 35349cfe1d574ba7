package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
)

// Anyone can fetch a free login state and post a junk code to the callback, and each such
// callback makes the gateway send a token request with the app's secret: enough of them and
// the provider rate-limits the app (Kakao's KOE237) for everyone. So failed exchanges are
// budgeted, per client address (Caddy's client_ip) and for all clients together, in fixed
// windows: once a budget is spent, callbacks are answered 429 without a token request until
// the window ends. Successful exchanges never count, so a burst of real logins is never
// throttled; a provider outage does not count either (the retries are the users').

// maxTrackedClients bounds the per-client counts of one window. Past it, new addresses count
// only toward the global budget, which still bounds what reaches the provider.
const maxTrackedClients = 10000

// exchangeLimiter counts failed code exchanges; nil when failed_exchange_limit is off.
type exchangeLimiter struct {
	global, perClient int
	window            time.Duration
	now               func() time.Time

	mu      sync.Mutex
	start   time.Time // of the current window
	failed  int       // failures of all clients in the window
	clients map[string]int
}

func newExchangeLimiter(l *config.ExchangeLimit, now func() time.Time) *exchangeLimiter {
	if l == nil || l.Off || l.Global <= 0 || l.PerClient <= 0 || l.Window <= 0 {
		return nil
	}
	return &exchangeLimiter{global: l.Global, perClient: l.PerClient, window: time.Duration(l.Window), now: now,
		clients: map[string]int{}}
}

// rollLocked starts a new window when the current one has ended. l.mu must be held.
func (l *exchangeLimiter) rollLocked(now time.Time) {
	if now.Sub(l.start) >= l.window || now.Before(l.start) {
		l.start, l.failed = now, 0
		clear(l.clients)
	}
}

// allow reports whether client may make a code exchange now, and otherwise how long until
// the window ends.
func (l *exchangeLimiter) allow(client string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	if l.failed >= l.global || l.clients[client] >= l.perClient {
		return false, l.start.Add(l.window).Sub(now)
	}
	return true, 0
}

// fail counts a failed exchange of client.
func (l *exchangeLimiter) fail(client string) {
	if l == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	l.failed++
	if n, ok := l.clients[client]; ok || len(l.clients) < maxTrackedClients {
		l.clients[client] = n + 1
	}
}

// exchangeAllowed answers 429 with a page, and returns false, when r's client or all
// clients have spent their budget of failed code exchanges.
func (g *Gateway) exchangeAllowed(w http.ResponseWriter, r *http.Request, p *idp) bool {
	ok, wait := g.exchanges.allow(g.clientIP(r))
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
	g.failLogin(w, r, p, problem{Status: http.StatusTooManyRequests, Code: "too_many_failed_logins",
		Title: msgTooManyFailedTitle, Detail: msgTooManyFailedDetail},
		fmt.Errorf("failed_exchange_limit reached: no token request for %s", wait.Round(time.Second)))
	return false
}

// noteFailedExchange counts a code exchange that failed other than by an outage.
func (g *Gateway) noteFailedExchange(r *http.Request, err error) {
	if errors.Is(err, oidc.ErrProviderUnavailable) || g.exchanges == nil {
		return
	}
	g.exchanges.fail(g.clientIP(r))
	g.logger.Debug("failed code exchange counted", zap.String("request_id", g.requestID(r)))
}

// clientIP is the address the budgets of r's client are kept under: Caddy's client_ip
// (which honours trusted_proxies) when given, else the connection's address.
func (g *Gateway) clientIP(r *http.Request) string {
	if g.clientAddr != nil {
		if ip := g.clientAddr(r); ip != "" {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
