package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
)

// Anyone can fetch a free login state and post a junk code to the callback, and each such
// callback makes the gateway send a token request with the app's secret: enough of them and
// the provider rate-limits the app (Kakao's KOE237) for everyone. So code exchanges are
// budgeted, per client (Caddy's client_ip; an IPv6 client by its /64) and for all clients
// together, in fixed windows: a budget counts the failed exchanges of the window plus the
// exchanges still in flight, each of which may yet fail. An exchange reserves its place
// before the token request and gives it back when it succeeds (or the provider is down: the
// retries are the users'), so at most a budget of token requests are ever in flight or failed
// in a window, however many junk callbacks arrive at once. A callback that finds a budget full
// only of failures is answered 429 without a token request until the window ends; one that
// finds it full with exchanges in flight waits for one of them to end (each ends within the
// token request's timeout), so a burst of real logins is queued behind the exchanges in
// flight, not refused. Only a callback that waited exchangeWaitLimit in vain is answered 503
// (busy, try again); one whose browser went away meanwhile is not answered at all.

// exchangeWaitLimit bounds how long a callback waits for a place held by exchanges in flight.
const exchangeWaitLimit = 10 * time.Second

// maxTrackedClients bounds the per-client failure counts of one window. Past it, new clients
// count only toward the global budget, which still bounds what reaches the provider.
const maxTrackedClients = 10000

// exchangeLimiter budgets code exchanges; nil when failed_exchange_limit is off.
type exchangeLimiter struct {
	global, perClient int
	window            time.Duration
	patience          time.Duration // the longest wait for a place: min(window, exchangeWaitLimit)
	now               func() time.Time

	mu        sync.Mutex
	start     time.Time      // of the current window
	failed    int            // failures of all clients in the window
	clients   map[string]int // failures per client in the window
	pending   int            // exchanges in flight
	pendingOf map[string]int // exchanges in flight per client (at most global entries)
	ended     chan struct{}  // closed, and replaced, when an exchange in flight ends
}

func newExchangeLimiter(l *config.ExchangeLimit, now func() time.Time) *exchangeLimiter {
	if l == nil || l.Off || l.Global <= 0 || l.PerClient <= 0 || l.Window <= 0 {
		return nil
	}
	window := time.Duration(l.Window)
	return &exchangeLimiter{global: l.Global, perClient: l.PerClient, window: window, patience: min(window, exchangeWaitLimit), now: now,
		clients: map[string]int{}, pendingOf: map[string]int{}, ended: make(chan struct{})}
}

// rollLocked starts a new window when the current one has ended. l.mu must be held.
func (l *exchangeLimiter) rollLocked(now time.Time) {
	if now.Sub(l.start) >= l.window || now.Before(l.start) {
		l.start, l.failed = now, 0
		clear(l.clients)
	}
}

// exchangeSlot is an exchange in flight that reserve let through; end it once with done.
type exchangeSlot struct {
	l      *exchangeLimiter
	client string
}

// reserve takes a place for an exchange of client, waiting while the budgets are full with
// exchanges in flight. It returns nil, and how long until the window ends, when failures have
// spent a budget; nil and 0 when ctx ended, or exchangeWaitLimit (or the window, if shorter)
// passed, while it waited. A nil limiter lets everything through (with a slot whose done does
// nothing).
func (l *exchangeLimiter) reserve(ctx context.Context, client string) (*exchangeSlot, time.Duration) {
	if l == nil {
		return &exchangeSlot{}, 0
	}
	var patience <-chan time.Time
	for {
		l.mu.Lock()
		now := l.now()
		l.rollLocked(now)
		if l.failed >= l.global || l.clients[client] >= l.perClient {
			l.mu.Unlock()
			return nil, l.start.Add(l.window).Sub(now)
		}
		if l.failed+l.pending < l.global && l.clients[client]+l.pendingOf[client] < l.perClient {
			l.pending++
			l.pendingOf[client]++
			l.mu.Unlock()
			return &exchangeSlot{l: l, client: client}, 0
		}
		ended := l.ended
		l.mu.Unlock()
		if patience == nil {
			t := time.NewTimer(l.patience)
			defer t.Stop()
			patience = t.C
		}
		select {
		case <-ended:
		case <-ctx.Done():
			return nil, 0
		case <-patience:
			return nil, 0
		}
	}
}

// done ends the exchange: its place is given back, and counted as a failure when failed.
func (s *exchangeSlot) done(failed bool) {
	l := s.l
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending--
	if n := l.pendingOf[s.client] - 1; n > 0 {
		l.pendingOf[s.client] = n
	} else {
		delete(l.pendingOf, s.client)
	}
	if failed {
		l.rollLocked(l.now())
		l.failed++
		if n, ok := l.clients[s.client]; ok || len(l.clients) < maxTrackedClients {
			l.clients[s.client] = n + 1
		}
	}
	close(l.ended)
	l.ended = make(chan struct{})
}

// reserveExchange returns the place of r's code exchange in the budgets (for a login that
// returns to returnTo), or returns nil: after
// answering 429 with a page when failures of r's client or of all clients have spent them, 503
// when exchanges in flight held every place for exchangeWaitLimit, and without an answer when
// the browser went away while it waited.
func (g *Gateway) reserveExchange(w http.ResponseWriter, r *http.Request, p *idp, returnTo string) *exchangeSlot {
	slot, wait := g.exchanges.reserve(r.Context(), exchangeClient(g.clientIP(r)))
	switch {
	case slot != nil:
		return slot
	case r.Context().Err() != nil:
		g.logger.Debug("a callback waiting for a code exchange place went away", zap.String("request_id", g.requestID(r)))
		return nil
	case wait == 0:
		w.Header().Set("Retry-After", "1")
		g.failLogin(w, r, p, problem{Status: http.StatusServiceUnavailable, Code: "login_busy",
			Title: msgLoginBusyTitle, Detail: msgRetryLater, Retry: g.loginURL(returnTo), RetryAs: msgLogInAgain},
			fmt.Errorf("no code exchange place within %s: every place held by exchanges in flight", g.exchanges.patience))
		return nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
	g.failLogin(w, r, p, problem{Status: http.StatusTooManyRequests, Code: "too_many_failed_logins",
		Title: msgTooManyFailedTitle, Detail: msgTooManyFailedDetail},
		fmt.Errorf("failed_exchange_limit reached: no token request for %s", wait.Round(time.Second)))
	return nil
}

// endExchange gives back the place of a code exchange that ended with err, counting it when
// it failed other than by an outage.
func (g *Gateway) endExchange(r *http.Request, slot *exchangeSlot, err error) {
	failed := err != nil && !errors.Is(err, oidc.ErrProviderUnavailable)
	slot.done(failed)
	if failed && slot.l != nil {
		g.logger.Debug("failed code exchange counted", zap.String("request_id", g.requestID(r)))
	}
}

// exchangeClient is the key of a client's budget: its address, or for an IPv6 address its
// /64, which one subscriber usually holds whole (an attacker changes addresses within it).
// An IPv4 address mapped into IPv6 counts as the IPv4 address.
func exchangeClient(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
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
