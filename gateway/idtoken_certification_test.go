package gateway

// Section A of docs/rp-security.md: the OpenID Foundation RP certification tests (code flow).

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

func TestCase_rp_response_type_code_CodeFlowWithStateNonceAndPKCE(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	cb := h.authorize(c, "/app", 0)
	q := h.authParams(t)
	switch {
	case q.Get("response_type") != "code":
		t.Errorf("response_type = %q, want code", q.Get("response_type"))
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		t.Errorf("scope %q lacks openid", q.Get("scope"))
	case q.Get("state") == "" || q.Get("nonce") == "":
		t.Errorf("state %q, nonce %q: both are required", q.Get("state"), q.Get("nonce"))
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		t.Errorf("PKCE %q %q, want S256", q.Get("code_challenge_method"), q.Get("code_challenge"))
	case q.Get("client_id") != h.op.ClientID || q.Get("redirect_uri") != h.base+"/.auth/callback":
		t.Errorf("client_id %q redirect_uri %q", q.Get("client_id"), q.Get("redirect_uri"))
	}
	h.expectLogin(t, c, cb, "/app", "user-1")
	if tok, ui := h.calls(); tok != 1 || ui != 1 {
		t.Errorf("token calls %d, userinfo calls %d; want 1 and 1", tok, ui)
	}
}

func TestCase_rp_id_token_issuer_mismatch_RefusesForeignIssuer(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, _ time.Time) { c["iss"] = "https://example.org/" }, "is not the issuer").run(t)
}

func TestCase_rp_id_token_sub_RefusesMissingSub(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, _ time.Time) { delete(c, "sub") }, "sub is missing").run(t)
}

func TestCase_rp_id_token_aud_RefusesForeignOrMissingAudience(t *testing.T) {
	t.Parallel()
	t.Run("foreign", func(t *testing.T) {
		t.Parallel()
		rejectClaims(func(c map[string]any, _ time.Time) { c["aud"] = "https://example.com/" }, "aud does not contain").run(t)
	})
	t.Run("deleted", func(t *testing.T) {
		t.Parallel()
		rejectClaims(func(c map[string]any, _ time.Time) { delete(c, "aud") }, "aud is missing").run(t)
	})
}

func TestCase_rp_id_token_iat_RefusesMissingIat(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, _ time.Time) { delete(c, "iat") }, "iat is missing").run(t)
}

func TestCase_rp_id_token_kid_absent_single_jwks_AcceptsTokenWithoutKid(t *testing.T) {
	t.Parallel()
	tc := oidcCase{op: oidctest.Options{Keys: []*oidctest.Key{suiteKey1().With("", "RS256", "sig")}}, want: http.StatusFound}
	h, c := tc.run(t)
	if hdr := tokenHeader(t, h.storedSession(t, c).idToken); hdr["kid"] != nil {
		t.Errorf("the ID token carried a kid: %v", hdr)
	}
}

// Pinned choice: with several keys and no kid the token is rejected (no trial of every key).
func TestCase_rp_id_token_kid_absent_multiple_jwks_RefusesTokenWithoutKid(t *testing.T) {
	t.Parallel()
	oidcCase{op: oidctest.Options{Keys: []*oidctest.Key{
		suiteKey1().With("", "RS256", "sig"), suiteKey2().With("", "RS256", "sig"),
	}}, want: http.StatusUnauthorized, log: "token has no kid and 2 keys fit"}.run(t)
}

func TestCase_rp_id_token_sig_rs256_AcceptsRS256(t *testing.T) {
	t.Parallel()
	h, c := oidcCase{want: http.StatusFound}.run(t)
	if hdr := tokenHeader(t, h.storedSession(t, c).idToken); hdr["alg"] != "RS256" {
		t.Errorf("ID token header %v, want alg RS256", hdr)
	}
}

