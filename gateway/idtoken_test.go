package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestForgedIDTokenIsRejected has the fake OP issue bad ID tokens and checks the rp-security
// "reject" rule: a 401 page, no session, nothing upstream, a log line, and above all no call
// after the bad token (no userinfo: its access token is never used).
func TestForgedIDTokenIsRejected(t *testing.T) {
	tests := []struct {
		name  string
		forge func(h *harness, key *oidctest.Key)
	}{
		{"wrong audience", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { c["aud"] = "another-client" })
		}},
		{"extra audience without azp", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { c["aud"] = []any{h.op.ClientID, "another-client"} })
		}},
		{"wrong issuer", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { c["iss"] = "https://evil.example" })
		}},
		{"bad signature", func(h *harness, _ *oidctest.Key) {
			h.op.MutateToken(func(resp map[string]any) { resp["id_token"] = corruptSignature(resp["id_token"].(string)) })
		}},
		{"signed by a key the OP does not publish", func(h *harness, key *oidctest.Key) {
			h.op.SetKeys(oidctest.NewRSAKey("attacker"), key)
		}},
		{"same kid, other key", func(h *harness, key *oidctest.Key) {
			h.op.SetKeys(oidctest.NewRSAKey(key.ID), key)
		}},
		{"alg none", func(h *harness, _ *oidctest.Key) { h.op.SetSigningAlg("none") }},
		{"HS256 keyed with the public key", func(h *harness, _ *oidctest.Key) { h.op.SetSigningAlg("HS256") }},
		{"nonce mismatch", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { c["nonce"] = "another-login" })
		}},
		{"nonce missing", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { delete(c, "nonce") })
		}},
		{"expired", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
		}},
		{"subject missing", func(h *harness, _ *oidctest.Key) {
			h.op.MutateClaims(func(c map[string]any) { delete(c, "sub") })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := oidctest.NewRSAKey("key-1")
			h := newHarness(t, harnessOptions{provider: config.ProviderOIDC, op: oidctest.Options{
				Keys: []*oidctest.Key{key}, UserInfo: map[string]any{"name": "Alice"},
			}})
			c := h.browser()
			cb := h.authorize(c, "/app", 0)
			tt.forge(h, key)
			res := h.get(noFollow(c), cb)
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("callback with a bad ID token: %d, want 401\n%s", res.StatusCode, res.body)
			}
			id := h.problemID(t, res, true)
			h.assertLogged(t, id)
			if !loggedError(h, id, "verifying ID token") {
				t.Errorf("the refusal is not logged as an ID token failure: %v", h.loggedWith(id))
			}
			if h.setsSession(res) || h.sessionCookie(c) != nil {
				t.Error("a bad ID token produced a session")
			}
			if n := h.op.Count(oidctest.Token); n != 1 {
				t.Errorf("token calls = %d, want 1", n)
			}
			if n := h.op.Count(oidctest.UserInfo); n != 0 {
				t.Errorf("userinfo called %d times after a bad ID token", n)
			}
			if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("protected call after the refused login: %d, want 401", r.StatusCode)
			}
			if n := h.up.count(); n != 0 {
				t.Errorf("%d requests reached the upstream", n)
			}
		})
	}
}

// corruptSignature flips bits in the signature segment of a compact JWS.
func corruptSignature(jws string) string {
	i := strings.LastIndexByte(jws, '.')
	sig := []byte(jws[i+1:])
	for j := range 4 {
		if sig[j] == 'A' {
			sig[j] = 'B'
		} else {
			sig[j] = 'A'
		}
	}
	return jws[:i+1] + string(sig)
}
