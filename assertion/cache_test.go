package assertion

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestCacheReusesThenRenews(t *testing.T) {
	const host = "app.example.com"
	tests := []struct {
		name string
		// second call after first, with these changes
		advance  time.Duration
		session  string
		audience string
		claims   func(map[string]string)
		size     int
		same     bool
	}{
		{name: "reused at once", session: "sid", audience: host, same: true},
		{name: "reused just before half the lifetime", advance: DefaultTTL/2 - time.Nanosecond, session: "sid", audience: host, same: true},
		{name: "renewed at half the lifetime", advance: DefaultTTL / 2, session: "sid", audience: host},
		{name: "renewed after the lifetime", advance: DefaultTTL + time.Second, session: "sid", audience: host},
		{name: "another session signs its own", session: "sid2", audience: host},
		{name: "another audience signs its own", session: "sid", audience: "api.example.com"},
		{name: "a changed claim re-signs", session: "sid", audience: host, claims: func(c map[string]string) { c["nickname"] = "어피치" }},
		{name: "an added claim re-signs", session: "sid", audience: host, claims: func(c map[string]string) { c["x"] = "" }},
		{name: "a removed claim re-signs", session: "sid", audience: host, claims: func(c map[string]string) { delete(c, "gender") }},
		{name: "no session id is never cached", session: "", audience: host},
		{name: "a disabled cache always signs", session: "sid", audience: host, size: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s := mustSigner(t, [][]byte{fillSecret('a')}, clk, tt.size)
			first := "sid"
			if tt.session == "" {
				first = ""
			}
			claims := userClaims("1")
			a := mustAssert(t, s, first, host, claims)
			if tt.claims != nil {
				tt.claims(claims) // the caller reuses and mutates its map
			}
			clk.Add(tt.advance)
			b := mustAssert(t, s, tt.session, tt.audience, claims)
			if (a == b) != tt.same {
				t.Errorf("same token = %v, want %v", a == b, tt.same)
			}
			parsed, err := verify(t, s.JWKS(), b, tt.audience, testIssuer, clk.Now())
			if err != nil {
				t.Fatalf("the token returned does not verify: %v", err)
			}
			if left := parsed.Expiration().Sub(clk.Now()); left < DefaultTTL/2 {
				t.Errorf("token returned with %v left, want at least half the lifetime", left)
			}
			if got, _ := parsed.Get("claims"); fmt.Sprint(got) != fmt.Sprint(toAny(claims)) {
				t.Errorf("claims = %v, want %v", got, claims)
			}
		})
	}
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestCacheEvictsUnusedEntriesFirst(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 2)
	c := userClaims("1")
	a := mustAssert(t, s, "a", "h", c)
	b := mustAssert(t, s, "b", "h", c)
	if mustAssert(t, s, "a", "h", c) != a { // a is used again
		t.Fatal("a was not cached")
	}
	mustAssert(t, s, "c", "h", c) // full: evicts b, not a
	if mustAssert(t, s, "a", "h", c) != a {
		t.Error("a, used since the last sweep, was evicted")
	}
	if mustAssert(t, s, "b", "h", c) == b {
		t.Error("b, unused, survived instead")
	}
}

func TestCacheEvictsEntriesDueForRenewalFirst(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 2)
	c := userClaims("1")
	mustAssert(t, s, "a", "h", c)
	mustAssert(t, s, "due", "h", c)
	mustAssert(t, s, "due", "h", c) // used, then due for renewal
	clk.Add(DefaultTTL / 2)
	a := mustAssert(t, s, "a", "h", c) // renewed in place
	mustAssert(t, s, "a", "h", c)      // and used
	mustAssert(t, s, "new", "h", c)    // full: the hand passes a, evicts "due"
	if mustAssert(t, s, "a", "h", c) != a {
		t.Error("a fresh used entry was evicted before a used one due for renewal")
	}
}

func TestCacheStaysBounded(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"one shard", 3},
		{"several shards with a remainder", 1000},
		{"the default", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s := mustSigner(t, [][]byte{fillSecret('a')}, clk, tt.size)
			want := tt.size
			if want == 0 {
				want = DefaultCacheSize
			}
			total := 0
			for i := range s.cache.shards {
				total += s.cache.shards[i].size
			}
			if total != want {
				t.Fatalf("shard capacities sum to %d, want %d", total, want)
			}
			for i := range want + want/2 + 10 {
				// bypass signing: the bound is the cache's, not the signer's
				s.cache.put(cacheKey{fmt.Sprint("sid", i), "h"}, nil, "tok", 1<<62, 0)
			}
			if n := s.cache.len(); n > want || n < want*9/10 {
				t.Errorf("cache holds %d entries, want at most %d and close to it", n, want)
			}
		})
	}
}

func TestConcurrentUseIsSafe(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 8)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				sid := fmt.Sprint("sid", (g*7+i)%13)
				claims := userClaims(sid)
				tok, err := s.Assertion(sid, "app.example.com", claims)
				if err == nil && i%50 == 0 {
					_, err = verify(t, s.JWKS(), tok, "app.example.com", testIssuer, clk.Now())
				}
				if err != nil {
					errs <- err
					return
				}
				if i%20 == 0 {
					clk.Add(time.Second)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