// Decision: no provider can be pinned to alg none, so an unsigned ID token is always refused,
// even from the token endpoint of a provider that advertises only none; Kakao's too.
func TestCase_rp_id_token_sig_none_RefusesUnsignedToken(t *testing.T) {
	t.Parallel()
	for name, algs := range map[string][]string{"provider advertises only none": {"none"}, "provider advertises RS256 and none": {"RS256", "none"}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			oidcCase{op: oidctest.Options{SigningAlgs: algs}, want: http.StatusUnauthorized,
				forge: func(h *harness) { h.op.SetSigningAlg("none") }}.run(t)
		})
	}
	t.Run("kakao", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		c, cb := kakaoForgedLogin(t, h, func(claims map[string]any) string {
			tok, _ := oidctest.Sign("none", nil, nil, map[string]any{"alg": "none", "typ": "JWT"}, claims)
			return tok
		})
		h.expectRefused(t, c, cb, http.StatusUnauthorized, 1)
	})
}

func TestCase_rp_id_token_bad_sig_rs256_RefusesCorruptSignature(t *testing.T) {
	t.Parallel()
	oidcCase{want: http.StatusUnauthorized, log: "signature verification failed",
		forge: func(h *harness) { replaceIDToken(h, corruptSignature) }}.run(t)
}

// HS256 is simply disabled: neither a wrong key nor the right shared secret gets through.
func TestCase_rp_id_token_bad_sig_hs256_RefusesHS256(t *testing.T) {
	t.Parallel()
	for name, key := range map[string]string{"wrong key": "not-the-client-secret-0123456789", "client secret": "test-secret"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			oidcCase{op: oidctest.Options{SigningAlgs: []string{"HS256"}}, want: http.StatusUnauthorized,
				forge: func(h *harness) { h.op.SetSigningAlg("HS256"); h.op.SetHMACKey([]byte(key)) }}.run(t)
		})
	}
}

// ES256 is accepted from a provider that signs with it, and refused when signed by another key.
func TestCase_rp_id_token_bad_sig_es256_AcceptsES256RefusesOtherKey(t *testing.T) {
	t.Parallel()
	es := oidctest.Options{SigningAlgs: []string{"ES256"}, Keys: []*oidctest.Key{suiteECKey()}}
	t.Run("control: good ES256 token", func(t *testing.T) {
		t.Parallel()
		oidcCase{op: es, want: http.StatusFound}.run(t)
	})
	t.Run("same kid, another key", func(t *testing.T) {
		t.Parallel()
		oidcCase{op: es, want: http.StatusUnauthorized, log: "signature verification failed",
			forge: func(h *harness) { h.op.SetKeys(suiteECKey2(), suiteECKey()) }}.run(t)
	})
}

// The userinfo claims of another subject are discarded; a rule that needs them then refuses.
func TestCase_rp_userinfo_bad_sub_claim_DiscardsAnotherSubjectsClaims(t *testing.T) {
	t.Parallel()
	for _, needed := range []bool{false, true} {
		t.Run(map[bool]string{false: "claims not needed", true: "claims needed by an allow rule"}[needed], func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{configure: func(c *config.Config) {
				c.Headers = []config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}, {Header: "X-Auth-Name", Claim: "name"}}
				if needed {
					c.Allow = []config.AllowRule{{Claim: "name", Values: []string{"Alice"}}}
				}
			}})
			h.op.MutateUserInfo(func(c map[string]any) { c["sub"] = "foobar" })
			c := h.browser()
			res := h.login(c, "/app", 0)
			if !h.setsSession(res) {
				t.Fatal("no session")
			}
			if h.logs.FilterMessage("userinfo not used").Len() != 1 {
				t.Error("the discarded userinfo answer was not logged")
			}
			if _, ok := h.storedSession(t, c).claims["name"]; ok {
				t.Fatal("claims of another subject were kept")
			}
			r := h.get(c, "/app", "Accept: application/json")
			if needed {
				if r.StatusCode != http.StatusForbidden || h.up.count() != 0 {
					t.Errorf("a rule on a discarded claim: %d, %d upstream; want 403 and none", r.StatusCode, h.up.count())
				}
				return
			}
			if r.StatusCode != http.StatusOK || h.up.last(t).Header.Get("X-Auth-Name") != "" {
				t.Errorf("%d, X-Auth-Name %q; want 200 without the name", r.StatusCode, h.up.last(t).Header.Get("X-Auth-Name"))
			}
		})
	}
}

