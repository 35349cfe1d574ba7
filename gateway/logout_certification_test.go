package gateway

// Section B of docs/rp-security.md: RP-Initiated Logout and Back-Channel Logout (provider oidc).

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

// opSessionID is the sid the suite's provider puts in its ID tokens for logout tests.
const opSessionID = "op-session-1"

// accountLogout logs c in at a gateway with logout account, posts its logout form and
// checks the local session ended before the redirect to the provider's end_session_endpoint.
// It returns the harness, the browser and that redirect's URL.
func accountLogout(t *testing.T) (*harness, *http.Client, *url.URL) {
	t.Helper()
	h := newOIDC(t, harnessOptions{public: []string{"/bye"}, configure: func(c *config.Config) {
		c.Logout, c.PostLogoutRedirect = config.LogoutAccount, "/bye"
	}})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	sess := h.storedSession(t, c)
	page, form := h.logoutForm(t, c)
	if !strings.Contains(page.body, "login provider") {
		t.Errorf("the confirmation page does not say the provider logs out too:\n%s", page.body)
	}
	res := h.postLogout(c, form.Fields.Get("csrf"))
	assertNoStore(t, "logout redirect", res.Response) // it carries the ID token
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), h.op.URL(oidctest.EndSession)+"?") {
		t.Fatalf("logout: %d to %q, want a redirect to the end_session_endpoint", res.StatusCode, res.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("id_token_hint") != sess.idToken || q.Get("client_id") != h.op.ClientID ||
		q.Get("post_logout_redirect_uri") != h.base+"/.auth/logout/callback" || len(q.Get("state")) < 22 {
		t.Errorf("end session request %v: want id_token_hint, client_id, the registered post_logout_redirect_uri and a state", q)
	}
	if _, err := h.loadSession(sess.cookie); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the local session was not destroyed before the redirect: %v", err)
	}
	if r := h.get(h.withSessionCookie(sess.cookie), "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old cookie after logout: %d, want 401", r.StatusCode)
	}
	return h, c, loc
}

func TestCase_rp_init_logout_EndsLocalSessionAndReturnsThroughProvider(t *testing.T) {
	t.Parallel()
	h, c, loc := accountLogout(t)
	back := h.get(noFollow(c), loc.String()) // the provider's end_session_endpoint
	if back.StatusCode != http.StatusFound || !strings.HasPrefix(back.Header.Get("Location"), h.base+"/.auth/logout/callback?state=") {
		t.Fatalf("provider answered %d to %q", back.StatusCode, back.Header.Get("Location"))
	}
	final := h.get(noFollow(c), back.Header.Get("Location"))
	if final.StatusCode != http.StatusFound || final.Header.Get("Location") != "/bye" {
		t.Fatalf("logout callback with the matching state: %d to %q, want 302 to /bye", final.StatusCode, final.Header.Get("Location"))
	}
	assertNoStore(t, "logout callback", final.Response)
}

