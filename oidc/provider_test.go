package oidc

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

func TestNewProviderValidatesIssuer(t *testing.T) {
	tests := []struct {
		name, issuer string
		ok           bool
	}{
		{"https issuer accepted", "https://kauth.kakao.com", true},
		{"https issuer with path accepted", "https://idp.example.com/realms/a", true},
		{"http on 127.0.0.1 accepted", "http://127.0.0.1:9090", true},
		{"http on other 127/8 address accepted", "http://127.8.9.10", true},
		{"http on localhost accepted", "http://localhost:9090", true},
		{"http on ::1 accepted", "http://[::1]:9090", true},
		{"http on a public host refused", "http://kauth.kakao.com", false},
		{"http on localhost lookalike refused", "http://localhost.evil.example", false},
		{"http on 127.0.0.1 lookalike refused", "http://127.0.0.1.nip.io", false},
		{"http on private address refused", "http://10.0.0.1", false},
		{"empty refused", "", false},
		{"relative refused", "/issuer", false},
		{"other scheme refused", "ftp://idp.example.com", false},
		{"query refused", "https://idp.example.com/?x=1", false},
		{"fragment refused", "https://idp.example.com/#x", false},
		{"user info refused", "https://user:pw@idp.example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewProvider(ProviderOptions{Issuer: tt.issuer})
			if (err == nil) != tt.ok {
				t.Fatalf("NewProvider(%q) error = %v, want ok=%v", tt.issuer, err, tt.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "oidc: ") {
				t.Errorf("error %q lacks the oidc: prefix", err)
			}
			if p != nil {
				p.Close()
			}
		})
	}
}

func TestNewProviderDoesNoNetworkIO(t *testing.T) {
	e := newEnv(t)
	for _, ep := range []oidctest.Endpoint{oidctest.Discovery, oidctest.JWKSURI} {
		if n := e.srv.Count(ep); n != 0 {
			t.Errorf("%s got %d requests before any use, want 0", ep, n)
		}
	}
}

func TestDiscoveryDownThenUpRecoversWithoutRestart(t *testing.T) {
	e := newEnv(t)
	e.srv.SetFault(oidctest.Discovery, oidctest.Fault{Status: http.StatusServiceUnavailable})

	if _, err := e.p.Metadata(e.ctx); !errors.Is(err, ErrProviderUnavailable) {
		t.Fatalf("Metadata while down: err = %v, want ErrProviderUnavailable", err)
	}
	// Login attempts during the backoff fail fast, without hammering the IdP.
	if _, err := e.c.AuthCodeURL(e.ctx, AuthRequest{RedirectURI: "https://rp/cb", State: "s", Nonce: "n", CodeChallenge: "c"}); !errors.Is(err, ErrProviderUnavailable) {
		t.Fatalf("AuthCodeURL while down: err = %v, want ErrProviderUnavailable", err)
	}
	if n := e.srv.Count(oidctest.Discovery); n != 1 {
		t.Fatalf("discovery requests during backoff = %d, want 1", n)
	}

	e.srv.ClearFault(oidctest.Discovery)
	if _, err := e.p.Metadata(e.ctx); err == nil {
		t.Fatal("Metadata succeeded before the backoff elapsed")
	}
	e.clock.Add(DefaultRetryMin)
	md, err := e.p.Metadata(e.ctx)
	if err != nil {
		t.Fatalf("Metadata after the IdP came back: %v", err)
	}
	if md.Issuer != e.srv.Issuer || md.JWKSURI != e.srv.URL(oidctest.JWKSURI) {
		t.Fatalf("metadata = %+v", md)
	}
	if _, err := e.p.Metadata(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Count(oidctest.Discovery); n != 2 {
		t.Fatalf("discovery requests = %d, want 2 (success is cached)", n)
	}
}

func TestDiscoveryBackoffDoublesUpToMax(t *testing.T) {
	e := newEnv(t, withProvider(func(po *ProviderOptions) { po.RetryMin, po.RetryMax = time.Second, 4*time.Second }))
	e.srv.SetFault(oidctest.Discovery, oidctest.Fault{Status: http.StatusInternalServerError})
	// Waits after failures 1..5: 1s, 2s, 4s, 4s, 4s.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		_, _ = e.p.Metadata(e.ctx)
		want := i + 1
		if n := e.srv.Count(oidctest.Discovery); n != want {
			t.Fatalf("attempt %d: requests = %d, want %d", i+1, n, want)
		}
		e.clock.Add(wait - time.Millisecond)
		_, _ = e.p.Metadata(e.ctx)
		if n := e.srv.Count(oidctest.Discovery); n != want {
			t.Fatalf("retried %s after failure %d, before the %s backoff", wait-time.Millisecond, i+1, wait)
		}
		e.clock.Add(time.Millisecond)
	}
}

