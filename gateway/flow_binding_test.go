package gateway

// Section E of docs/rp-security.md: state, nonce, PKCE, mix-up and redirects.

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

func TestCase_gw_flow_01_RandomStateNonceAndChallengeBoundToBrowser(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	seen := map[string]bool{}
	browsers := []*http.Client{h.browser(), h.browser()}
	for i, c := range browsers {
		state, authURL := h.startLogin(c, "/")
		q := mustURL(authURL).Query()
		for _, name := range []string{"state", "nonce", "code_challenge"} {
			v := q.Get(name)
			raw, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || len(raw) < 16 {
				t.Errorf("login %d: %s %q is not ≥128 bits of base64url", i, name, v)
			}
			if seen[v] {
				t.Errorf("login %d: %s %q repeats", i, name, v)
			}
			seen[v] = true
		}
		if q.Get("code_challenge_method") != "S256" {
			t.Errorf("code_challenge_method %q, want S256 (never plain)", q.Get("code_challenge_method"))
		}
		loginCookie(h, c, state) // bound to this browser...
		if names := h.cookieNames(browsers[1-i]); len(names) > 0 && strings.HasSuffix(names[0], state) {
			t.Errorf("login %d's state cookie is in the other browser", i) // ...and to no other
		}
	}
}

func TestCase_gw_flow_02_SendsMatchingVerifierAndRedirectURI(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	auth, tok := h.authParams(t), h.op.Requests(oidctest.Token)[0].Form
	sum := sha256.Sum256([]byte(tok.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != auth.Get("code_challenge") {
		t.Error("the token request's code_verifier does not match the challenge")
	}
	if tok.Get("redirect_uri") != auth.Get("redirect_uri") || tok.Get("redirect_uri") == "" {
		t.Errorf("redirect_uri %q in the token request, %q in the authorization request", tok.Get("redirect_uri"), auth.Get("redirect_uri"))
	}
}

func TestCase_gw_flow_03_RefusesMissingForeignOrRepeatedState(t *testing.T) {
	t.Parallel()
	for name, query := range map[string]func(cb *url.URL) url.Values{
		"no state": func(cb *url.URL) url.Values { q := cb.Query(); q.Del("state"); return q },
		"another state": func(cb *url.URL) url.Values {
			q := cb.Query()
			q.Set("state", strings.Repeat("B", 43))
			return q
		},
		"two states": func(cb *url.URL) url.Values { q := cb.Query(); q.Add("state", strings.Repeat("B", 43)); return q },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{})
			c := h.browser()
			cb, _ := url.Parse(h.authorize(c, "/app", 0))
			cb.RawQuery = query(cb).Encode()
			h.expectRefused(t, c, cb.String(), http.StatusBadRequest, 0)
		})
	}
}

func TestCase_gw_flow_04_RefusesCallbackInAnotherBrowser(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	cb := h.authorize(h.browser(), "/app", 0)
	h.expectRefused(t, h.browser(), cb, http.StatusBadRequest, 0)
}

func TestCase_gw_flow_05_RefusesReplayedCallback(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	cb := h.authorize(c, "/app", 0)
	saved := loginCookie(h, c, stateOf(cb))
	h.expectLogin(t, c, cb, "/app", "user-1")
	replay := h.browser()
	replay.Jar.SetCookies(mustURL(h.base), []*http.Cookie{saved})
	h.expectRefused(t, h.browser(), cb, http.StatusBadRequest, 0) // the login cookie is gone
	h.expectRefused(t, replay, cb, http.StatusBadRequest, 1)      // kept by an attacker: the code works once
	if n := h.op.Count(oidctest.Token); n != 2 || h.logs.FilterMessage("login succeeded").Len() != 1 {
		t.Errorf("token calls %d, logins %d", n, h.logs.FilterMessage("login succeeded").Len())
	}
}

func TestCase_gw_flow_06_RefusesExpiredOrCopiedLoginCookie(t *testing.T) {
	t.Parallel()
	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		h := newOIDC(t, harnessOptions{})
		c := h.browser()
		cb := h.authorize(c, "/app", 0)
		h.clock.Add(loginStateTTL + time.Minute)
		h.expectRefused(t, c, cb, http.StatusBadRequest, 0)
	})
	t.Run("copied under another state's name", func(t *testing.T) {
		t.Parallel()
		h := newOIDC(t, harnessOptions{})
		c := h.browser()
		first := h.authorize(c, "/app", 0)
		second := h.authorize(c, "/app", 0)
		copyLoginCookie(h, c, stateOf(first), stateOf(second))
		h.expectRefused(t, c, second, http.StatusBadRequest, 0)
	})
}

// The attacker's code, bound to the attacker's PKCE verifier, pasted into the victim's
// callback with the victim's valid state: the provider refuses it (invalid_grant).
func TestCase_gw_flow_08_RefusesAttackersCodeAsInvalidGrant(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	attackerCode := mustQuery(t, h.authorize(h.browser(), "/app", 0), "code")
	victim := h.browser()
	state, _ := h.startLogin(victim, "/app")
	cb := "/.auth/callback?" + url.Values{"state": {state}, "code": {attackerCode}}.Encode()
	res := h.expectRefused(t, victim, cb, http.StatusBadRequest, 1)
	if id := h.problemID(t, res, true); !loggedError(h, id, "invalid_grant") {
		t.Errorf("not refused as invalid_grant: %v", h.loggedWith(id))
	}
}

