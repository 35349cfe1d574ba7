package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// The app keys of the bearer tests: the native key of the gateway's own Kakao app, and a key
// of another Kakao app of the same developer.
var (
	nativeApp = kakaotest.App{ClientID: "native-app-key", AppID: kakaotest.DefaultAppID, RedirectURIs: []string{"kakaonative-app-key://oauth"}}
	otherApp  = kakaotest.App{ClientID: "other-app-key", ClientSecret: "other-secret", AppID: "200002", RedirectURIs: []string{"kakaoother-app-key://oauth"}}
)

// bearerHarness is a Kakao gateway with bearer access on and both app keys at the emulator.
func bearerHarness(t *testing.T, configure func(*config.Config)) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{
		emulator: func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp, otherApp} },
		configure: func(c *config.Config) {
			c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID
			c.AdminToken, c.AdminKey = strings.Repeat("t", 32), kakaotest.DefaultAdminKey
			if configure != nil {
				configure(c)
			}
		},
	})
}

// appToken is the access token a native app of app gets for user by the code flow.
func (h *harness) appToken(app kakaotest.App, user int64) string {
	h.t.Helper()
	tok, err := kakaotest.AppLogin(h.kakao.URL(), app, user)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok.AccessToken
}

// api sends an API request (no HTML) with the bearer token.
func (h *harness) api(target, token string, headers ...string) *result {
	h.t.Helper()
	return h.get(http.DefaultClient, target, append([]string{"Authorization: Bearer " + token, "Accept: application/json"}, headers...)...)
}

// wantBearerRefused checks a 401 invalid_token answer that reached no upstream.
func (h *harness) wantBearerRefused(res *result, before int) {
	h.t.Helper()
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) ||
		!strings.Contains(res.body, `"error":"invalid_token"`) || res.Header.Get("Location") != "" {
		h.t.Fatalf("want 401 invalid_token, got %d %q %s", res.StatusCode, res.Header.Get("WWW-Authenticate"), res.body)
	}
	if h.up.count() != before {
		h.t.Fatal("a refused bearer request reached the upstream")
	}
}

func TestBearerKakaoNativeAppTokenIsAcceptedAndCached(t *testing.T) {
	h := bearerHarness(t, nil)
	tok := h.appToken(nativeApp, 1001)
	h.kakao.ResetCalls()
	for i := range 3 {
		res := h.api("/api/orders", tok)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, res.StatusCode, res.body)
		}
	}
	if n := h.kakao.TokenInfoCalls(); n != 1 {
		t.Fatalf("access_token_info called %d times for 3 requests, want 1 (cache)", n)
	}
	up := h.up.last(t)
	if up.Header.Get("X-Auth-User-Id") != "1001" || up.Header.Get("X-Auth-Status") != "authenticated" {
		t.Fatalf("identity headers: %v", up.Header)
	}
	if up.Header.Get("Authorization") != "" || up.Header.Get("X-Auth-Access-Token") != "" {
		t.Fatal("the bearer token reached the upstream without pass_access_token")
	}
}

func TestBearerWinsOverCookie(t *testing.T) {
	h := bearerHarness(t, nil)
	c := h.browser()
	h.login(c, "/", 1002) // a cookie session of another person
	tok := h.appToken(nativeApp, 1001)
	res := h.do(c, http.MethodGet, "/api", nil, "Authorization: Bearer "+tok, "Accept: application/json")
	if res.StatusCode != http.StatusOK || h.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("bearer did not win: %d, user %q", res.StatusCode, h.up.last(t).Header.Get("X-Auth-User-Id"))
	}
	before := h.up.count()
	h.wantBearerRefused(h.do(c, http.MethodGet, "/api", nil, "Authorization: Bearer forged-token", "Accept: application/json"), before)
}

