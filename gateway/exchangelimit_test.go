package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
)

// reserveNow reserves a place for client without waiting for exchanges in flight; nil when
// none is free now.
func reserveNow(l *exchangeLimiter, client string) (*exchangeSlot, time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return l.reserve(ctx, client)
}

func TestExchangeLimiterBudgets(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newExchangeLimiter(&config.ExchangeLimit{Global: 5, PerClient: 2, Window: config.Duration(time.Minute)}, func() time.Time { return now })
	allowed := func(client string) bool {
		slot, _ := reserveNow(l, client)
		if slot != nil {
			slot.done(false) // a success gives the place back
		}
		return slot != nil
	}
	fail := func(client string) {
		slot, _ := reserveNow(l, client)
		if slot == nil {
			t.Fatalf("no place for %s's failure", client)
		}
		slot.done(true)
	}
	steps := []struct {
		name    string
		advance time.Duration
		fail    string // client that fails once, before the check
		check   string
		want    bool
	}{
		{"fresh client", 0, "", "a", true},
		{"one failure", 0, "a", "a", true},
		{"per-client budget spent", 0, "a", "a", false},
		{"another client unaffected", 0, "", "b", true},
		{"global budget: b fails", 0, "b", "b", true},
		{"global budget: c fails", 0, "c", "c", true},
		{"global budget spent by a fifth failure", 0, "d", "e", false},
		{"a new window forgives", time.Minute, "", "a", true},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.fail != "" {
			fail(s.fail)
		}
		if got := allowed(s.check); got != s.want {
			t.Fatalf("%s: reserve(%s) = %v, want %v", s.name, s.check, got, s.want)
		}
	}
	for i := range 5 {
		fail(fmt.Sprint("x", i))
	}
	if slot, wait := reserveNow(l, "y"); slot != nil || wait <= 0 || wait > time.Minute {
		t.Fatalf("after the global budget: %v, wait %s", slot, wait)
	}
	if newExchangeLimiter(&config.ExchangeLimit{Off: true}, time.Now) != nil {
		t.Fatal("failed_exchange_limit off still limits")
	}
}

// TestExchangeLimiterCountsExchangesInFlight: exchanges in flight hold places in both budgets,
// so junk sent at once cannot all reach the provider; a caller that finds a budget full of
// exchanges in flight waits, and gets the place a success gives back, or is refused once
// failures spent the budget.
func TestExchangeLimiterCountsExchangesInFlight(t *testing.T) {
	l := newExchangeLimiter(&config.ExchangeLimit{Global: 3, PerClient: 2, Window: config.Duration(time.Minute)}, time.Now)
	a1, _ := reserveNow(l, "a")
	a2, _ := reserveNow(l, "a")
	b1, _ := reserveNow(l, "b")
	if a1 == nil || a2 == nil || b1 == nil {
		t.Fatal("places within the budgets refused")
	}
	if s, wait := reserveNow(l, "a"); s != nil || wait != 0 {
		t.Fatalf("a third exchange of a in flight: %v (wait %s), want none without waiting for a window", s, wait)
	}
	if s, _ := reserveNow(l, "c"); s != nil {
		t.Fatal("a fourth exchange in flight passed the global budget")
	}
	got := make(chan *exchangeSlot)
	go func() {
		s, _ := l.reserve(context.Background(), "a")
		got <- s
	}()
	select {
	case s := <-got:
		t.Fatalf("a waiter got %v while the budgets are full", s)
	case <-time.After(50 * time.Millisecond):
	}
	a1.done(false) // a success gives its place to the waiter
	a3 := <-got
	if a3 == nil {
		t.Fatal("the waiter got no place after a success")
	}
	go func() {
		s, _ := l.reserve(context.Background(), "a")
		got <- s
	}()
	a2.done(true)
	a3.done(true) // a's budget is spent by failures: the waiter is refused
	if s := <-got; s != nil {
		t.Fatal("a waiter got a place after failures spent the budget")
	}
	b1.done(false)
	if s, _ := reserveNow(l, "b"); s == nil {
		t.Fatal("b refused while 2 failures and nothing in flight use the global budget of 3")
	}
}

// TestExchangeLimiterWaitsBoundedly: a caller that finds every place held by exchanges in
// flight waits at most min(window, exchangeWaitLimit), and no longer than its request lives;
// either way it gets no place and no window to wait for (so it is not told failures spent
// the budget).
func TestExchangeLimiterWaitsBoundedly(t *testing.T) {
	l := newExchangeLimiter(&config.ExchangeLimit{Global: 1, PerClient: 1, Window: config.Duration(150 * time.Millisecond)}, time.Now)
	held, _ := reserveNow(l, "a")
	if held == nil {
		t.Fatal("the first place was refused")
	}
	start := time.Now()
	if s, wait := l.reserve(context.Background(), "b"); s != nil || wait != 0 {
		t.Fatalf("a waiter behind an exchange in flight: %v, wait %s; want nothing", s, wait)
	}
	if took := time.Since(start); took < 150*time.Millisecond || took > 5*time.Second {
		t.Fatalf("the waiter gave up after %s, want the window (150ms)", took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if s, wait := l.reserve(ctx, "b"); s != nil || wait != 0 || ctx.Err() == nil {
		t.Fatalf("a waiter whose request ended: %v, wait %s", s, wait)
	}
	held.done(false)
	if s, _ := reserveNow(l, "b"); s == nil {
		t.Fatal("the place given back was not free")
	}
}

// TestExchangeClientKeysIPv6ByPrefix: the per-client budget of an IPv6 client is kept for its
// /64; IPv4 addresses (mapped or not) and what is no address stay as they are.
func TestExchangeClientKeysIPv6ByPrefix(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"not-an-ip", "not-an-ip"},
	}
	for _, tt := range tests {
		if got := exchangeClient(tt.ip); got != tt.want {
			t.Errorf("exchangeClient(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func TestExchangeLimiterBoundsItsMemory(t *testing.T) {
	l := newExchangeLimiter(&config.ExchangeLimit{Global: 1 << 30, PerClient: 1, Window: config.Duration(time.Hour)}, time.Now)
	for i := range maxTrackedClients + 500 {
		slot, _ := reserveNow(l, fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		slot.done(true)
	}
	if n := len(l.clients); n != maxTrackedClients || len(l.pendingOf) != 0 {
		t.Fatalf("tracked %d clients (%d in flight), want at most %d (none)", n, len(l.pendingOf), maxTrackedClients)
	}
}