func TestCase_gw_flow_09_ErrorCallbackHidesDescriptionAndNeedsState(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	state, _ := h.startLogin(c, "/app")
	evil := `<script>alert("pwned")</script>`
	res := h.expectRefused(t, c, "/.auth/callback?"+url.Values{"state": {state}, "error": {"access_denied"}, "error_description": {evil}}.Encode(),
		http.StatusForbidden, 0)
	if strings.Contains(res.body, "<script") || strings.Contains(res.body, "pwned") {
		t.Errorf("the provider's error_description is rendered:\n%s", res.body)
	}
	c2 := h.browser()
	h.startLogin(c2, "/app")
	h.expectRefused(t, c2, "/.auth/callback?state="+strings.Repeat("C", 43)+"&error=access_denied", http.StatusBadRequest, 0)
}

func TestCase_gw_flow_10_RequiresOneMatchingIss(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		iss  []string // nil: missing
		want int
	}{
		"missing":  {nil, http.StatusBadRequest},
		"another":  {[]string{"https://evil.example"}, http.StatusBadRequest},
		"repeated": {[]string{"ISSUER", "ISSUER"}, http.StatusBadRequest},
		"matching": {[]string{"ISSUER"}, http.StatusFound},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{op: oidctest.Options{IssParameter: true}})
			c := h.browser()
			cb, _ := url.Parse(h.authorize(c, "/app", 0))
			q := cb.Query()
			q.Del("iss")
			for _, v := range tc.iss {
				q.Add("iss", strings.ReplaceAll(v, "ISSUER", h.op.Issuer))
			}
			cb.RawQuery = q.Encode()
			if tc.want == http.StatusFound {
				h.expectLogin(t, c, cb.String(), "/app", "user-1")
				return
			}
			h.expectRefused(t, c, cb.String(), tc.want, 0)
		})
	}
}

// Mix-up with several providers: a login started at provider corp comes back to corp's
// callback with corp's state and a code from provider partner. The code goes only to corp's
// token endpoint (the state names the provider), which refuses it; partner never sees it.
// Delivered to partner's callback instead, it is refused before any token request.
func TestCase_gw_flow_11_MixedUpCodeGoesOnlyToStatesProvider(t *testing.T) {
	t.Parallel()
	m := newMultiHarness(t, []string{"corp", "partner"}, nil)
	partnerCode := mustQuery(t, m.opCallback(m.browser(), "partner", "/"), "code")
	c := m.browser()
	state := stateOf(m.opCallback(c, "corp", "/app"))
	res := m.expectRefusedAt(t, c, "/.auth/callback/corp?"+url.Values{"state": {state}, "code": {partnerCode}}.Encode(), http.StatusBadRequest)
	if !strings.Contains(res.body, "Log in again") || m.ops["corp"].Count(oidctest.Token) != 1 || m.ops["partner"].Count(oidctest.Token) != 0 {
		t.Errorf("token calls: corp %d, partner %d; want the code sent to corp only", m.ops["corp"].Count(oidctest.Token), m.ops["partner"].Count(oidctest.Token))
	}
	c2 := m.browser()
	state2 := stateOf(m.opCallback(c2, "corp", "/app"))
	m.expectRefusedAt(t, c2, "/.auth/callback/partner?"+url.Values{"state": {state2}, "code": {partnerCode}}.Encode(), http.StatusBadRequest)
	if n := m.ops["corp"].Count(oidctest.Token) + m.ops["partner"].Count(oidctest.Token); n != 1 {
		t.Errorf("a callback delivered to the wrong provider caused a token request (%d in all)", n)
	}
}

