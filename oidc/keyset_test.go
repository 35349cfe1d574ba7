package oidc

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// unsignedWithKid returns a token with a garbage signature and the given
// kid: enough to exercise key lookup, which happens before any signature
// check.
func unsignedWithKid(t testing.TB, e *env, kid string) string {
	t.Helper()
	h, _ := json.Marshal(map[string]any{"alg": "RS256", "kid": kid})
	c, _ := json.Marshal(e.srv.Claims(e.nonce))
	return b64e(h) + "." + b64e(c) + "." + b64e([]byte("not-a-signature"))
}

func TestKeyRotationRefetchesOnceThenAccepts(t *testing.T) {
	for _, native := range []bool{false, true} {
		name := "rp-key-rotation-op-sign-key"
		if native {
			name += "-native"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			if native {
				// The cache is warm but stale before the very first login.
				if _, err := e.p.Keys().current(e.ctx, idTokenRefetch); err != nil {
					t.Fatal(err)
				}
			} else {
				e.mustVerify(t)
			}
			if n := e.srv.Count(oidctest.JWKSURI); n != 1 {
				t.Fatalf("JWKS requests = %d, want 1", n)
			}
			e.srv.SetKeys(rsaKey2(), rsaKey2())
			e.mustVerify(t)
			e.mustVerify(t)
			if n := e.srv.Count(oidctest.JWKSURI); n != 2 {
				t.Fatalf("JWKS requests = %d, want exactly 2 (one refetch for the new kid)", n)
			}
		})
	}
}

func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	e := newEnv(t)
	e.mustVerify(t)
	verifyUnknown := func(kid string) error {
		_, err := e.c.Verify(e.ctx, unsignedWithKid(t, e, kid), VerifyOptions{Nonce: e.nonce})
		if !errors.Is(err, ErrInvalidIDToken) {
			t.Fatalf("unknown kid %q: err = %v, want ErrInvalidIDToken", kid, err)
		}
		return err
	}
	steps := []struct {
		advance time.Duration
		kid     string
		want    int
	}{
		{0, "unknown-1", 2},
		{0, "unknown-2", 2},
		{DefaultRefetchInterval - time.Millisecond, "unknown-3", 2},
		{time.Millisecond, "unknown-4", 3},
		{time.Second, "unknown-5", 3},
	}
	for _, s := range steps {
		e.clock.Add(s.advance)
		verifyUnknown(s.kid)
		if n := e.srv.Count(oidctest.JWKSURI); n != s.want {
			t.Fatalf("after %s: JWKS requests = %d, want %d", s.kid, n, s.want)
		}
		e.mustVerify(t) // known kid keeps verifying
	}
}

func TestRefetchIntervalIsConfigurable(t *testing.T) {
	e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Keys.RefetchInterval = 5 * time.Second }))
	e.mustVerify(t)
	_, _ = e.c.Verify(e.ctx, unsignedWithKid(t, e, "a"), VerifyOptions{})
	e.clock.Add(5 * time.Second)
	_, _ = e.c.Verify(e.ctx, unsignedWithKid(t, e, "b"), VerifyOptions{})
	if n := e.srv.Count(oidctest.JWKSURI); n != 3 {
		t.Fatalf("JWKS requests = %d, want 3", n)
	}
}