func TestDiscoveryRefusesBadDocuments(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		fault  *oidctest.Fault
		is     error
	}{
		{name: "rp-discovery-issuer-not-matching-config", mutate: func(d map[string]any) { d["issuer"] = "https://example.org/" }, is: ErrIssuerMismatch},
		{name: "issuer with an extra trailing slash", mutate: func(d map[string]any) { d["issuer"] = d["issuer"].(string) + "/" }, is: ErrIssuerMismatch},
		{name: "issuer of another case", mutate: func(d map[string]any) { d["issuer"] = strings.ToUpper(d["issuer"].(string)) }, is: ErrIssuerMismatch},
		{name: "gw-tok-02 http token_endpoint", mutate: func(d map[string]any) { d["token_endpoint"] = "http://idp.example.com/token" }, is: ErrInvalidResponse},
		{name: "gw-tok-02 http authorization_endpoint", mutate: func(d map[string]any) { d["authorization_endpoint"] = "http://idp.example.com/auth" }, is: ErrInvalidResponse},
		{name: "gw-tok-02 http jwks_uri", mutate: func(d map[string]any) { d["jwks_uri"] = "http://idp.example.com/jwks" }, is: ErrInvalidResponse},
		{name: "gw-tok-02 http userinfo_endpoint", mutate: func(d map[string]any) { d["userinfo_endpoint"] = "http://idp.example.com/me" }, is: ErrInvalidResponse},
		{name: "missing authorization_endpoint", mutate: func(d map[string]any) { delete(d, "authorization_endpoint") }, is: ErrInvalidResponse},
		{name: "missing token_endpoint", mutate: func(d map[string]any) { delete(d, "token_endpoint") }, is: ErrInvalidResponse},
		{name: "missing jwks_uri", mutate: func(d map[string]any) { delete(d, "jwks_uri") }, is: ErrInvalidResponse},
		{name: "issuer of the wrong type", mutate: func(d map[string]any) { d["issuer"] = 42 }, is: ErrInvalidResponse},
		{name: "document is an array", fault: &oidctest.Fault{Body: []byte(`[{"issuer":"x"}]`)}, is: ErrInvalidResponse},
		{name: "document is garbage", fault: &oidctest.Fault{Body: []byte(`<html>oops</html>`)}},
		{name: "gw-jwt-10 document of 2 MiB is capped", fault: &oidctest.Fault{Body: append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), 2<<20)...)}, is: ErrResponseTooLarge},
		{name: "404", fault: &oidctest.Fault{Status: http.StatusNotFound}},
		{name: "redirect to plain http refused", fault: &oidctest.Fault{Status: http.StatusFound, Header: http.Header{"Location": {"http://idp.example.com/.well-known/openid-configuration"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.mutate != nil {
				e.srv.MutateDiscovery(tt.mutate)
			}
			if tt.fault != nil {
				e.srv.SetFault(oidctest.Discovery, *tt.fault)
			}
			_, err := e.p.Metadata(e.ctx)
			if !errors.Is(err, ErrProviderUnavailable) {
				t.Fatalf("err = %v, want ErrProviderUnavailable", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.is)
			}
			// The provider is refused: no login starts, /authorize is never hit.
			if _, err := e.c.AuthCodeURL(e.ctx, AuthRequest{RedirectURI: "https://rp/cb", State: "s", Nonce: "n", CodeChallenge: "c"}); err == nil {
				t.Fatal("AuthCodeURL succeeded with a refused provider")
			}
			if n := e.srv.Count(oidctest.Authorize); n != 0 {
				t.Fatalf("authorize requests = %d, want 0", n)
			}
		})
	}
}

func TestDiscoveryIsSingleFlight(t *testing.T) {
	e := newEnv(t)
	e.srv.SetFault(oidctest.Discovery, oidctest.Fault{Delay: 100 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			_, err := e.p.Metadata(e.ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.Count(oidctest.Discovery); n != 1 {
		t.Fatalf("discovery requests = %d, want 1", n)
	}
}

func TestDiscoveryRefreshesInBackgroundAndKeepsOldOnFailure(t *testing.T) {
	e := newEnv(t)
	md1, err := e.p.Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.MutateDiscovery(func(d map[string]any) { d["end_session_endpoint"] = e.srv.Issuer + "/logout" })
	e.clock.Add(DefaultDiscoveryRefresh)
	if md, err := e.p.Metadata(e.ctx); err != nil || md != md1 {
		t.Fatalf("stale Metadata = %v, %v; want the cached document at once", md, err)
	}
	waitFor(t, 5*time.Second, "background refresh", func() bool {
		md, _ := e.p.Metadata(e.ctx)
		return md.EndSessionEndpoint != ""
	})

	e.srv.SetFault(oidctest.Discovery, oidctest.Fault{Status: http.StatusInternalServerError})
	before := e.srv.Count(oidctest.Discovery)
	e.clock.Add(DefaultDiscoveryRefresh)
	md2, err := e.p.Metadata(e.ctx)
	if err != nil || md2.EndSessionEndpoint == "" {
		t.Fatalf("Metadata during failed refresh = %v, %v; want the last good document", md2, err)
	}
	waitFor(t, 5*time.Second, "failed refresh attempt", func() bool { return e.srv.Count(oidctest.Discovery) > before })
	if md, err := e.p.Metadata(e.ctx); err != nil || md != md2 {
		t.Fatalf("after failed refresh Metadata = %v, %v; want the last good document", md, err)
	}
}

func TestDiscoveryTimeoutIsBounded(t *testing.T) {
	e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Timeout = 200 * time.Millisecond }))
	e.srv.SetFault(oidctest.Discovery, oidctest.Fault{Delay: 5 * time.Second})
	start := time.Now()
	_, err := e.p.Metadata(e.ctx)
	if !errors.Is(err, ErrProviderUnavailable) {
		t.Fatalf("err = %v, want ErrProviderUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Metadata took %s with a 200ms timeout", d)
	}
}

func TestDiscoveryCallerCancelDoesNotFailOthers(t *testing.T) {
	e := newEnv(t)
	e.srv.SetFault(oidctest.Discovery, oidctest.Fault{Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := e.p.Metadata(e.ctx); done <- err }()
	if _, err := e.p.Metadata(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: err = %v, want DeadlineExceeded", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	if n := e.srv.Count(oidctest.Discovery); n != 1 {
		t.Fatalf("discovery requests = %d, want 1", n)
	}
}

func TestProviderCloseIsIdempotent(t *testing.T) {
	e := newEnv(t)
	e.mustVerify(t)
	e.p.Close()
	e.p.Close()
}
