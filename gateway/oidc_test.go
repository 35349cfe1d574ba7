package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestOIDCLoginMergesUserInfo logs in at a generic OpenID provider: no Kakao API exists, the
// userinfo claims are merged, an email is kept only when email_verified is true, and a
// userinfo answer about another subject is discarded without failing the login.
func TestOIDCLoginMergesUserInfo(t *testing.T) {
	tests := []struct {
		name      string
		userinfo  map[string]any
		otherSub  bool
		wantEmail bool
		wantName  bool
	}{
		{"verified email is kept", map[string]any{"email": "a@example.com", "email_verified": true, "name": "Alice"}, false, true, true},
		{"unverified email is dropped", map[string]any{"email": "a@example.com", "email_verified": false, "name": "Alice"}, false, false, true},
		{"email without email_verified is dropped", map[string]any{"email": "a@example.com", "name": "Alice"}, false, false, true},
		{"userinfo of another subject is discarded", map[string]any{"email": "a@example.com", "email_verified": true, "name": "Alice"}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{
				provider: config.ProviderOIDC,
				op:       oidctest.Options{Subject: "user-1", UserInfo: tt.userinfo},
				configure: func(c *config.Config) {
					c.Headers = []config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}, {Header: "X-Auth-Name", Claim: "name"}, {Header: "X-Auth-Email", Claim: "email"}}
				},
			})
			if tt.otherSub {
				h.op.MutateUserInfo(func(c map[string]any) { c["sub"] = "foobar" })
			}
			if h.gw.kakao != nil {
				t.Fatal("provider oidc must not have a Kakao API")
			}
			c := h.browser()
			res := h.login(c, "/app", 0)
			if loc := res.Header.Get("Location"); loc != "/app" || !h.setsSession(res) {
				t.Fatalf("callback: Location %q, session set %v", loc, h.setsSession(res))
			}
			if n := h.op.Count(oidctest.UserInfo); n != 1 {
				t.Errorf("userinfo calls = %d, want 1", n)
			}
			if got := h.op.Requests(oidctest.UserInfo)[0].Header.Get("Authorization"); !strings.HasPrefix(got, "Bearer ") {
				t.Errorf("userinfo Authorization = %q, want a Bearer token", got)
			}

			if res := h.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK {
				t.Fatalf("protected call: %d %s", res.StatusCode, res.body)
			}
			up := h.up.last(t)
			if up.Header.Get("X-Auth-User-Id") != "user-1" {
				t.Errorf("X-Auth-User-Id = %q, want user-1", up.Header.Get("X-Auth-User-Id"))
			}
			if got := up.Header.Get("X-Auth-Email"); (got == "a@example.com") != tt.wantEmail {
				t.Errorf("X-Auth-Email = %q, want present=%v", got, tt.wantEmail)
			}
			if got := up.Header.Get("X-Auth-Name"); (got == "Alice") != tt.wantName {
				t.Errorf("X-Auth-Name = %q, want present=%v", got, tt.wantName)
			}
			var me struct{ Claims map[string]any }
			_ = json.Unmarshal([]byte(h.get(c, "/.auth/me", "Accept: application/json").body), &me)
			if me.Claims["sub"] != "user-1" || me.Claims["id"] != "user-1" {
				t.Errorf("/me claims = %v", me.Claims)
			}
			for _, k := range []string{"iss", "aud", "nonce", "exp", "iat"} {
				if _, ok := me.Claims[k]; ok {
					t.Errorf("protocol claim %s kept in the session", k)
				}
			}
		})
	}
}

// TestOIDCIssParameter checks RFC 9207 with a provider that promises iss on its
// authorization responses: missing or foreign iss is refused before any token call.
func TestOIDCIssParameter(t *testing.T) {
	tests := []struct {
		name       string
		iss        func(h *harness) []string // nil: leave the provider's as it is
		wantStatus int
	}{
		{"matching iss proceeds", nil, http.StatusFound},
		{"missing iss is refused", func(*harness) []string { return []string{} }, http.StatusBadRequest},
		{"foreign iss is refused", func(*harness) []string { return []string{"https://evil.example"} }, http.StatusBadRequest},
		{"repeated iss is refused", func(h *harness) []string { return []string{h.op.Issuer, h.op.Issuer} }, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{provider: config.ProviderOIDC, op: oidctest.Options{IssParameter: true}})
			c := h.browser()
			cb, _ := url.Parse(h.authorize(c, "/", 0))
			q := cb.Query()
			if q.Get("iss") != h.op.Issuer {
				t.Fatalf("fake OP sent iss %q", q.Get("iss"))
			}
			if tt.iss != nil {
				q["iss"] = tt.iss(h)
				if len(q["iss"]) == 0 {
					q.Del("iss")
				}
			}
			cb.RawQuery = q.Encode()
			res := h.get(noFollow(c), cb.String(), "Accept: application/json")
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("callback: %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
			}
			wantTokens := 0
			if tt.wantStatus == http.StatusFound {
				wantTokens = 1
			} else if id := h.problemID(t, res, false); id != "" {
				h.assertLogged(t, id)
			}
			if n := h.op.Count(oidctest.Token); n != wantTokens {
				t.Errorf("token calls = %d, want %d", n, wantTokens)
			}
		})
	}
}
