package gateway

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// The fake OP's keys, shared by the IdP fault tests (RSA keys are slow to make under -race).
var (
	idpKey        = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("idp-1") })
	idpRotatedKey = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("idp-2") })
)

// idpFault is one way an IdP endpoint can break.
type idpFault struct {
	name  string
	fault oidctest.Fault
	// outage: a login that needs the endpoint must end with 503; otherwise the endpoint
	// answered something unusable, and 502 or 503 are both right.
	outage bool
}

// wants returns the statuses a login that needs the broken endpoint may end with.
func (f idpFault) wants() []int {
	if f.outage {
		return []int{http.StatusServiceUnavailable}
	}
	return []int{http.StatusBadGateway, http.StatusServiceUnavailable}
}

// idpFaults are the breakages every endpoint is tried with.
func idpFaults() []idpFault {
	return []idpFault{
		{"answers 500", oidctest.Fault{Status: http.StatusInternalServerError}, true},
		{"answers 503 with an HTML page", oidctest.Fault{Status: http.StatusServiceUnavailable, Body: []byte("<html>maintenance</html>")}, true},
		{"hangs", oidctest.Fault{Delay: 4 * providerTimeout}, true},
		{"answers garbage", oidctest.Fault{Body: []byte("<html>not JSON</html>")}, false},
		{"answers a 10 MiB body", oidctest.Fault{Body: bytes.Repeat([]byte("x"), 10<<20)}, false},
	}
}

// emptyKeySet is a JWKS fault: a well-formed set without keys.
var emptyKeySet = idpFault{"serves an empty key set", oidctest.Fault{Body: []byte(`{"keys":[]}`)}, false}

// newIdPHarness is a gateway in front of the fake OP with the shared key.
func newIdPHarness(t *testing.T) *harness {
	return newHarness(t, harnessOptions{
		provider: config.ProviderOIDC,
		op:       oidctest.Options{Keys: []*oidctest.Key{idpKey()}},
	})
}

// loginFails completes a login through a fresh browser and checks it ends, within a bounded
// time, on the gateway's error page with one of the statuses want: no session, nothing
// upstream, the request id logged.
func (h *harness) loginFails(t *testing.T, want ...int) {
	t.Helper()
	before := h.up.count()
	c := h.browser()
	start := time.Now()
	res := h.get(noFollow(c), h.authorize(c, "/app", 0))
	if elapsed := time.Since(start); elapsed > 4*providerTimeout+time.Second {
		t.Errorf("the failed login took %v", elapsed)
	}
	if !slices.Contains(want, res.StatusCode) {
		t.Fatalf("login: %d, want one of %v\n%s", res.StatusCode, want, res.body)
	}
	h.assertLogged(t, h.problemID(t, res, true))
	if !strings.Contains(res.body, "Try again") && !strings.Contains(res.body, "Log in again") {
		t.Errorf("the error page offers no way to retry:\n%s", res.body)
	}
	if h.setsSession(res) {
		t.Error("a session cookie was set by a failed login")
	}
	if n := h.up.count(); n != before {
		t.Errorf("%d requests reached the upstream during a failed login", n-before)
	}
}

// loginWorks completes a login through a fresh browser and checks the upstream got the user.
func (h *harness) loginWorks(t *testing.T) {
	t.Helper()
	c := h.browser()
	h.login(c, "/app", 0)
	if res := h.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK || h.up.last(t).Header.Get("X-Auth-User-Id") != "user-1" {
		t.Fatalf("after the login: %d, upstream saw %v", res.StatusCode, h.up.last(t).Header)
	}
}

// sessionWorks checks that browser c's existing session still reaches the upstream.
func (h *harness) sessionWorks(t *testing.T, c *http.Client) {
	t.Helper()
	res := h.get(c, "/app", "Accept: application/json")
	if res.StatusCode != http.StatusOK || h.up.last(t).Header.Get("X-Auth-User-Id") != "user-1" {
		t.Fatalf("existing session during the IdP fault: %d %s", res.StatusCode, res.body)
	}
}

// TestTokenEndpointFaultsFailLoginsClearly (about 1 s, the hang is bounded by the provider
// timeout) breaks the token endpoint one way at a time after a first login: the existing
// session keeps working, a new login ends on a clear page with the right status (503 for an
// outage, 502 or 503 for an unusable answer), and logins work again once the endpoint does.
func TestTokenEndpointFaultsFailLoginsClearly(t *testing.T) {
	for _, f := range idpFaults() {
		t.Run(f.name, func(t *testing.T) {
			h := newIdPHarness(t)
			c := h.browser()
			h.login(c, "/app", 0)
			h.op.SetFault(oidctest.Token, f.fault)
			h.sessionWorks(t, c)
			h.loginFails(t, f.wants()...)
			h.op.ClearFault(oidctest.Token)
			h.loginWorks(t)
		})
	}
}