// TestBearerRefusals: refused tokens get 401 invalid_token and a person the access rules
// refuse a JSON 403, never a page or a redirect, whatever the Accept header.
func TestBearerRefusals(t *testing.T) {
	h := bearerHarness(t, nil)
	tests := []struct {
		name, header string
	}{
		{"other app's token for the same person", "Authorization: Bearer " + h.appToken(otherApp, 1001)},
		{"forged token", "Authorization: Bearer " + strings.Repeat("x", 54)},
		{"two tokens", "Authorization: Bearer a b"},
		{"empty token", "Authorization: Bearer "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.up.count()
			res := h.get(http.DefaultClient, "/api", tt.header, "Sec-Fetch-Mode: navigate", "Accept: text/html")
			h.wantBearerRefused(res, before) // even a navigation: never a redirect or a page
		})
	}
	t.Run("a refusal is remembered briefly", func(t *testing.T) {
		tok := h.appToken(otherApp, 1002)
		h.kakao.ResetCalls()
		h.api("/api", tok)
		h.api("/api", tok)
		if n := h.kakao.TokenInfoCalls(); n != 1 {
			t.Fatalf("access_token_info called %d times, want 1", n)
		}
	})
	// A person the allow rules refuse gets the JSON 403 on the protected path and at verify,
	// even when the request looks like a browser navigation.
	denying := bearerHarness(t, func(c *config.Config) { c.Allow = []config.AllowRule{{Claim: "id", Values: []string{"1001"}}} })
	refused := denying.appToken(nativeApp, 1002)
	for _, target := range []string{"/api", "/.auth/verify?redirect=1"} {
		for _, nav := range [][]string{{"Accept: text/html"}, {"Sec-Fetch-Mode: navigate"}, {"Accept: text/html", "Sec-Fetch-Mode: navigate"}} {
			t.Run("denied person "+target+" "+strings.Join(nav, ", "), func(t *testing.T) {
				before := denying.up.count()
				res := denying.get(http.DefaultClient, target, append(nav, "Authorization: Bearer "+refused)...)
				if res.StatusCode != http.StatusForbidden || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
					!strings.Contains(res.body, `"error":"access_denied"`) || !strings.Contains(res.body, `"request_id":"`) ||
					res.Header.Get("Location") != "" || denying.up.count() != before {
					t.Fatalf("want a JSON 403 access_denied with a request_id, got %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), res.body)
				}
			})
		}
	}
}

func TestBearerExpiryIsHonoured(t *testing.T) {
	h := newHarness(t, harnessOptions{
		emulator: func(o *kakaotest.Options) {
			o.Apps, o.AccessTokenTTL = []kakaotest.App{nativeApp}, 2*time.Minute
		},
		configure: func(c *config.Config) { c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID },
	})
	tok := h.appToken(nativeApp, 1001)
	if res := h.api("/api", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: %d %s", res.StatusCode, res.body)
	}
	// The cache keeps the answer for the token's remaining life (2 minutes), not 5.
	h.advanceClock(2*time.Minute + time.Second)
	h.kakao.Advance(2*time.Minute + time.Second)
	before := h.up.count()
	res := h.api("/api", tok)
	h.wantBearerRefused(res, before)
	if !strings.Contains(res.body, "expired") {
		t.Fatalf("refusal does not say expired: %s", res.body)
	}
}

func TestBearerKakaoDownIs503NeverCachedAsInvalid(t *testing.T) {
	h := bearerHarness(t, nil)
	tok := h.appToken(nativeApp, 1001)
	faults := []struct {
		name  string
		fault kakaotest.Fault
	}{
		{"-1 internal error", kakaotest.Fault{Status: http.StatusBadRequest, Body: `{"msg":"internal error","code":-1}`}},
		{"-10 rate limited", kakaotest.Fault{Status: http.StatusTooManyRequests, Body: `{"msg":"API limit has been exceeded.","code":-10}`}},
		{"5xx", kakaotest.Fault{Status: http.StatusBadGateway}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			h.kakao.SetFault("/v1/user/access_token_info", f.fault)
			before := h.up.count()
			res := h.api("/api", tok)
			if res.StatusCode != http.StatusServiceUnavailable || h.up.count() != before || res.Header.Get("Retry-After") == "" {
				t.Fatalf("Kakao failing: %d %s", res.StatusCode, res.body)
			}
			h.kakao.ClearFaults()
			if res := h.api("/api", tok); res.StatusCode != http.StatusOK {
				t.Fatalf("after Kakao recovered: %d %s (the outage was cached as invalid?)", res.StatusCode, res.body)
			}
			h.gw.bearer.dropUser("") // next case starts uncached
		})
	}
}

