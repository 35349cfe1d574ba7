package oidc

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// Keys are slow to generate under -race; tests share a few.
var (
	rsaKey1 = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("key-1") })
	rsaKey2 = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("key-2") })
	rsaKey3 = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("attacker") })
	ecKey1  = sync.OnceValue(func() *oidctest.Key { return oidctest.NewECKey("ec-1") })
)

// env is a fake provider with a Provider and Client pointed at it, sharing
// one fake clock.
type env struct {
	srv    *oidctest.Server
	clock  *testclock.Clock
	p      *Provider
	c      *Client
	nonce  string
	ctx    context.Context
	popts  ProviderOptions
	client *http.Client
}

// envOption adjusts the fake provider or the Provider before creation.
type envOption func(*oidctest.Options, *ProviderOptions)

// newEnv starts a fake provider and builds a Provider and Client for it.
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	clock := testclock.New(time.Now().Truncate(time.Second))
	so := oidctest.Options{Now: clock.Now, Keys: []*oidctest.Key{rsaKey1()}}
	po := ProviderOptions{Timeout: 2 * time.Second, Now: clock.Now}
	for _, o := range opts {
		o(&so, &po)
	}
	srv := oidctest.NewServer(t, so)
	po.Issuer = srv.Issuer
	if po.HTTPClient == nil {
		po.HTTPClient = srv.HTTPClient()
	}
	p, err := NewProvider(po)
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	t.Cleanup(p.Close)
	c := &Client{Provider: p, ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, Scopes: []string{"openid", "profile"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &env{srv: srv, clock: clock, p: p, c: c, nonce: "n-0S6_WzA2Mj", ctx: ctx, popts: po, client: po.HTTPClient}
}

// withServer adjusts the fake provider's options.
func withServer(f func(*oidctest.Options)) envOption {
	return func(so *oidctest.Options, _ *ProviderOptions) { f(so) }
}

// withProvider adjusts the Provider's options.
func withProvider(f func(*ProviderOptions)) envOption {
	return func(_ *oidctest.Options, po *ProviderOptions) { f(po) }
}

// mustVerify verifies a fresh good token, failing the test on error.
func (e *env) mustVerify(t testing.TB) {
	t.Helper()
	if _, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce}); err != nil {
		t.Fatalf("Verify(good token): %v", err)
	}
}

// waitFor polls cond for up to d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
