package gateway

// Helpers of the relying-party security suite (the test files named after what they check:
// idtoken_*, logout_certification, jws_attacks, flow_binding, token_refresh, cookie_boundary):
// every case id of docs/rp-security.md has a test TestCase_<id with - replaced by _>_<WhatItChecks>
// that drives the real Gateway behind an httptest server, with oidc/oidctest (or the Kakao
// emulator) as the provider and a recording upstream.

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// Keys are slow to generate under -race; the suite's providers share these.
var (
	suiteKey1     = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("key-1") })
	suiteKey2     = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("key-2") })
	suiteAttacker = sync.OnceValue(func() *oidctest.Key { return oidctest.NewRSAKey("attacker") })
	suiteECKey    = sync.OnceValue(func() *oidctest.Key { return oidctest.NewECKey("ec-1") })
	suiteECKey2   = sync.OnceValue(func() *oidctest.Key { return oidctest.NewECKey("ec-1") })
)

// suiteUserInfo is what the suite's providers answer at userinfo by default.
func suiteUserInfo() map[string]any {
	return map[string]any{"name": "Alice", "email": "alice@example.com", "email_verified": true}
}

// newOIDC starts a gateway with provider oidc against a fake OP signing with suiteKey1 (unless
// o.op.Keys is set) that answers suiteUserInfo at userinfo (unless o.op.UserInfo is set).
func newOIDC(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	o.provider = config.ProviderOIDC
	if o.op.Keys == nil {
		o.op.Keys = []*oidctest.Key{suiteKey1()}
	}
	if o.op.UserInfo == nil {
		o.op.UserInfo = suiteUserInfo()
	}
	return newHarness(t, o)
}

// calls returns how many token and user-info calls the provider has received (userinfo for
// provider oidc, Kakao's /v2/user/me for kakao).
func (h *harness) calls() (token, userinfo int) {
	if h.op != nil {
		return h.op.Count(oidctest.Token), h.op.Count(oidctest.UserInfo)
	}
	return h.kakao.Calls("/oauth/token"), h.kakao.Calls("/v2/user/me")
}

// expectRefused opens the callback cb with c as a browser page load and checks the
// rp-security "reject" rule: status want with the gateway's HTML error page showing a request
// id that is logged, Cache-Control: no-store, no session cookie, tokenCalls token calls caused
// by this callback and no user-info call after it, nothing proxied upstream, and a protected
// API call afterwards refused with 401. It returns the answer.
func (h *harness) expectRefused(t *testing.T, c *http.Client, cb string, want, tokenCalls int) *result {
	t.Helper()
	tok0, ui0 := h.calls()
	up0 := h.up.count()
	res := h.get(noFollow(c), cb, "Accept: text/html,application/xhtml+xml")
	if res.StatusCode != want {
		t.Fatalf("callback: %d, want %d\n%s", res.StatusCode, want, res.body)
	}
	id := h.problemID(t, res, true)
	h.assertLogged(t, id)
	assertNoStore(t, "refused callback", res.Response)
	if h.setsSession(res) || h.sessionCookie(c) != nil {
		t.Error("a refused login produced a session cookie")
	}
	tok1, ui1 := h.calls()
	if tok1-tok0 != tokenCalls {
		t.Errorf("token calls caused by the callback = %d, want %d", tok1-tok0, tokenCalls)
	}
	if ui1 != ui0 {
		t.Errorf("user info called %d times after the refused token", ui1-ui0)
	}
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("protected call after the refused login: %d, want 401", r.StatusCode)
	}
	if n := h.up.count() - up0; n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
	return res
}

// expectLogin opens the callback cb with c and checks the login succeeds: a 302 to rd with a
// session cookie, after which rd reaches the upstream as user.
func (h *harness) expectLogin(t *testing.T, c *http.Client, cb, rd, user string) {
	t.Helper()
	res := h.get(noFollow(c), cb)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != rd || !h.setsSession(res) {
		t.Fatalf("callback: %d to %q (session %v), want 302 to %s with a session\n%s",
			res.StatusCode, res.Header.Get("Location"), h.setsSession(res), rd, res.body)
	}
	r := h.get(c, rd, "Accept: application/json")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s after login: %d %s", rd, r.StatusCode, r.body)
	}
	if got := h.up.last(t).Header.Get("X-Auth-User-Id"); got != user {
		t.Errorf("upstream X-Auth-User-Id = %q, want %q", got, user)
	}
}

// oidcCase is one ID-token scenario at provider oidc: forge changes the OP after the browser
// signed in and before the callback is opened; want is the callback's status (302: accepted).
type oidcCase struct {
	op        oidctest.Options
	configure func(*config.Config)
	forge     func(h *harness)
	want      int
	// log, for refusals, is part of the logged error that proves which check refused.
	log string
}

// run logs in through a fresh gateway and checks the outcome; it returns the gateway and the
// browser that logged in.
func (tc oidcCase) run(t *testing.T) (*harness, *http.Client) {
	t.Helper()
	h := newOIDC(t, harnessOptions{op: tc.op, configure: tc.configure})
	c := h.browser()
	cb := h.authorize(c, "/app", 0)
	if tc.forge != nil {
		tc.forge(h)
	}
	if tc.want == http.StatusFound {
		h.expectLogin(t, c, cb, "/app", "user-1")
		return h, c
	}
	res := h.expectRefused(t, c, cb, tc.want, 1)
	if tc.log != "" {
		id := h.problemID(t, res, true)
		if !loggedError(h, id, tc.log) {
			t.Errorf("no log line of request %s has an error containing %q: %v", id, tc.log, h.loggedWith(id))
		}
	}
	return h, c
}