// TestBearerKakaoUnreachableIs503: with Kakao's API refusing connections (the emulator
// stopped), an uncached token gets 503 with Retry-After, and the upstream is not reached;
// a token cached before the outage keeps working for its cache lifetime.
func TestBearerKakaoUnreachableIs503(t *testing.T) {
	h := bearerHarness(t, nil)
	cached := h.appToken(nativeApp, 1001)
	fresh := h.appToken(nativeApp, 1002)
	if res := h.api("/api", cached); res.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d %s", res.StatusCode, res.body)
	}
	h.kakao.Close()
	before := h.up.count()
	res := h.api("/api", fresh)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || h.up.count() != before {
		t.Fatalf("Kakao unreachable: %d (Retry-After %q, upstream reached %d times) %s",
			res.StatusCode, res.Header.Get("Retry-After"), h.up.count()-before, res.body)
	}
	if res := h.api("/api", cached); res.StatusCode != http.StatusOK {
		t.Fatalf("a token cached before the outage: %d %s", res.StatusCode, res.body)
	}
}

func TestBearerLookupsAreSingleFlight(t *testing.T) {
	h := bearerHarness(t, nil)
	tok := h.appToken(nativeApp, 1001)
	h.kakao.ResetCalls()
	h.kakao.SetFault("/v1/user/access_token_info", kakaotest.Fault{Delay: 300 * time.Millisecond})
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = h.api("/api", tok).StatusCode
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	if n := h.kakao.TokenInfoCalls(); n != 1 {
		t.Fatalf("8 concurrent requests made %d access_token_info calls, want 1", n)
	}
}

