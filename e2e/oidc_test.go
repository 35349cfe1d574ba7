package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// oidcGateway runs the Caddy binary with the given kakaogate block in front of a recording
// upstream, with /metrics served outside the login, and returns its base URL.
func oidcGateway(t *testing.T, port int, block string) (string, *upstream, *testcaddy.Instance) {
	t.Helper()
	up := newUpstream(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	cf := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
}

http://localhost:%d {
	bind 127.0.0.1
	@private not path /metrics
	kakaogate @private {
		cookie_secret %s
		%s
	}
	metrics /metrics
	reverse_proxy %s
}
`, testcaddy.FreePort(t), port, testSecret, block, strings.TrimPrefix(up.URL, "http://"))
	in := testcaddy.Start(t, caddyBin, cf, base+"/.auth/healthz")
	return base, up, in
}

// TestGenericOIDCProviderThroughCaddy: `provider oidc` against a standards-compliant fake OP,
// through the Caddy binary: discovery, a login with state, nonce and PKCE, ID token and
// userinfo claims mapped to headers, /me, readiness with the OP down and back, and metrics.
func TestGenericOIDCProviderThroughCaddy(t *testing.T) {
	port := testcaddy.FreePort(t)
	op := oidctest.NewServer(t, oidctest.Options{
		Subject:      "oidc-user-7",
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/.auth/callback", port)},
		Claims:       map[string]any{"name": "Alice Kim"},
		UserInfo:     map[string]any{"email": "alice@example.com", "email_verified": true, "groups": []any{"staff", "ops"}},
	})
	op.SetFault(oidctest.Discovery, oidctest.Fault{Status: http.StatusServiceUnavailable})
	base, up, caddy := oidcGateway(t, port, fmt.Sprintf(`provider oidc
		issuer %s
		client_id %s
		client_secret %s
		header X-Auth-User-Id id
		header X-Auth-Email email
		header X-Auth-Name name
		header X-Auth-Groups groups`, op.Issuer, op.ClientID, op.ClientSecret))

	// The OP is down: the gateway started anyway, is alive, and not ready.
	resp, body := get(t, http.DefaultClient, base+"/.auth/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"discovery":"unavailable"`) {
		t.Fatalf("readyz with the OP down: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, http.DefaultClient, base+"/.auth/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz with the OP down: %d", resp.StatusCode)
	}
	op.ClearFault(oidctest.Discovery)
	// Discovery is retried after a backoff that starts at 1s.
	waitFor(t, 5*time.Second, "readyz once the OP is back", func() bool {
		resp, _ := get(t, http.DefaultClient, base+"/.auth/readyz")
		return resp.StatusCode == http.StatusOK
	})

	c := (&env{t: t}).browser()
	resp, body = get(t, c, base+"/app?tab=1")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != base+"/app?tab=1" {
		t.Fatalf("login through the OP ended at %s with %d\n%s\n--- caddy log ---\n%s", resp.Request.URL, resp.StatusCode, body, caddy.Logs())
	}
	auth := op.Requests(oidctest.Authorize)
	if len(auth) != 1 {
		t.Fatalf("authorize requests = %d", len(auth))
	}
	q := auth[0].URL.Query()
	if q.Get("response_type") != "code" || q.Get("scope") != "openid profile email" || q.Get("code_challenge_method") != "S256" ||
		len(q.Get("state")) < 22 || len(q.Get("nonce")) < 22 {
		t.Errorf("authorization request = %v", q)
	}
	h := up.last(t).Header
	want := map[string]string{"X-Auth-User-Id": "oidc-user-7", "X-Auth-Email": "alice@example.com", "X-Auth-Name": "Alice Kim", "X-Auth-Groups": "staff,ops", "X-Auth-Status": "authenticated"}
	for name, v := range want {
		if got := h.Get(name); got != v {
			t.Errorf("upstream %s = %q, want %q", name, got, v)
		}
	}
	var me struct{ Claims map[string]any }
	_, body = get(t, c, base+"/.auth/me", "Accept: application/json")
	if err := json.Unmarshal([]byte(body), &me); err != nil || me.Claims["sub"] != "oidc-user-7" || me.Claims["email_verified"] != true {
		t.Errorf("/me = %s", body)
	}
	if _, ok := me.Claims["provider"]; ok {
		t.Error("a single-provider gateway added a provider claim")
	}
	for e, n := range map[oidctest.Endpoint]int{oidctest.Token: 1, oidctest.UserInfo: 1, oidctest.JWKSURI: 1} {
		if got := op.Count(e); got != n {
			t.Errorf("%s requests = %d, want %d", e, got, n)
		}
	}
	metrics := scrape(t, base)
	for _, m := range []string{
		`kakaogate_logins_started_total{provider="oidc"} 1`,
		`kakaogate_logins_succeeded_total{provider="oidc"} 1`,
		`kakaogate_jwks_refreshes_total{issuer="` + op.Issuer + `",outcome="ok"} 1`,
	} {
		if !strings.Contains(metrics, m) {
			t.Errorf("metrics lack %s:\n%s", m, grepLines(metrics, "kakaogate_"))
		}
	}
}