// TestUserInfoFaultsLeaveTheIDTokenClaims (about 1 s) breaks the userinfo endpoint: as
// designed for generic providers, a login still succeeds with the ID token's claims alone
// (the userinfo claims are missing, a warning is logged, the hang is bounded by the provider
// timeout), and the userinfo claims are back once the endpoint works.
func TestUserInfoFaultsLeaveTheIDTokenClaims(t *testing.T) {
	for _, f := range idpFaults() {
		t.Run(f.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{
				provider: config.ProviderOIDC,
				op:       oidctest.Options{Keys: []*oidctest.Key{idpKey()}, UserInfo: map[string]any{"name": "Alice"}},
				configure: func(c *config.Config) {
					c.Headers = []config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}, {Header: "X-Auth-Name", Claim: "name"}}
				},
			})
			h.op.SetFault(oidctest.UserInfo, f.fault)
			start := time.Now()
			h.loginWorks(t)
			if d := time.Since(start); d > 2*providerTimeout+time.Second {
				t.Errorf("the login took %v", d)
			}
			if got := h.up.last(t).Header.Get("X-Auth-Name"); got != "" {
				t.Errorf("X-Auth-Name = %q from a broken userinfo answer", got)
			}
			if h.logs.FilterMessage("userinfo not used").Len() == 0 {
				t.Error("the unusable userinfo answer was not logged")
			}
			h.op.ClearFault(oidctest.UserInfo)
			h.loginWorks(t)
			if got := h.up.last(t).Header.Get("X-Auth-Name"); got != "Alice" {
				t.Errorf("after recovery X-Auth-Name = %q, want Alice", got)
			}
		})
	}
}

// TestDiscoveryAndJWKSFaultsBeforeTheFirstLogin (about 3 s, subtests in parallel) starts
// gateways whose IdP's discovery or JWKS is broken before anything was cached: the gateway
// serves, a login ends on a clear page (starting it, for discovery; at the callback, for the
// keys), and logins work once the endpoint does, without a restart.
func TestDiscoveryAndJWKSFaultsBeforeTheFirstLogin(t *testing.T) {
	for _, f := range idpFaults() {
		t.Run("discovery "+f.name, func(t *testing.T) {
			t.Parallel()
			h := newIdPHarness(t)
			h.op.SetFault(oidctest.Discovery, f.fault)
			res := h.get(noFollow(h.browser()), "/.auth/login?rd=%2Fapp", "Accept: text/html")
			if !slices.Contains(f.wants(), res.StatusCode) {
				t.Fatalf("login start: %d, want one of %v\n%s", res.StatusCode, f.wants(), res.body)
			}
			h.assertLogged(t, h.problemID(t, res, true))
			if len(res.Cookies()) != 0 {
				t.Errorf("a failed login start set cookies: %v", res.Cookies())
			}
			h.op.ClearFault(oidctest.Discovery)
			waitUntil(t, 2*time.Second, "login start to work again", func() bool {
				return h.get(noFollow(h.browser()), "/.auth/login?rd=%2Fapp").StatusCode == http.StatusFound
			})
			h.loginWorks(t)
		})
	}
	for _, f := range append(idpFaults(), emptyKeySet) {
		t.Run("jwks "+f.name, func(t *testing.T) {
			t.Parallel() // each waits out the backoff after the failed first fetch
			h := newIdPHarness(t)
			h.op.SetFault(oidctest.JWKSURI, f.fault)
			h.loginFails(t, http.StatusServiceUnavailable)
			h.op.ClearFault(oidctest.JWKSURI)
			// The failed first fetch is retried after a short backoff, not a refetch interval.
			waitUntil(t, 3*time.Second, "a login to work again", func() bool {
				c := h.browser()
				return h.setsSession(h.get(noFollow(c), h.authorize(c, "/app", 0)))
			})
			h.loginWorks(t)
		})
	}
}

// TestLastGoodJWKSIsKept (about 1.5 s) breaks the JWKS after a first login: logins whose ID
// token is signed with a cached key keep verifying, however broken the JWKS is (empty set,
// garbage, 500, huge, hanging); a token with an unknown kid causes one refetch, which fails,
// so that login ends on a clear 503 page, and the cached keys are still used afterwards.
func TestLastGoodJWKSIsKept(t *testing.T) {
	for _, f := range append(idpFaults(), emptyKeySet) {
		t.Run(f.name, func(t *testing.T) {
			h := newIdPHarness(t)
			c := h.browser()
			h.login(c, "/app", 0)
			h.op.SetFault(oidctest.JWKSURI, f.fault)
			h.loginWorks(t)
			h.sessionWorks(t, c)
			if n := h.op.Count(oidctest.JWKSURI); n != 1 {
				t.Fatalf("JWKS fetched %d times, want once (keys are cached)", n)
			}
			h.op.SetKeys(idpRotatedKey(), idpKey(), idpRotatedKey())
			h.loginFails(t, http.StatusServiceUnavailable)
			if n := h.op.Count(oidctest.JWKSURI); n != 2 {
				t.Fatalf("JWKS fetched %d times, want 2 (one refetch for the unknown kid)", n)
			}
			h.op.SetKeys(idpKey(), idpKey(), idpRotatedKey())
			h.loginWorks(t)
		})
	}
}