func TestGwJwt13ThousandConcurrentUnknownKids(t *testing.T) {
	e := newEnv(t)
	e.mustVerify(t)
	e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Delay: 50 * time.Millisecond})
	good := e.srv.IssueIDToken(e.nonce)
	var accepted, rejected, wrong atomic.Int64
	var wg sync.WaitGroup
	for i := range 1000 {
		raw := unsignedWithKid(t, e, fmt.Sprintf("random-%d-%s", i, RandomToken()[:8]))
		wg.Go(func() {
			if _, err := e.c.Verify(e.ctx, raw, VerifyOptions{Nonce: e.nonce}); errors.Is(err, ErrInvalidIDToken) {
				rejected.Add(1)
			} else {
				wrong.Add(1)
			}
		})
		if i%10 == 0 {
			wg.Go(func() {
				if _, err := e.c.Verify(e.ctx, good, VerifyOptions{Nonce: e.nonce}); err == nil {
					accepted.Add(1)
				} else {
					wrong.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if rejected.Load() != 1000 || accepted.Load() != 100 || wrong.Load() != 0 {
		t.Fatalf("rejected %d/1000, accepted %d/100, wrong outcomes %d", rejected.Load(), accepted.Load(), wrong.Load())
	}
	if n := e.srv.Count(oidctest.JWKSURI); n > 2 {
		t.Fatalf("JWKS requests = %d, want at most 2 (initial + one refetch per cooldown)", n)
	}
}

func TestGwJwt14BrokenJWKSKeepsLastGoodSet(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakJWKS := oidctest.JWKS(&oidctest.Key{ID: "key-2", Alg: "RS256", Private: weak})
	malformed := `{"keys":[{"kty":"RSA","kid":"key-2","n":"AQAB"}]}`
	oct := `{"keys":[{"kty":"oct","kid":"key-2","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}]}`
	tests := []struct {
		name  string
		fault oidctest.Fault
		is    error
	}{
		{name: "status 500", fault: oidctest.Fault{Status: http.StatusInternalServerError}},
		{name: "garbage body", fault: oidctest.Fault{Body: []byte("<html>maintenance</html>")}},
		{name: "empty set", fault: oidctest.Fault{Body: []byte(`{"keys":[]}`)}},
		{name: "keys not an array", fault: oidctest.Fault{Body: []byte(`{"keys":"x"}`)}},
		{name: "a lone JWK instead of a set", fault: oidctest.Fault{Body: mustJSON(rsaKey2().JWK())}},
		{name: "only an encryption key", fault: oidctest.Fault{Body: oidctest.JWKS(rsaKey2().With("key-2", "RS256", "enc"))}},
		{name: "only a symmetric key", fault: oidctest.Fault{Body: []byte(oct)}},
		{name: "only a 1024-bit RSA key", fault: oidctest.Fault{Body: weakJWKS}},
		{name: "only a malformed key", fault: oidctest.Fault{Body: []byte(malformed)}},
		{name: "body of 2 MiB", fault: oidctest.Fault{Body: append(append([]byte(`{"keys":[`), bytes.Repeat([]byte(`{"kty":"RSA"},`), 150000)...), "]}"...)}, is: ErrResponseTooLarge},
		{name: "timeout", fault: oidctest.Fault{Delay: 3 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Timeout = 300 * time.Millisecond }))
			e.mustVerify(t)
			e.srv.SetFault(oidctest.JWKSURI, tt.fault)
			e.clock.Add(DefaultRefetchInterval)
			// A token signed by the rotated-in key: its kid forces a refetch.
			e.srv.SetKeys(rsaKey2(), rsaKey2())
			_, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce})
			if !errors.Is(err, ErrInvalidIDToken) || !errors.Is(err, ErrProviderUnavailable) {
				t.Fatalf("unknown kid during a broken refetch: err = %v, want ErrInvalidIDToken and ErrProviderUnavailable", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.is)
			}
			if n := e.srv.Count(oidctest.JWKSURI); n != 2 {
				t.Fatalf("JWKS requests = %d, want 2", n)
			}
			// The last good set still serves the old key.
			e.srv.SetKeys(rsaKey1(), rsaKey1())
			e.mustVerify(t)
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestFirstJWKSFailureIsNotSticky(t *testing.T) {
	e := newEnv(t)
	e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Status: http.StatusBadGateway})
	raw := e.srv.IssueIDToken(e.nonce)
	for range 2 {
		if _, err := e.c.Verify(e.ctx, raw, VerifyOptions{Nonce: e.nonce}); !errors.Is(err, ErrProviderUnavailable) {
			t.Fatalf("err = %v, want ErrProviderUnavailable", err)
		}
	}
	if n := e.srv.Count(oidctest.JWKSURI); n != 1 {
		t.Fatalf("JWKS requests during backoff = %d, want 1", n)
	}
	e.srv.ClearFault(oidctest.JWKSURI)
	e.clock.Add(time.Second)
	if _, err := e.c.Verify(e.ctx, raw, VerifyOptions{Nonce: e.nonce}); err != nil {
		t.Fatalf("after the JWKS came back: %v", err)
	}
}

func TestBackgroundRefreshKeepsLastGoodSetAndPublishesRotation(t *testing.T) {
	e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Keys.MinRefresh = time.Second }))
	e.mustVerify(t) // the first fetch, which starts the background refresh
	// Spend the forced refetch so that only background refreshes can fetch.
	_, _ = e.c.Verify(e.ctx, unsignedWithKid(t, e, "spend"), VerifyOptions{})
	url := e.srv.URL(oidctest.JWKSURI)

	e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Body: []byte(`{"keys":[]}`)})
	base := e.srv.Count(oidctest.JWKSURI)
	waitFor(t, 10*time.Second, "two background refreshes serving an empty set", func() bool {
		return e.srv.Count(oidctest.JWKSURI) >= base+2
	})
	if ix := e.p.keys.cur.Load(); ix == nil || ix.url != url || len(ix.keys) != 1 {
		t.Fatalf("the key set holds %+v, want the last good set of 1 key: the empty set must be refused", ix)
	}
	e.mustVerify(t)

	// A good rotation arrives by background refresh alone.
	e.srv.ClearFault(oidctest.JWKSURI)
	e.srv.SetKeys(rsaKey2(), rsaKey2())
	waitFor(t, 10*time.Second, "background refresh to publish the rotated key", func() bool {
		cands, _ := e.p.keys.cur.Load().candidates("key-2", "RS256")
		return len(cands) == 1
	})
	e.mustVerify(t)

	// Forced fetches never start another background refresh: there is still
	// one, about one fetch per second.
	for i := range 3 {
		e.clock.Add(DefaultRefetchInterval)
		_, _ = e.c.Verify(e.ctx, unsignedWithKid(t, e, fmt.Sprint("force-", i)), VerifyOptions{})
	}
	before := e.srv.Count(oidctest.JWKSURI)
	time.Sleep(3 * time.Second)
	if n := e.srv.Count(oidctest.JWKSURI) - before; n > 5 {
		t.Fatalf("%d background fetches in 3s with a 1s interval: refresh chains are multiplying", n)
	}
}