// TestSeveralProvidersThroughCaddy: Kakao (the emulator) plus two `provider <name> { … }`
// blocks. A person without a session sees one login page listing all three; each logs in
// through its own callback with its own user ids; a code is only accepted at the callback of
// the provider where its login started.
func TestSeveralProvidersThroughCaddy(t *testing.T) {
	port := testcaddy.FreePort(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	emu := kakaotest.NewServer(kakaotest.Options{RedirectURIs: []string{base + "/.auth/callback"}})
	t.Cleanup(emu.Close)
	corp := oidctest.NewServer(t, oidctest.Options{Subject: "1001", RedirectURIs: []string{base + "/.auth/callback/corp"}})
	partner := oidctest.NewServer(t, oidctest.Options{Subject: "p-9", RedirectURIs: []string{base + "/.auth/callback/partner"}})
	_, up, caddy := oidcGateway(t, port, fmt.Sprintf(`client_id %s
		client_secret %s
		issuer %s
		api_url %s
		provider corp {
			issuer %s
			client_id %s
			client_secret %s
			label "Corp SSO"
		}
		provider partner {
			issuer %s
			client_id %s
			client_secret %s
			scopes openid email
		}`, emu.ClientID(), kakaotest.DefaultClientSecret, emu.Issuer(), emu.URL(),
		corp.Issuer, corp.ClientID, corp.ClientSecret, partner.Issuer, partner.ClientID, partner.ClientSecret))

	c := (&env{t: t}).browser()
	resp, page := get(t, c, base+"/app")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no session: %d, want the login page (401)", resp.StatusCode)
	}
	for _, want := range []string{"<span>Login with Kakao</span>", ">Corp SSO<", ">partner<", "provider=corp&amp;rd=%2Fapp"} {
		if !strings.Contains(page, want) {
			t.Fatalf("login page lacks %q:\n%s", want, page)
		}
	}

	// Corp: its own callback, ids prefixed with its name so they never meet Kakao's 1001.
	resp, _ = get(t, c, base+"/.auth/login?provider=corp&rd=%2Fapp")
	if resp.StatusCode != http.StatusOK || up.last(t).Header.Get("X-Auth-User-Id") != "corp:1001" {
		t.Fatalf("corp login: %d, upstream saw %q\n%s", resp.StatusCode, up.last(t).Header.Get("X-Auth-User-Id"), caddy.Logs())
	}
	if got := corp.Requests(oidctest.Token)[0].Form.Get("redirect_uri"); got != base+"/.auth/callback/corp" {
		t.Errorf("corp redirect_uri = %q", got)
	}

	// Kakao, from the same page, in another browser.
	k := (&env{t: t}).browser()
	resp, err := kakaotest.Login(k, base+"/.auth/login?provider=kakao&rd=%2Fapp", 1001)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("kakao login: %d, upstream saw %q", resp.StatusCode, up.last(t).Header.Get("X-Auth-User-Id"))
	}

	// A partner login whose callback is delivered to corp's callback is refused: no token
	// request anywhere, no session.
	mixed := (&env{t: t}).browser()
	resp, _ = get(t, noRedirects(mixed), base+"/.auth/login?provider=partner&rd=%2F")
	resp, _ = get(t, noRedirects(mixed), resp.Header.Get("Location"))
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(cb.Path, "/.auth/callback/partner") {
		t.Fatalf("partner answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tokens := corp.Count(oidctest.Token) + partner.Count(oidctest.Token)
	resp, body := get(t, noRedirects(mixed), base+"/.auth/callback/corp?"+cb.RawQuery, "Accept: application/json")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "provider_mismatch") {
		t.Fatalf("partner's code at corp's callback: %d %s", resp.StatusCode, body)
	}
	if n := corp.Count(oidctest.Token) + partner.Count(oidctest.Token); n != tokens {
		t.Fatalf("%d token requests for a mixed-up callback", n-tokens)
	}
	if sessionCookie(mixed, base) != "" {
		t.Fatal("a mixed-up callback set a session")
	}
	metrics := scrape(t, base)
	if !strings.Contains(metrics, `kakaogate_logins_failed_total{provider="corp",reason="provider_mismatch"} 1`) {
		t.Errorf("the mix-up was not counted:\n%s", grepLines(metrics, "kakaogate_logins"))
	}
}