// rejectClaims is an oidcCase whose ID token has its claims changed by edit (at the OP's now).
func rejectClaims(edit func(c map[string]any, now time.Time), log string) oidcCase {
	return oidcCase{want: http.StatusUnauthorized, log: log, forge: func(h *harness) {
		h.op.MutateClaims(func(c map[string]any) { edit(c, time.Now()) })
	}}
}

// acceptClaims is an oidcCase whose ID token has its claims changed by edit and still passes.
func acceptClaims(edit func(c map[string]any, now time.Time)) oidcCase {
	return oidcCase{want: http.StatusFound, forge: func(h *harness) {
		h.op.MutateClaims(func(c map[string]any) { edit(c, time.Now()) })
	}}
}

// replaceIDToken makes the OP's next token answers carry raw instead of the ID token.
func replaceIDToken(h *harness, raw func(good string) string) {
	h.op.MutateToken(func(resp map[string]any) { resp["id_token"] = raw(resp["id_token"].(string)) })
}

// authParams returns the query of the authorization request the OP received last.
func (h *harness) authParams(t *testing.T) url.Values {
	t.Helper()
	reqs := h.op.Requests(oidctest.Authorize)
	if len(reqs) == 0 {
		t.Fatal("the OP received no authorization request")
	}
	return reqs[len(reqs)-1].Form
}

// storedSession returns the session c's cookie refers to.
func (h *harness) storedSession(t *testing.T, c *http.Client) sessionView {
	t.Helper()
	ck := h.sessionCookie(c)
	if ck == nil {
		t.Fatal("the browser has no session cookie")
	}
	s, err := h.loadSession(ck.Value)
	if err != nil {
		t.Fatalf("loading the session: %v", err)
	}
	return sessionView{cookie: ck.Value, id: s.ID, idToken: s.IDToken, access: s.AccessToken,
		refresh: s.RefreshToken, claims: s.Claims}
}

// sessionView is what tests look at in a stored session.
type sessionView struct {
	cookie, id, idToken, access, refresh string
	claims                               map[string]string
}

// signRawRS256 signs arbitrary payload bytes (not necessarily a JSON object) with key.
func signRawRS256(t *testing.T, key *oidctest.Key, header map[string]any, payload []byte) string {
	t.Helper()
	hb, _ := json.Marshal(header)
	in := b64url(hb) + "." + b64url(payload)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.Private.(*rsa.PrivateKey), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64url(sig)
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// postForm POSTs form to path with c, without following redirects.
func (h *harness) postForm(c *http.Client, path string, form url.Values, headers ...string) *result {
	h.t.Helper()
	return h.do(noFollow(c), http.MethodPost, path, strings.NewReader(form.Encode()),
		append([]string{"Content-Type: application/x-www-form-urlencoded"}, headers...)...)
}

// waitCtx returns a context that ends with the test, bounded to d.
func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// tokenHeader decodes the JOSE header of a compact token.
func tokenHeader(t *testing.T, raw string) map[string]any {
	t.Helper()
	h64, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h64)
	var hdr map[string]any
	if err != nil || json.Unmarshal(b, &hdr) != nil {
		t.Fatalf("token header %q does not decode", h64)
	}
	return hdr
}

// kakaoForgedLogin starts a login at the Kakao emulator in a fresh browser, signs user 1001
// in, and makes the emulator's token endpoint answer the callback's code redemption once with
// an ID token built by forge from the claims a good token of this login would carry. It
// returns the browser and the callback URL, not yet opened.
func kakaoForgedLogin(t *testing.T, h *harness, forge func(claims map[string]any) string) (*http.Client, string) {
	t.Helper()
	c := h.browser()
	_, authURL := h.startLogin(c, "/app")
	u, _ := url.Parse(authURL)
	cb := h.signIn(c, authURL, 1001)
	now := time.Now()
	claims := map[string]any{
		"iss": h.kakao.Issuer(), "aud": h.kakao.ClientID(), "sub": "1001",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(),
		"nonce": u.Query().Get("nonce"),
	}
	body, _ := json.Marshal(map[string]any{
		"access_token": "forged-access-token", "token_type": "bearer", "expires_in": 3600,
		"refresh_token": "forged-refresh-token", "id_token": forge(claims),
	})
	h.kakao.SetFault("/oauth/token", kakaotest.Fault{Status: http.StatusOK, Body: string(body), Times: 1})
	return c, cb
}

// patientProvider gives the gateway a provider client whose calls time out after d instead of
// providerTimeout, for tests whose load would make the short timeout flaky. Call it before the
// first request.
func (h *harness) patientProvider(t *testing.T, d time.Duration) {
	t.Helper()
	p, err := oidc.NewProvider(oidc.ProviderOptions{Issuer: h.cfg.Issuer, Timeout: d, Logger: h.gw.logger.Named("oidc")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	h.gw.idps[0].rp.Provider = p
}