func TestJWKSCacheControlIsClamped(t *testing.T) {
	tests := []struct {
		name   string
		hdr    http.Header
		lo, hi int // accepted max-age range in seconds
	}{
		{"no caching headers uses the minimum", nil, 900, 900},
		{"max-age 0 raised to the minimum", http.Header{"Cache-Control": {"max-age=0"}}, 900, 900},
		{"no-store raised to the minimum", http.Header{"Cache-Control": {"no-store"}}, 900, 900},
		{"one year lowered to the maximum", http.Header{"Cache-Control": {"public, max-age=31536000"}}, 86400, 86400},
		{"one hour kept", http.Header{"Cache-Control": {"max-age=3600"}}, 3600, 3600},
		// HTTP dates have one-second resolution.
		{"Expires in two hours kept", http.Header{"Expires": {time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)}}, 7190, 7200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Now = nil }))
			e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Header: tt.hdr})
			_, ttl, err := e.p.keys.fetcher.fetch(e.ctx, e.srv.URL(oidctest.JWKSURI))
			if err != nil {
				t.Fatal(err)
			}
			if n := int(ttl / time.Second); n < tt.lo || n > tt.hi {
				t.Fatalf("refresh after %s; want [%ds, %ds]", ttl, tt.lo, tt.hi)
			}
		})
	}
}

func TestGwJwt05KidInjectionIsOpaqueAndBounded(t *testing.T) {
	e := newEnv(t)
	e.mustVerify(t)
	for _, kid := range []string{"../../../dev/null", "' OR '1'='1", "a\r\nSet-Cookie: x=y", strings.Repeat("k", 8<<10), "key-1\x00"} {
		_, err := e.c.Verify(e.ctx, unsignedWithKid(t, e, kid), VerifyOptions{Nonce: e.nonce})
		if !errors.Is(err, ErrInvalidIDToken) {
			t.Fatalf("kid %.20q: err = %v, want ErrInvalidIDToken", kid, err)
		}
		if msg := err.Error(); len(msg) > 300 || strings.ContainsAny(msg, "\r\n\x00") {
			t.Fatalf("error text not bounded/escaped: %q", msg)
		}
	}
	if n := e.srv.Count(oidctest.JWKSURI); n != 2 {
		t.Fatalf("JWKS requests = %d, want 2 (one rate-limited refetch)", n)
	}
}

func TestVerifySignatureChecksAlgsAndKeys(t *testing.T) {
	e := newEnv(t)
	raw := e.srv.IssueIDToken(e.nonce)
	if _, err := e.p.Keys().VerifySignature(e.ctx, raw, []string{"HS256"}); err == nil {
		t.Fatal("VerifySignature accepted an HS256 allow-list")
	}
	payload, err := e.p.Keys().VerifySignature(context.Background(), raw, []string{"RS256"})
	if err != nil || !bytes.Contains(payload, []byte(`"sub":"user-1"`)) {
		t.Fatalf("VerifySignature = %s, %v", payload, err)
	}
}