// logoutCallbackGoesNowhere opens the logout callback at target and checks the signed-out
// page: 200, no redirect anywhere, the logout still complete.
func logoutCallbackGoesNowhere(t *testing.T, h *harness, c *http.Client, target string) {
	t.Helper()
	res := h.get(noFollow(c), target)
	if res.StatusCode != http.StatusOK || res.Header.Get("Location") != "" || !strings.Contains(res.body, "signed out") {
		t.Fatalf("logout callback %s: %d to %q, want the signed-out page", target, res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(res.body, "evil.example") {
		t.Error("the signed-out page renders a URL taken from the request")
	}
	if r := h.get(c, "/.auth/me", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("/me after logout: %d", r.StatusCode)
	}
}

func TestCase_rp_init_logout_no_state_MissingStateRedirectsNowhere(t *testing.T) {
	t.Parallel()
	h, c, _ := accountLogout(t)
	logoutCallbackGoesNowhere(t, h, c, "/.auth/logout/callback")
}

func TestCase_rp_init_logout_other_state_ForeignStateRedirectsNowhere(t *testing.T) {
	t.Parallel()
	h, c, _ := accountLogout(t)
	logoutCallbackGoesNowhere(t, h, c, "/.auth/logout/callback?state="+strings.Repeat("A", 43)+
		"&post_logout_redirect_uri="+url.QueryEscape("https://evil.example/")+"&rd=%2F%2Fevil.example")
}

// bclHarness logs user-1 (with provider session opSessionID) in with two browsers and user-2
// with a third. It returns the harness and the browsers.
func bclHarness(t *testing.T, op oidctest.Options) (*harness, [2]*http.Client, *http.Client) {
	t.Helper()
	op.Claims = map[string]any{"sid": opSessionID}
	h := newOIDC(t, harnessOptions{op: op})
	var user1 [2]*http.Client
	for i := range user1 {
		user1[i] = h.browser()
		h.expectLogin(t, user1[i], h.authorize(user1[i], "/app", 0), "/app", "user-1")
	}
	h.op.MutateClaims(func(c map[string]any) { c["sub"], c["sid"] = "user-2", "op-session-2" })
	user2 := h.browser()
	h.expectLogin(t, user2, h.authorize(user2, "/app", 0), "/app", "user-2")
	h.op.MutateClaims(nil)
	if sid := h.storedSession(t, user1[0]).claims["sid"]; sid != opSessionID {
		t.Fatalf("the session keeps sid %q, want %q", sid, opSessionID)
	}
	return h, user1, user2
}

// backchannel posts a logout token to the gateway as the provider does.
func (h *harness) backchannel(token string) *result {
	h.t.Helper()
	return h.postForm(&http.Client{Timeout: 10 * time.Second}, "/.auth/backchannel-logout", url.Values{"logout_token": {token}})
}

// hasSession reports whether c's session still works.
func (h *harness) hasSession(c *http.Client) bool {
	h.t.Helper()
	return h.get(c, "/app", "Accept: application/json").StatusCode == http.StatusOK
}

// bclRefused posts token and checks the answer is 400 (JSON, no-store, logged with reason) and
// that no session ended.
func bclRefused(t *testing.T, h *harness, user1 [2]*http.Client, user2 *http.Client, token, reason string) {
	t.Helper()
	res := h.backchannel(token)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("back-channel logout: %d, want 400\n%s", res.StatusCode, res.body)
	}
	assertNoStore(t, "back-channel logout", res.Response)
	id := h.problemID(t, res, false)
	if !loggedError(h, id, "invalid logout token: "+reason) {
		t.Errorf("the refusal is not logged: %v", h.loggedWith(id))
	}
	for i, c := range []*http.Client{user1[0], user1[1], user2} {
		if !h.hasSession(c) {
			t.Errorf("browser %d lost its session to a refused logout token", i)
		}
	}
}

// bclCase checks a logout token whose claims edit changes (or that sign produces) is refused
// for reason.
func bclCase(t *testing.T, op oidctest.Options, reason string, edit func(c map[string]any), sign func(h *harness, c map[string]any) string) {
	t.Helper()
	h, user1, user2 := bclHarness(t, op)
	claims := h.op.LogoutTokenClaims(opSessionID)
	if edit != nil {
		edit(claims)
	}
	token := ""
	if sign != nil {
		token = sign(h, claims)
	} else {
		token = h.op.SignLogoutToken(claims)
	}
	bclRefused(t, h, user1, user2, token, reason)
}

func TestCase_rp_backchannel_rpinitlogout_EndsOnlyNamedUsersSessions(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(map[string]any){
		"sub and sid": nil,
		"sub only":    func(c map[string]any) { delete(c, "sid") },
		"sid only":    func(c map[string]any) { delete(c, "sub") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, user1, user2 := bclHarness(t, oidctest.Options{})
			old := h.sessionCookie(user1[0]).Value
			claims := h.op.LogoutTokenClaims(opSessionID)
			if edit != nil {
				edit(claims)
			}
			before := h.up.count()
			res := h.backchannel(h.op.SignLogoutToken(claims))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("back-channel logout: %d, want 200\n%s", res.StatusCode, res.body)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", res.Header.Get("Cache-Control"))
			}
			for i, c := range user1 {
				if h.hasSession(c) {
					t.Errorf("user-1's browser %d keeps its session", i)
				}
			}
			if r := h.get(h.withSessionCookie(old), "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("old cookie replayed after back-channel logout: %d", r.StatusCode)
			}
			if !h.hasSession(user2) {
				t.Error("another user's session ended")
			}
			if n := h.up.count() - before; n != 1 {
				t.Errorf("%d requests reached the upstream, want only user-2's", n)
			}
		})
	}
}

