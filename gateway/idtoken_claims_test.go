package gateway

// Section C of docs/rp-security.md: further ID-token checks.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// runCases runs named oidcCases as parallel subtests.
func runCases(t *testing.T, cases map[string]oidcCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

func TestCase_gw_idt_01_RefusesExpiredOrMissingExp(t *testing.T) {
	t.Parallel()
	runCases(t, map[string]oidcCase{
		"exp past beyond the leeway": rejectClaims(func(c map[string]any, now time.Time) { c["exp"] = now.Add(-2 * time.Minute).Unix() }, "expired at"),
		"exp absent":                 rejectClaims(func(c map[string]any, _ time.Time) { delete(c, "exp") }, "exp is missing"),
	})
}

func TestCase_gw_idt_02_AcceptsExpWithinLeeway(t *testing.T) {
	t.Parallel()
	acceptClaims(func(c map[string]any, now time.Time) { c["exp"] = now.Add(-30 * time.Second).Unix() }).run(t)
}

func TestCase_gw_idt_03_RefusesIatInFuture(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, now time.Time) { c["iat"] = now.Add(2 * time.Minute).Unix() }, "issued in the future").run(t)
}

func TestCase_gw_idt_05_RefusesNbfInFuture(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, now time.Time) { c["nbf"] = now.Add(2 * time.Minute).Unix() }, "not valid before").run(t)
}

func TestCase_gw_idt_07_RefusesUntrustedAudienceOrAzp(t *testing.T) {
	t.Parallel()
	runCases(t, map[string]oidcCase{
		"several audiences, no azp": rejectClaims(func(c map[string]any, _ time.Time) { c["aud"] = []any{"test-client", "other-client"} }, "untrusted audience"),
		"azp of another client":     rejectClaims(func(c map[string]any, _ time.Time) { c["azp"] = "other-client" }, "is not the client id"),
		"several audiences, azp of another client": rejectClaims(func(c map[string]any, _ time.Time) {
			c["aud"], c["azp"] = []any{"test-client", "other-client"}, "other-client"
		}, "other-client"),
	})
}

func TestCase_gw_idt_08_RefusesMistypedClaims(t *testing.T) {
	t.Parallel()
	runCases(t, map[string]oidcCase{
		"aud is a number": rejectClaims(func(c map[string]any, _ time.Time) { c["aud"] = 12345 }, "aud is neither"),
		"sub is a number": rejectClaims(func(c map[string]any, _ time.Time) { c["sub"] = 12345 }, "sub is not a string"),
		"iss is an array": rejectClaims(func(c map[string]any, _ time.Time) { c["iss"] = []any{"x"} }, "iss is not a string"),
		"exp is a string": rejectClaims(func(c map[string]any, now time.Time) { c["exp"] = "9999999999" }, "exp is not a number"),
	})
}

func TestCase_gw_idt_09_RefusesMissingNonce(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, _ time.Time) { delete(c, "nonce") }, "nonce is missing").run(t)
}

// The nonce is one-time: the ID token of a completed login, presented again in a later login,
// fails that login's fresh nonce.
func TestCase_gw_idt_10_RefusesReplayedIDToken(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	used := h.storedSession(t, c).idToken
	c2 := h.browser()
	cb := h.authorize(c2, "/app", 0)
	replaceIDToken(h, func(string) string { return used })
	res := h.expectRefused(t, c2, cb, http.StatusUnauthorized, 1)
	if id := h.problemID(t, res, true); !loggedError(h, id, "nonce does not match") {
		t.Errorf("the replayed ID token was not refused for its nonce: %v", h.loggedWith(id))
	}
}

// Same issuer and key, but the token was issued to another app of the same provider.
func TestCase_gw_idt_12_RefusesTokenForAnotherApp(t *testing.T) {
	t.Parallel()
	rejectClaims(func(c map[string]any, _ time.Time) { c["aud"] = "kakao-javascript-key" }, "aud does not contain").run(t)
}

func TestCase_gw_idt_13_RefusesTokenAnswerWithoutIDToken(t *testing.T) {
	t.Parallel()
	oidcCase{want: http.StatusBadGateway, log: "no id_token", forge: func(h *harness) {
		h.op.MutateToken(func(resp map[string]any) { delete(resp, "id_token") })
	}}.run(t)
}

func TestCase_gw_idt_14_RequiresBearerTokenType(t *testing.T) {
	t.Parallel()
	tokenType := func(v any, want int) oidcCase {
		return oidcCase{want: want, forge: func(h *harness) {
			h.op.MutateToken(func(resp map[string]any) {
				if v == nil {
					delete(resp, "token_type")
				} else {
					resp["token_type"] = v
				}
			})
		}}
	}
	runCases(t, map[string]oidcCase{
		"missing":                      tokenType(nil, http.StatusBadGateway),
		"mac":                          tokenType("mac", http.StatusBadGateway),
		"DPoP":                         tokenType("DPoP", http.StatusBadGateway),
		"not a string":                 tokenType(1, http.StatusBadGateway),
		"BEARER (case-insensitive ok)": tokenType("BEARER", http.StatusFound),
	})
}

// The access token that came with a bad ID token is never used: not at userinfo (checked by
// the reject rule), not upstream even with pass_access_token, not in the page or the logs.
func TestCase_gw_idt_15_NeitherUsesNorLogsAccessTokenOfBadIDToken(t *testing.T) {
	t.Parallel()
	var access string
	h, _ := oidcCase{
		configure: func(c *config.Config) { c.PassAccessToken = true },
		want:      http.StatusUnauthorized, log: "nonce does not match",
		forge: func(h *harness) {
			h.op.MutateClaims(func(c map[string]any) { c["nonce"] = "another-login" })
			h.op.MutateToken(func(resp map[string]any) { access = resp["access_token"].(string) })
		},
	}.run(t)
	if access == "" {
		t.Fatal("no access token was issued")
	}
	for _, e := range h.logs.All() {
		if strings.Contains(e.Message+" "+strings.Join(stringValues(e.ContextMap()), " "), access) {
			t.Errorf("the access token is logged: %s", e.Message)
		}
	}
}

// The gateway sends no max_age, so auth_time is not required (the verifier's MaxAge is tested
// in package oidc): the case does not apply, and a token without auth_time passes.
func TestCase_gw_idt_16_SendsNoMaxAgeAndAcceptsMissingAuthTime(t *testing.T) {
	t.Parallel()
	h, _ := acceptClaims(func(c map[string]any, _ time.Time) { delete(c, "auth_time") }).run(t)
	if q := h.op.Requests(oidctest.Authorize)[0].Form; q.Has("max_age") {
		t.Errorf("the authorization request carries max_age=%s", q.Get("max_age"))
	}
}

// stringValues returns the string forms of a log entry's fields.
func stringValues(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
