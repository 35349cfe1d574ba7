package gateway

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

// The cases of section H of docs/rp-security.md (issue 15): the edge a hostile client or a
// hostile provider reaches. The e2e tests named in docs/security.md run the same through the
// Caddy binary.

// TestCase_gw_edge_01_ConnectionCannotNameIdentityHeaders: Connection and Proxy-Connection naming the gateway's headers reach the
// upstream (and so the proxy that would delete them) without those names, on protected,
// optional and public routes.
func TestCase_gw_edge_01_ConnectionCannotNameIdentityHeaders(t *testing.T) {
	t.Parallel()
	headers := func(c *config.Config) {
		c.Headers = []config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}, {Header: "Remote-User", Claim: "id"}}
	}
	h := newHarness(t, harnessOptions{public: []string{"/public"}, configure: headers})
	hostile := []string{"Connection: keep-alive, X-Auth-Status, remote-user", "Proxy-Connection: x-auth-user-id", "Accept: application/json"}
	c := h.browser()
	h.login(c, "/app", 1001)
	check := func(name string) {
		t.Helper()
		up := h.up.last(t)
		if got := up.Header.Values("Connection"); len(got) != 1 || got[0] != "keep-alive" {
			t.Errorf("%s: Connection at the upstream = %q, want only keep-alive", name, got)
		}
		if got := up.Header.Values("Proxy-Connection"); len(got) != 0 {
			t.Errorf("%s: Proxy-Connection at the upstream = %q", name, got)
		}
	}
	if r := h.get(c, "/app", hostile...); r.StatusCode != http.StatusOK || h.up.last(t).Header.Get("Remote-User") != "1001" {
		t.Fatalf("protected: %d %v", r.StatusCode, h.up.last(t).Header)
	}
	check("protected")
	h.get(h.browser(), "/public", hostile...)
	check("public without a session")

	opt := newHarness(t, harnessOptions{configure: func(c *config.Config) { headers(c); c.Optional = true }})
	if r := opt.get(opt.browser(), "/article", hostile...); r.StatusCode != http.StatusOK || opt.up.last(t).Header.Get("X-Auth-Status") != statusAnonymous {
		t.Fatalf("optional: %d %v", r.StatusCode, opt.up.last(t).Header)
	}
	if got := opt.up.last(t).Header.Values("Connection"); len(got) != 1 || got[0] != "keep-alive" {
		t.Errorf("optional: Connection at the upstream = %q, want only keep-alive", got)
	}
}

// TestCase_gw_edge_02_IdentityTrailersAreDropped: request trailers named like the gateway's headers, declared or only
// sent, are dropped before the upstream reads them; the app's own trailers pass.
func TestCase_gw_edge_02_IdentityTrailersAreDropped(t *testing.T) {
	t.Parallel()
	var trailers []http.Header
	h := newHarness(t, harnessOptions{public: []string{"/public"}, after: func(_ *harness, up Next) Next {
		return func(w http.ResponseWriter, r *http.Request) error {
			_, _ = io.Copy(io.Discard, r.Body)
			trailers = append(trailers, r.Trailer.Clone())
			return up(w, r)
		}
	}})
	c := h.browser()
	h.login(c, "/app", 1001)
	for _, path := range []string{"/app", "/public"} {
		req, err := http.NewRequest(http.MethodPost, h.base+path, io.NopCloser(strings.NewReader("a=1")))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1
		req.Header.Set("Accept", "application/json")
		req.Trailer = http.Header{"X-Auth-User-Id": {"999"}, "X-Auth-Signed-Up": {"true"}, "X-Checksum": {"ok"}}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		got := trailers[len(trailers)-1]
		if got.Get("X-Checksum") != "ok" || got.Get("X-Auth-User-Id") != "" || got.Get("X-Auth-Signed-Up") != "" {
			t.Errorf("POST %s: trailers at the upstream %v, want only X-Checksum", path, got)
		}
	}
}