func TestCase_rp_backchannel_rpinitlogout_lt_alg_none_RefusesUnsignedLogoutToken(t *testing.T) {
	t.Parallel()
	bclCase(t, oidctest.Options{}, "empty JWS segment", nil, func(h *harness, c map[string]any) string {
		h.op.SetSigningAlg("none")
		return h.op.SignLogoutToken(c)
	})
}

// The provider's JWKS holds an EC key too, but its ID tokens are RS256 only.
func TestCase_rp_backchannel_rpinitlogout_lt_wrong_alg_RefusesDisallowedAlg(t *testing.T) {
	t.Parallel()
	op := oidctest.Options{Keys: []*oidctest.Key{suiteKey1(), suiteECKey()}}
	bclCase(t, op, `alg "ES256" is not allowed`, nil, func(h *harness, c map[string]any) string {
		h.op.SetKeys(suiteECKey(), suiteKey1(), suiteECKey())
		h.op.SetSigningAlg("ES256")
		return h.op.SignLogoutToken(c)
	})
}

func TestCase_rp_backchannel_rpinitlogout_lt_wrong_aud_RefusesForeignAudience(t *testing.T) {
	t.Parallel()
	bclCase(t, oidctest.Options{}, "aud does not contain the client id", func(c map[string]any) { c["aud"] = "another-client" }, nil)
}

func TestCase_rp_backchannel_rpinitlogout_lt_wrong_issuer_RefusesForeignIssuer(t *testing.T) {
	t.Parallel()
	bclCase(t, oidctest.Options{}, `iss "https://other-op.example" is not the issuer`, func(c map[string]any) { c["iss"] = "https://other-op.example" }, nil)
}

func TestCase_rp_backchannel_rpinitlogout_lt_no_event_RefusesMissingEvents(t *testing.T) {
	t.Parallel()
	bclCase(t, oidctest.Options{}, "events is missing", func(c map[string]any) { delete(c, "events") }, nil)
}

func TestCase_rp_backchannel_rpinitlogout_lt_wrong_event_RefusesOtherEvent(t *testing.T) {
	t.Parallel()
	bclCase(t, oidctest.Options{}, "events has no back-channel logout member", func(c map[string]any) {
		c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
	}, nil)
}

func TestCase_rp_backchannel_rpinitlogout_lt_with_nonce_RefusesTokenWithNonce(t *testing.T) {
	t.Parallel()
	bclCase(t, oidctest.Options{}, "nonce is present", func(c map[string]any) { c["nonce"] = "n-0S6_WzA2Mj" }, nil)
}

func TestCase_gw_bcl_idtoken_as_logout_RefusesIDTokenAsLogoutToken(t *testing.T) {
	t.Parallel()
	// An ID token with a jti, as some providers issue: only events and nonce tell them apart.
	bclCase(t, oidctest.Options{}, "events is missing", nil, func(h *harness, _ map[string]any) string {
		h.op.MutateClaims(func(c map[string]any) { c["jti"] = "id-token-jti" })
		return h.op.IssueIDToken("some-nonce")
	})
}

// Decision: a replayed logout token is answered 200 again and ends nothing more, so a session
// started after the logout survives the replay.
func TestCase_gw_bcl_replay_ReplayEndsNoLaterSession(t *testing.T) {
	t.Parallel()
	h, user1, user2 := bclHarness(t, oidctest.Options{})
	token := h.op.SignLogoutToken(h.op.LogoutTokenClaims(opSessionID))
	if res := h.backchannel(token); res.StatusCode != http.StatusOK {
		t.Fatalf("first delivery: %d", res.StatusCode)
	}
	again := h.browser()
	h.expectLogin(t, again, h.authorize(again, "/app", 0), "/app", "user-1")
	res := h.backchannel(token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("replay: %d, want the idempotent 200", res.StatusCode)
	}
	if h.logs.FilterMessageSnippet("seen before").Len() != 1 {
		t.Error("the replay is not logged")
	}
	if !h.hasSession(again) || !h.hasSession(user2) {
		t.Error("the replayed token ended a session it did not name at first")
	}
	if h.hasSession(user1[0]) {
		t.Error("the first delivery did not end user-1's session")
	}
}