func TestCase_rp_nonce_invalid_RefusesMismatchedNonce(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, _ time.Time) { c["nonce"] = "fixed-other-value" }, "nonce does not match").run(t)
}

func TestCase_rp_scope_userinfo_claims_RequestsScopesAndPassesUserInfoClaims(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{configure: func(c *config.Config) {
		c.Scopes = []string{"openid", "profile", "email"}
		c.Headers = []config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}, {Header: "X-Auth-Name", Claim: "name"}, {Header: "X-Auth-Email", Claim: "email"}}
	}})
	c := h.browser()
	cb := h.authorize(c, "/app", 0)
	if s := strings.Fields(h.authParams(t).Get("scope")); !slices.Contains(s, "profile") || !slices.Contains(s, "email") {
		t.Errorf("scope %v lacks profile or email", s)
	}
	h.expectLogin(t, c, cb, "/app", "user-1")
	up := h.up.last(t)
	if up.Header.Get("X-Auth-Name") != "Alice" || up.Header.Get("X-Auth-Email") != "alice@example.com" {
		t.Errorf("userinfo-only claims upstream: name %q email %q", up.Header.Get("X-Auth-Name"), up.Header.Get("X-Auth-Email"))
	}
}

func TestCase_rp_token_endpoint_client_secret_basic_SendsEncodedSecretOnlyInBasicHeader(t *testing.T) {
	t.Parallel()
	id, secret := "client id:1", "s3cr:t/+%é"
	h := newOIDC(t, harnessOptions{op: oidctest.Options{ClientID: id, ClientSecret: secret, AuthMethods: []string{"client_secret_basic"}}})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	req := h.op.Requests(oidctest.Token)[0]
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("client+id%3A1:s3cr%3At%2F%2B%25%C3%A9"))
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization = %q, want %q (each part form-urlencoded)", got, want)
	}
	if req.Form.Has("client_secret") || req.URL.RawQuery != "" {
		t.Errorf("the secret travelled outside the Authorization header: form %v, query %q", req.Form, req.URL.RawQuery)
	}
}

func TestCase_rp_userinfo_bearer_header_SendsTokenOnlyInBearerHeader(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	req := h.op.Requests(oidctest.UserInfo)[0]
	at := h.storedSession(t, c).access
	if req.Header.Get("Authorization") != "Bearer "+at || req.URL.RawQuery != "" || req.Form.Has("access_token") {
		t.Errorf("userinfo request: Authorization %q, query %q: want only the Bearer header", req.Header.Get("Authorization"), req.URL.RawQuery)
	}
}

func TestCase_rp_discovery_openid_configuration_UsesAndCachesDiscoveredEndpoints(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{op: oidctest.Options{IssuerPath: "/realms/test"}})
	h.op.MutateDiscovery(func(d map[string]any) { d["authorization_endpoint"] = h.op.URL(oidctest.Authorize) + "?tenant=a" })
	for range 2 {
		c := h.browser()
		_, authURL := h.startLogin(c, "/app")
		if !strings.HasPrefix(authURL, h.op.URL(oidctest.Authorize)+"?") || !strings.Contains(authURL, "tenant=a") {
			t.Fatalf("authorization request %s does not use the discovered endpoint", authURL)
		}
		h.expectLogin(t, c, h.signIn(c, authURL, 0), "/app", "user-1")
	}
	if n := h.op.Count(oidctest.Discovery); n != 1 {
		t.Errorf("discovery fetched %d times for two logins, want 1 (cached)", n)
	}
	if n := h.op.Count(oidctest.Token); n != 2 {
		t.Errorf("token endpoint calls = %d, want 2", n)
	}
}

