package gateway

// Concurrency under -race at the gateway level: one refresh for a thousand requests, many
// tabs logging in at once, hundreds of callbacks with unknown kids (gw-jwt-13).

import (
	"crypto/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// burstClient returns a client whose transport keeps enough idle connections for a burst of
// n requests to one host, closed when the test ends.
func burstClient(t *testing.T, n int) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxIdleConns: n}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// burst runs f(i) for i in [0, n) in n goroutines released together, and waits for them.
func burst(n int, f func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			f(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// TestThousandConcurrentRequestsRefreshOnce sends 1,000 concurrent requests of one session
// when its access token is due: the provider sees exactly one refresh (the token endpoint is
// slow, so the requests arrive while it is in flight), every request reaches the upstream
// with the session's identity, and the refreshed tokens are kept (gw-ref-02).
func TestThousandConcurrentRequestsRefreshOnce(t *testing.T) {
	// Not parallel: a thousand requests would starve other tests' provider calls.
	const n = 1000
	h, c, before := refreshHarness(t, oidctest.Options{RotateRefreshTokens: true}, nil)
	h.op.SetFault(oidctest.Token, oidctest.Fault{Delay: 300 * time.Millisecond})
	cookie := "Cookie: " + h.gw.cookies.session + "=" + h.sessionCookie(c).Value
	client := burstClient(t, n)
	up0 := h.up.count()
	var failed sync.Map
	burst(n, func(i int) {
		if r := h.get(client, "/app", "Accept: application/json", cookie); r.StatusCode != http.StatusOK {
			failed.Store(i, r.StatusCode)
		}
	})
	failed.Range(func(i, status any) bool {
		t.Errorf("request %v: %v", i, status)
		return true
	})
	if got := h.op.Count(oidctest.Token); got != 2 {
		t.Errorf("token endpoint calls = %d, want the login's and exactly one refresh", got)
	}
	if got := h.up.count() - up0; got != n {
		t.Errorf("%d requests reached the upstream, want %d", got, n)
	}
	after := h.storedSession(t, c)
	if after.refresh == before.refresh || after.access == before.access {
		t.Error("the refreshed tokens were not stored")
	}
}

// TestManyTabsLogInConcurrently opens 20 login tabs one after the other in one browser and
// lets all of them come back at once. A browser keeps at most maxLoginCookies login cookies,
// so exactly the 4 newest tabs log in and the 16 older ones get a clean 400 (invalid_state,
// with a "Log in again" link) - never a 5xx, a wrong session or an upstream request. Up to the
// cap, tabs started and finished concurrently all log in.
func TestManyTabsLogInConcurrently(t *testing.T) {
	const tabs = 20
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	callbacks := make([]string, tabs)
	for i := range callbacks {
		callbacks[i] = h.authorize(c, "/tab", 0)
		h.clock.Add(time.Second) // distinct creation times: the cap expires the oldest
	}
	statuses := make([]int, tabs)
	burst(tabs, func(i int) {
		res := h.get(noFollow(c), callbacks[i])
		statuses[i] = res.StatusCode
		if res.StatusCode == http.StatusBadRequest && !strings.Contains(res.body, "Log in again") {
			t.Errorf("tab %d: the refusal offers no way to log in again", i)
		}
	})
	for i, s := range statuses {
		want := http.StatusBadRequest
		if i >= tabs-maxLoginCookies {
			want = http.StatusFound
		}
		if s != want {
			t.Errorf("tab %d of %d: %d, want %d", i, tabs, s, want)
		}
	}
	if h.up.count() != 0 {
		t.Errorf("%d callbacks reached the upstream", h.up.count())
	}
	if !h.hasSession(c) {
		t.Error("the browser has no working session after the tabs logged in")
	}

	c2 := h.browser()
	cbs := make([]string, maxLoginCookies)
	burst(maxLoginCookies, func(i int) { cbs[i] = h.authorize(c2, "/tab", 0) })
	burst(maxLoginCookies, func(i int) {
		if res := h.get(noFollow(c2), cbs[i]); res.StatusCode != http.StatusFound {
			t.Errorf("concurrent tab %d: %d, want 302", i, res.StatusCode)
		}
	})
}

// TestCase_gw_jwt_13_RefusesUnknownKidBurstWithAtMostOneRefetch brings 300 logins back at once (at most maxInFlight callbacks in flight:
// every callback costs a token request, and the suite must stay fast on two cores under
// -race), each with an ID token whose kid is random: all are refused, the provider's JWKS is fetched at most once more (one shared,
// rate-limited refetch), and a token with the known kid still verifies afterwards. The
// verifier-level test (package oidc, TestGwJwt13ThousandConcurrentUnknownKids) covers the
// cooldown itself, with 1,000 truly concurrent unknown kids.
func TestCase_gw_jwt_13_RefusesUnknownKidBurstWithAtMostOneRefetch(t *testing.T) {
	// Not parallel, like the other bursts.
	const n, maxInFlight = 300, 100
	// ES256: RSA signing is slow under -race, and the provider signs a thousand tokens here.
	h := newOIDC(t, harnessOptions{op: oidctest.Options{Keys: []*oidctest.Key{suiteECKey()}, SigningAlgs: []string{"ES256"}}})
	h.patientProvider(t, 10*time.Second)
	warm := h.browser()
	h.expectLogin(t, warm, h.authorize(warm, "/app", 0), "/app", "user-1")
	jwks0 := h.op.Count(oidctest.JWKSURI)

	browsers := make([]*http.Client, n)
	callbacks := make([]string, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range work {
				browsers[i] = h.browser()
				callbacks[i] = h.authorize(browsers[i], "/app", 0)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()

	h.op.MutateHeader(func(hd map[string]any) { hd["kid"] = rand.Text() })
	statuses := make([]int, n)
	inFlight := make(chan struct{}, maxInFlight)
	burst(n, func(i int) {
		inFlight <- struct{}{}
		defer func() { <-inFlight }()
		statuses[i] = h.get(noFollow(browsers[i]), callbacks[i], "Accept: application/json").StatusCode
	})
	for i, s := range statuses {
		if s != http.StatusUnauthorized {
			t.Fatalf("callback %d with an unknown kid: %d, want 401", i, s)
		}
	}
	if got := h.op.Count(oidctest.JWKSURI) - jwks0; got > 1 {
		t.Errorf("%d JWKS fetches for %d unknown kids, want at most one", got, n)
	}
	if _, ui := h.calls(); ui != 1 {
		t.Errorf("userinfo calls = %d: refused logins must not reach it", ui)
	}
	h.op.MutateHeader(nil)
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
}