func TestBearerRequireScope(t *testing.T) {
	h := bearerHarness(t, func(c *config.Config) { c.RequireScopes = []string{"talk_message"} })
	tok := h.appToken(nativeApp, 1001)
	before := h.up.count()
	res := h.api("/api", tok)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="insufficient_scope", scope="talk_message"`) ||
		!strings.Contains(res.body, `"required_scopes":["talk_message"]`) || h.up.count() != before {
		t.Fatalf("missing scope: %d %q %s", res.StatusCode, res.Header.Get("WWW-Authenticate"), res.body)
	}
	granted, err := kakaotest.AppLogin(h.kakao.URL(), nativeApp, 1001, "talk_message")
	if err != nil {
		t.Fatal(err)
	}
	if res := h.api("/api", granted.AccessToken); res.StatusCode != http.StatusOK {
		t.Fatalf("after consent: %d %s", res.StatusCode, res.body)
	}
}

func TestBearerAccessRulesAndPassAccessToken(t *testing.T) {
	h := bearerHarness(t, func(c *config.Config) {
		c.Allow = []config.AllowRule{{Claim: "id", Values: []string{"1001"}}}
		c.PassAccessToken = true
	})
	tok := h.appToken(nativeApp, 1001)
	if res := h.api("/api", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("allowed person: %d %s", res.StatusCode, res.body)
	}
	up := h.up.last(t)
	if up.Header.Get("Authorization") != "Bearer "+tok || up.Header.Get("X-Auth-Access-Token") != tok {
		t.Fatal("pass_access_token: the token must reach the upstream")
	}
	if res := h.api("/api", h.appToken(nativeApp, 1002)); res.StatusCode != http.StatusForbidden {
		t.Fatalf("person the rules refuse: %d %s", res.StatusCode, res.body)
	}
}

func TestBearerOffIgnoresAuthorization(t *testing.T) {
	h := newHarness(t, harnessOptions{emulator: func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp} }})
	tok := h.appToken(nativeApp, 1001)
	res := h.api("/api", tok)
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Cookie") || h.up.count() != 0 {
		t.Fatalf("bearer off: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// TestBearerTokensNeverLogged: accepted, refused and outage requests log with the request id
// shown to the app, and no log line holds a token.
func TestBearerTokensNeverLogged(t *testing.T) {
	h := bearerHarness(t, nil)
	good, other := h.appToken(nativeApp, 1001), h.appToken(otherApp, 1001)
	forged := "forged-" + strings.Repeat("q", 40)
	h.api("/api", good)
	for _, tok := range []string{other, forged} {
		res := h.api("/api", tok)
		h.assertLogged(t, h.problemID(t, res, false))
	}
	h.kakao.SetFault("/v1/user/access_token_info", kakaotest.Fault{Status: http.StatusTooManyRequests, Body: `{"msg":"API limit has been exceeded.","code":-10}`})
	h.api("/api", h.appToken(nativeApp, 1002))
	h.kakao.ClearFaults()
	for _, e := range h.logs.All() {
		line := e.Message + " " + fmt.Sprint(e.ContextMap())
		for _, tok := range []string{good, other, forged} {
			if strings.Contains(line, tok) {
				t.Fatalf("a log line holds a token: %s", line)
			}
		}
	}
}

// TestBearerNoCredentialsChallengesBoth: with bearer on, a request without any credentials
// learns both ways in (RFC 6750 section 3: a Bearer challenge without an error code).
func TestBearerNoCredentialsChallengesBoth(t *testing.T) {
	h := bearerHarness(t, nil)
	res := h.get(http.DefaultClient, "/api", "Accept: application/json")
	got := strings.Join(res.Header.Values("WWW-Authenticate"), "\n")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(got, "Cookie realm=") || !strings.Contains(got, `Bearer realm="kakaogate"`) || strings.Contains(got, "error=") {
		t.Fatalf("%d, WWW-Authenticate %q", res.StatusCode, got)
	}
}

// TestVerifyJudgesBearerTokensNeverRedirecting: forward auth answers a native app's bearer token like the protected
// path: 200 with the identity headers, 401 invalid_token for another app's token or a forged
// one, 403 insufficient_scope, and never a redirect, even when the verify URL asks for them.
func TestVerifyJudgesBearerTokensNeverRedirecting(t *testing.T) {
	h := bearerHarness(t, func(c *config.Config) { c.RequireScopes = []string{"talk_message"} })
	trustEveryPeer(h)
	c := noFollow(h.browser())
	verify := func(tok string) *result {
		headers := append(forwardHeaders("/orders"), "Accept: text/html", "Sec-Fetch-Mode: navigate", "Authorization: Bearer "+tok)
		return h.do(c, http.MethodGet, "/.auth/verify?redirect=1", nil, headers...)
	}
	granted, err := kakaotest.AppLogin(h.kakao.URL(), nativeApp, 1001, "talk_message")
	if err != nil {
		t.Fatal(err)
	}
	res := verify(granted.AccessToken)
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Auth-User-Id") != "1001" || res.Header.Get(statusHeader) != statusAuthenticated {
		t.Fatalf("verify with a native app's token: %d user %q %s", res.StatusCode, res.Header.Get("X-Auth-User-Id"), res.body)
	}
	for _, tok := range []string{h.appToken(otherApp, 1001), "forged-token"} {
		res := verify(tok)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Location") != "" ||
			!strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || res.Header.Get("X-Auth-User-Id") != "" {
			t.Fatalf("verify with a refused token: %d Location %q %q", res.StatusCode, res.Header.Get("Location"), res.Header.Get("WWW-Authenticate"))
		}
	}
	res = verify(h.appToken(nativeApp, 1004)) // 1004 never agreed to talk_message: 403, no consent redirect
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Location") != "" || !strings.Contains(res.body, `"insufficient_scope"`) {
		t.Fatalf("verify without the scope: %d Location %q %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
}