// Keys come from the discovered jwks_uri, not from a path guessed from the issuer.
func TestCase_rp_discovery_jwks_uri_keys_FetchesKeysFromDiscoveredJwksURI(t *testing.T) {
	t.Parallel()
	var served atomic.Int32
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(oidctest.JWKS(suiteKey1()))
	}))
	t.Cleanup(keys.Close)
	h := newOIDC(t, harnessOptions{})
	h.op.SetKeys(suiteKey1(), suiteKey2()) // the OP's own /jwks holds another key
	h.op.MutateDiscovery(func(d map[string]any) { d["jwks_uri"] = keys.URL + "/keys" })
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	if served.Load() == 0 || h.op.Count(oidctest.JWKSURI) != 0 {
		t.Errorf("jwks_uri fetched %d times, the OP's own /jwks %d times", served.Load(), h.op.Count(oidctest.JWKSURI))
	}
}

func TestCase_rp_discovery_issuer_not_matching_config_RefusesProviderWithOtherIssuer(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	h.op.MutateDiscovery(func(d map[string]any) { d["issuer"] = "https://other.example" })
	for _, target := range []string{"/.auth/login?rd=%2Fapp", "/app"} {
		res := h.get(noFollow(h.browser()), target)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s with a mismatched discovery issuer: %d, want 503\n%s", target, res.StatusCode, res.body)
		}
		id := h.problemID(t, res, true)
		if !loggedError(h, id, "differs from the configured issuer") {
			t.Errorf("the refusal is not logged with its reason: %v", h.loggedWith(id))
		}
	}
	if n := h.op.Count(oidctest.Authorize); n != 0 {
		t.Errorf("the authorization endpoint was hit %d times", n)
	}
}

func TestCase_rp_key_rotation_op_sign_key_RefetchesKeysOnceAfterRotation(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	if n := h.op.Count(oidctest.JWKSURI); n != 1 {
		t.Fatalf("JWKS fetched %d times for the first login", n)
	}
	h.op.SetKeys(suiteKey2(), suiteKey2())
	c2 := h.browser()
	h.expectLogin(t, c2, h.authorize(c2, "/app", 0), "/app", "user-1")
	if n := h.op.Count(oidctest.JWKSURI); n != 2 {
		t.Errorf("JWKS fetched %d times in all, want exactly one refetch after the rotation", n)
	}
}

func TestCase_rp_key_rotation_op_sign_key_native_RefetchesOnceWhenWarmKeysAreStale(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	// The gateway's key cache is warm before the first login...
	if _, err := h.gw.idps[0].rp.Provider.Keys().VerifySignature(waitCtx(t, 5*time.Second), h.op.IssueIDToken(""), []string{"RS256"}); err != nil {
		t.Fatal(err)
	}
	c := h.browser()
	cb := h.authorize(c, "/app", 0)
	h.op.SetKeys(suiteKey2(), suiteKey2()) // ...and stale when the first token is signed.
	h.expectLogin(t, c, cb, "/app", "user-1")
	if n := h.op.Count(oidctest.JWKSURI); n != 2 {
		t.Errorf("JWKS fetched %d times, want the warm-up and one refetch", n)
	}
}

func TestCase_oidcc_client_test_refresh_token_RefreshesAndKeepsVerifiedTokens(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	before := h.storedSession(t, c)
	h.op.MutateToken(func(resp map[string]any) { resp["expires_in"] = 3600 })
	h.clock.Add(6 * time.Minute) // within five minutes of the access token's expiry
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusOK {
		t.Fatalf("request at refresh time: %d %s", r.StatusCode, r.body)
	}
	reqs := h.op.Requests(oidctest.Token)
	if len(reqs) != 2 || reqs[1].Form.Get("grant_type") != "refresh_token" || reqs[1].Form.Get("refresh_token") != before.refresh {
		t.Fatalf("token requests %d, want the code and one refresh with the session's refresh token", len(reqs))
	}
	after := h.storedSession(t, c)
	if after.idToken == before.idToken || after.access == before.access {
		t.Error("the refreshed tokens were not kept")
	}
	if _, err := h.gw.idps[0].rp.Verify(context.Background(), after.idToken, oidc.VerifyOptions{Subject: "user-1"}); err != nil {
		t.Errorf("the kept refreshed ID token does not verify: %v", err)
	}
}
