package gateway

import (
	"fmt"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
)

func TestExchangeLimiterBudgets(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newExchangeLimiter(&config.ExchangeLimit{Global: 5, PerClient: 2, Window: config.Duration(time.Minute)}, func() time.Time { return now })
	allowed := func(client string) bool { ok, _ := l.allow(client); return ok }
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
			l.fail(s.fail)
		}
		if got := allowed(s.check); got != s.want {
			t.Fatalf("%s: allow(%s) = %v, want %v", s.name, s.check, got, s.want)
		}
	}
	if _, wait := l.allow("x"); wait != 0 {
		t.Fatalf("wait for an allowed client = %s", wait)
	}
	for range 5 {
		l.fail("x")
	}
	if ok, wait := l.allow("y"); ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("after the global budget: %v, wait %s", ok, wait)
	}
	if newExchangeLimiter(&config.ExchangeLimit{Off: true}, time.Now) != nil {
		t.Fatal("failed_exchange_limit off still limits")
	}
}

func TestExchangeLimiterBoundsItsMemory(t *testing.T) {
	l := newExchangeLimiter(&config.ExchangeLimit{Global: 1 << 30, PerClient: 1, Window: config.Duration(time.Hour)}, time.Now)
	for i := range maxTrackedClients + 500 {
		l.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if n := len(l.clients); n != maxTrackedClients {
		t.Fatalf("tracked %d clients, want at most %d", n, maxTrackedClients)
	}
}