// A forged Host or X-Forwarded-Host never changes the redirect_uri or the cookie's scope: with
// redirect_url set it is always that; without, X-Forwarded-Host is ignored, and a forged Host
// over plain http is refused by the gateway itself (its cookies could not stick there), or,
// with insecure_cookies, yields an unregistered redirect_uri that the provider refuses.
func TestCase_gw_flow_12_ForgedHostKeepsRedirectURIAndCookieScope(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	start := func(host, xfh string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, h.base+"/.auth/login?rd=%2Fapp", nil)
		if host != "" {
			req.Host = host
		}
		if xfh != "" {
			req.Header.Set("X-Forwarded-Host", xfh)
		}
		res, err := noFollow(h.browser()).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		for _, sc := range res.Header.Values("Set-Cookie") {
			if strings.Contains(strings.ToLower(sc), "domain=") {
				t.Errorf("cookie with a Domain: %s", sc)
			}
		}
		return res
	}
	redirectURI := func(res *http.Response) string {
		return mustQuery(t, res.Header.Get("Location"), "redirect_uri")
	}
	callback := h.base + "/.auth/callback"
	if got := redirectURI(start("", "evil.example")); got != callback {
		t.Errorf("X-Forwarded-Host changed redirect_uri to %q", got)
	}
	if refused := start("evil.example", ""); refused.StatusCode != http.StatusInternalServerError || refused.Header.Get("Location") != "" {
		t.Fatalf("a plain-http login for another host: %d to %q, want refused", refused.StatusCode, refused.Header.Get("Location"))
	}
	h.cfg.InsecureCookies = true // the test setup plain http allows
	forged := start("evil.example", "")
	if got := redirectURI(forged); got == callback {
		t.Fatalf("control: without redirect_url the Host is used, got %q", got)
	}
	if res := h.get(noFollow(h.browser()), forged.Header.Get("Location")); res.StatusCode != http.StatusBadRequest {
		t.Errorf("the provider accepted an unregistered redirect_uri: %d", res.StatusCode)
	}
	h.cfg.RedirectURL = callback // set before any request that reads it, as in production
	if got := redirectURI(start("evil.example", "evil.example")); got != callback {
		t.Errorf("with redirect_url set, a forged Host gave redirect_uri %q", got)
	}
}

func TestCase_gw_flow_13_ReturnTargetsStayOnSite(t *testing.T) {
	// Not parallel: thousands of requests would starve other tests' provider calls.
	h := newOIDC(t, harnessOptions{})
	payloads := openRedirectPayloads()
	if len(payloads) < 500 {
		t.Fatalf("only %d payloads", len(payloads))
	}
	base := mustURL(h.base)
	check := func(t *testing.T, payload, returnTo string) {
		t.Helper()
		to, err := base.Parse(returnTo)
		if !browserSameSite(returnTo) || err != nil || to.Host != base.Host || to.Scheme != base.Scheme {
			t.Errorf("return target %q becomes %q, which leaves the site", payload, returnTo)
		}
	}
	work := make(chan int)
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range work {
				p := payloads[i]
				check(t, p, h.loginReturnTo(t, "/.auth/login?rd="+url.QueryEscape(p)))
				// Every fifth payload is also opened as a protected page's own address.
				if strings.HasPrefix(p, "/") && i%5 == 0 {
					if u, err := url.Parse(h.base + p); err == nil && u.Host == base.Host {
						check(t, p, h.loginReturnTo(t, u.String()))
					}
				}
			}
		}()
	}
	for i := range payloads {
		work <- i
	}
	close(work)
	for range 8 {
		<-done
	}
	// A sample all the way through the provider: the callback sends the browser on-site.
	for i := 0; i < len(payloads); i += len(payloads) / 8 {
		res := h.login(h.browser(), payloads[i], 0)
		check(t, payloads[i], res.Header.Get("Location"))
	}
}

// loginReturnTo opens target (a login start or a protected page) as a navigation and returns
// the return path sealed into the login cookie it sets. It may run in any goroutine.
func (h *harness) loginReturnTo(t *testing.T, target string) string {
	t.Helper()
	res := h.get(noFollow(h.browser()), target)
	for _, ck := range res.Cookies() {
		if strings.HasPrefix(ck.Name, h.gw.cookies.loginPrefix) && ck.Value != "" {
			ls, err := h.gw.openLoginState(ck.Name, ck.Value)
			if err != nil {
				t.Errorf("%s: login cookie does not open: %v", target, err)
				return "/"
			}
			return ls.ReturnTo
		}
	}
	t.Errorf("%s: %d without a login cookie", target, res.StatusCode)
	return "/"
}

func TestCase_gw_flow_14_CallbackAnswersAreNoStoreAndHideCode(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	cb := h.authorize(c, "/app", 0)
	res := h.get(noFollow(c), cb)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d", res.StatusCode)
	}
	assertNoStore(t, "callback", res.Response)
	for _, secret := range []string{mustQuery(t, cb, "code"), stateOf(cb)} {
		if strings.Contains(res.body, secret) || strings.Contains(res.Header.Get("Location"), secret) {
			t.Error("the callback's answer carries the code or state")
		}
	}
	failed := h.get(noFollow(h.browser()), cb)
	assertNoStore(t, "refused callback", failed.Response)
	if strings.Contains(failed.body, mustQuery(t, cb, "code")) {
		t.Error("the refused callback renders the code")
	}
}

func TestCase_gw_flow_15_InterleavedLoginsWorkAndLoginCookiesAreCapped(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	first := h.authorize(c, "/one", 0)
	second := h.authorize(c, "/two", 0)
	h.expectLogin(t, c, second, "/two", "user-1")
	h.expectLogin(t, c, first, "/one", "user-1")
	abandoned := h.browser()
	for range maxLoginCookies + 3 {
		h.startLogin(abandoned, "/")
		h.clock.Add(time.Second)
		if n := len(h.cookieNames(abandoned)); n > maxLoginCookies {
			t.Fatalf("the browser holds %d login cookies, cap %d", n, maxLoginCookies)
		}
	}
}

// mustURL parses a URL known to be good.
func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}