// TestCase_gw_edge_03_RefusesOldIDTokenAtLoginAndRefresh: an ID token from the token endpoint whose iat is hours old (exp still
// ahead) is refused at login and ends the session at refresh; one within id_token_max_age
// plus the skew passes.
func TestCase_gw_edge_03_RefusesOldIDTokenAtLoginAndRefresh(t *testing.T) {
	t.Parallel()
	stale := func(c map[string]any, now time.Time) {
		c["iat"], c["exp"] = now.Add(-3*time.Hour).Unix(), now.Add(time.Hour).Unix()
	}
	runCases(t, map[string]oidcCase{
		"login, iat three hours old": rejectClaims(stale, "not fresh from the token endpoint"),
		"login, iat ten and a half minutes old": acceptClaims(func(c map[string]any, now time.Time) {
			c["iat"] = now.Add(-10*time.Minute - 30*time.Second).Unix()
		}),
	})
	t.Run("refresh, iat three hours old", func(t *testing.T) {
		t.Parallel()
		h, c, sess := refreshHarness(t, oidctest.Options{}, nil)
		h.op.MutateClaims(func(c map[string]any) { stale(c, time.Now()) })
		before := h.up.count()
		if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request after a stale refreshed ID token: %d, want 401", r.StatusCode)
		}
		if _, err := h.loadSession(sess.cookie); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("the session survived: %v", err)
		}
		if h.logs.FilterMessage("refreshed ID token rejected").Len() != 1 || h.up.count() != before {
			t.Error("the refusal was not logged, or the request went upstream")
		}
	})
}

