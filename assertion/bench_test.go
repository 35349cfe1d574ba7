package assertion

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAssertion measures the authenticated hot path: a cache hit for a
// session seen recently, and a signature for one that is not (or with the
// cache disabled).
func BenchmarkAssertion(b *testing.B) {
	claims := userClaims("4242424242")
	b.Run("cached", func(b *testing.B) {
		s := mustSigner(b, [][]byte{fillSecret('a')}, newClock(), 0)
		mustAssert(b, s, "session-id-0123456789", "app.example.com", claims)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Assertion("session-id-0123456789", "app.example.com", claims); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached/parallel", func(b *testing.B) {
		s := mustSigner(b, [][]byte{fillSecret('a')}, newClock(), 0)
		const sessions = 1000
		ids := make([]string, sessions)
		for i := range ids {
			ids[i] = fmt.Sprintf("session-%016d", i)
			mustAssert(b, s, ids[i], "app.example.com", claims)
		}
		var next atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := next.Add(1)
			for pb.Next() {
				i += 7
				if _, err := s.Assertion(ids[i%sessions], "app.example.com", claims); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("sign", func(b *testing.B) {
		s := mustSigner(b, [][]byte{fillSecret('a')}, newClock(), -1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Assertion("session-id-0123456789", "app.example.com", claims); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sign+cache-insert", func(b *testing.B) {
		// every call misses: a new session each time, evicting from a full cache
		s := mustSigner(b, [][]byte{fillSecret('a')}, newClock(), 1000)
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			i++
			if _, err := s.Assertion(fmt.Sprint("session-", i), "app.example.com", claims); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify measures what an upstream pays with jwx, for reference.
func BenchmarkVerify(b *testing.B) {
	clk := newClock()
	s := mustSigner(b, [][]byte{fillSecret('a')}, clk, 0)
	tok := mustAssert(b, s, "sid", "app.example.com", userClaims("4242424242"))
	jwks := s.JWKS()
	now := clk.Now().Add(time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verify(b, jwks, tok, "app.example.com", testIssuer, now); err != nil {
			b.Fatal(err)
		}
	}
}