// randomKidToken is a JWS with kid and a signature no key makes.
func randomKidToken(kid string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"`+kid+`"}`)) + "." + enc([]byte(`{"iss":"x"}`)) + "." + enc([]byte("not-a-signature"))
}

// TestCase_gw_edge_04_LogoutTokensCannotSpendLoginRefetch: strangers posting back-channel logout tokens with random kids spend
// only the logout tokens' refetch budget: right after a key rotation, a login still gets
// the JWKS refetch its new kid needs.
func TestCase_gw_edge_04_LogoutTokensCannotSpendLoginRefetch(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	for i := range 30 {
		if r := h.backchannel(randomKidToken(fmt.Sprintf("random-%d", i))); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("logout token with a random kid: %d, want 400", r.StatusCode)
		}
	}
	if n := h.op.Count(oidctest.JWKSURI); n > 2 {
		t.Fatalf("30 random logout kids caused %d JWKS fetches, want at most 2", n)
	}
	h.op.SetKeys(suiteKey2(), suiteKey2())
	b := h.browser()
	h.expectLogin(t, b, h.authorize(b, "/app", 0), "/app", "user-1")
}

// TestCase_gw_edge_05_FailedCodeExchangesAreBudgeted: junk codes posted with free login states cost the app at most the
// per-client budget of token requests; then the callback answers 429 with a page and no
// token request. A burst of successful logins from one address is never throttled.
func TestCase_gw_edge_05_FailedCodeExchangesAreBudgeted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) {
		c.FailedExchanges = &config.ExchangeLimit{Global: 100, PerClient: 3, Window: config.Duration(time.Minute)}
	}})
	for i := range 20 { // successes never count
		c := h.browser()
		h.login(c, "/app", int64(1001+i%2))
	}
	junk := func(c *http.Client) *result {
		state, _ := h.startLogin(c, "/app")
		return h.get(noFollow(c), "/.auth/callback?code=junk-code&state="+state)
	}
	c := h.browser()
	for i := range 3 {
		if r := junk(c); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("junk code %d: %d, want 400 (invalid_grant)", i, r.StatusCode)
		}
	}
	tokens := h.kakao.Calls("/oauth/token")
	r := junk(c)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.body, "<html") {
		t.Fatalf("junk code past the budget: %d (Retry-After %q), want 429 with a page\n%s", r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
	if n := h.kakao.Calls("/oauth/token"); n != tokens {
		t.Errorf("a throttled callback made a token request (%d, was %d)", n, tokens)
	}
	if h.logs.FilterMessage("request refused").FilterField(zap.String("reason", "too_many_failed_logins")).Len() != 1 {
		t.Error("the 429 was not logged")
	}
}

// TestCallbackBusyBehindExchangesInFlightIs503: a callback that finds every exchange place
// held by exchanges still in flight (a slow token endpoint) waits, and when none is given
// back in time it gets 503 with a page and a fresh login to press, never the 429 that says
// failures spent the budget, and makes no token request.
func TestCallbackBusyBehindExchangesInFlightIs503(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) {
		c.FailedExchanges = &config.ExchangeLimit{Global: 1, PerClient: 1, Window: config.Duration(time.Minute)}
	}})
	h.gw.exchanges.patience = 200 * time.Millisecond // below providerTimeout, which ends the slow exchange
	slow, waiting := h.browser(), h.browser()
	slowState, _ := h.startLogin(slow, "/app")
	waitingState, _ := h.startLogin(waiting, "/app")
	h.kakao.SetFault("/oauth/token", kakaotest.Fault{Delay: 2 * providerTimeout, Times: 1})
	before := h.kakao.Calls("/oauth/token")
	done := make(chan *result)
	go func() { done <- h.get(noFollow(slow), "/.auth/callback?code=junk-slow&state="+slowState) }()
	for h.kakao.Calls("/oauth/token") == before {
		time.Sleep(10 * time.Millisecond)
	}
	tokens := h.kakao.Calls("/oauth/token")
	r := h.get(noFollow(waiting), "/.auth/callback?code=junk-waiting&state="+waitingState)
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(r.body, "/.auth/login") {
		t.Fatalf("a callback behind an exchange in flight: %d (Retry-After %q), want 503 with a login button\n%s",
			r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
	if n := h.kakao.Calls("/oauth/token"); n != tokens {
		t.Errorf("the waiting callback made a token request (%d, was %d)", n, tokens)
	}
	<-done
}

// cookieCounter is a Metrics that counts rejected cookies.
type cookieCounter struct {
	noMetrics
	mu       sync.Mutex
	rejected map[string]int
}

func (m *cookieCounter) CookieRejected(kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rejected[kind]++
}

func (m *cookieCounter) count(kind string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rejected[kind]
}

// TestCase_gw_edge_06_CookieFloodsGetBoundedRepliesAndLogs: a request with hundreds of fake login cookies gets a bounded number of
// Set-Cookie lines back, and a flood of bad session cookies writes a bounded number of log
// lines while the metric counts every one.
func TestCase_gw_edge_06_CookieFloodsGetBoundedRepliesAndLogs(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	m := &cookieCounter{rejected: map[string]int{}}
	h.gw.metrics = m
	r := h.get(noFollow(h.browser()), "/.auth/login", "Cookie: "+junkLoginCookies(h, 400, 100))
	if n := len(r.Header.Values("Set-Cookie")); r.StatusCode != http.StatusFound || n > maxExaminedLoginCookies+1 {
		t.Fatalf("login start with 400 junk login cookies: %d with %d Set-Cookie lines, want 302 with at most %d", r.StatusCode, n, maxExaminedLoginCookies+1)
	}
	if n := m.count(cookieLogin); n != maxExaminedLoginCookies {
		t.Errorf("login cookies counted as rejected = %d, want %d (the ones read)", n, maxExaminedLoginCookies)
	}
	const flood = 200
	for i := range flood {
		res := h.get(h.withSessionCookie(fmt.Sprintf("forged-%d", i)), "/app", "Accept: application/json")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged session cookie: %d, want 401", res.StatusCode)
		}
	}
	if n := h.logs.FilterMessage("session cookie rejected").Len(); n == 0 || n > badCookieLogBurst {
		t.Errorf("%d log lines for %d bad session cookies, want between 1 and %d", n, flood, badCookieLogBurst)
	}
	if n := m.count(cookieSession); n != flood {
		t.Errorf("session cookies counted as rejected = %d, want %d", n, flood)
	}
}
