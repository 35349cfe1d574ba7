package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/session"
)

// TestBearerAdminRevocationRevokesTheKakaoTokens: an admin revocation drops the user's cached answers and
// revokes their Kakao tokens with the admin key, so the native app's token is refused at once
// (dropping the cache alone would only have Kakao call it valid again), while another user's
// token stays cached. Kakao failing the token revocation is not a success (503, sessions
// ended), and sending the revocation again completes it. Kakao's unlink drops the cache too.
func TestBearerAdminRevocationRevokesTheKakaoTokens(t *testing.T) {
	h := bearerHarness(t, nil)
	revoke := func() *result {
		return h.do(http.DefaultClient, http.MethodPost, "/.auth/admin/revoke?user_id=1001", nil, "Authorization: Bearer "+strings.Repeat("t", 32))
	}
	tok := h.appToken(nativeApp, 1001)
	other := h.appToken(nativeApp, 1002)
	h.api("/api", tok)
	h.api("/api", other)
	h.kakao.ResetCalls()
	if res := revoke(); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"kakao_tokens_revoked":true`) {
		t.Fatalf("admin revoke: %d %s", res.StatusCode, res.body)
	}
	before := h.up.count()
	h.wantBearerRefused(h.api("/api", tok), before)
	if res := h.api("/api", other); res.StatusCode != http.StatusOK {
		t.Fatalf("another user's token after revoking 1001: %d %s", res.StatusCode, res.body)
	}
	if n := h.kakao.TokenInfoCalls(); n != 1 {
		t.Fatalf("after revoking 1001: %d access_token_info calls, want 1 (1001 asked again, 1002 still cached)", n)
	}

	// Kakao fails the token revocation: not acknowledged as done; the retry completes it.
	fresh := h.appToken(nativeApp, 1001)
	if res := h.api("/api", fresh); res.StatusCode != http.StatusOK {
		t.Fatalf("a token from a new login: %d %s", res.StatusCode, res.body)
	}
	h.kakao.SetFault("/v1/user/logout", kakaotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	if res := revoke(); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.body, `"error":"kakao_revocation_failed"`) ||
		!strings.Contains(res.body, `"sessions_ended":`) {
		t.Fatalf("admin revoke with Kakao failing: %d %s", res.StatusCode, res.body)
	}
	// Kakao refusing (a key not allowed to call Logout): 502, naming the configuration.
	h.kakao.SetFault("/v1/user/logout", kakaotest.Fault{Status: http.StatusForbidden, Body: `{"msg":"not allowed","code":-3}`, Times: 1})
	if res := revoke(); res.StatusCode != http.StatusBadGateway || !strings.Contains(res.body, "check admin_key") {
		t.Fatalf("admin revoke with Kakao refusing: %d %s", res.StatusCode, res.body)
	}
	if res := revoke(); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"kakao_tokens_revoked":true`) {
		t.Fatalf("admin revoke sent again: %d %s", res.StatusCode, res.body)
	}
	before = h.up.count()
	h.wantBearerRefused(h.api("/api", fresh), before)

	// Unlinked at Kakao: its webhook drops the cached answer, so the dead token is refused at
	// once (a cached answer would still let it through for minutes).
	again := h.appToken(nativeApp, 1001)
	h.api("/api", again)
	h.api("/api", again) // cached
	if err := h.kakao.Unlink(context.Background(), 1001); err != nil {
		t.Fatal(err)
	}
	before = h.up.count()
	h.wantBearerRefused(h.api("/api", again), before)
}

// TestBearerRevocationNamesKakaoUsersExactly: a user id that is not the canonical decimal form
// of a Kakao user id ("+1001", "01001") names no Kakao user: the revocation ends that id's
// sessions (none) and revokes nobody's Kakao tokens, so user 1001's app keeps working.
func TestBearerRevocationNamesKakaoUsersExactly(t *testing.T) {
	h := bearerHarness(t, nil)
	tok := h.appToken(nativeApp, 1001)
	for _, id := range []string{"%2B1001", "01001"} {
		res := h.do(http.DefaultClient, http.MethodPost, "/.auth/admin/revoke?user_id="+id, nil, "Authorization: Bearer "+strings.Repeat("t", 32))
		if res.StatusCode != http.StatusOK || strings.Contains(res.body, "kakao_tokens_revoked") {
			t.Fatalf("revoking %s: %d %s", id, res.StatusCode, res.body)
		}
		if res := h.api("/api", tok); res.StatusCode != http.StatusOK {
			t.Fatalf("user 1001's token after revoking %s: %d %s", id, res.StatusCode, res.body)
		}
	}
}

// TestBearerRevocationReachesAnotherInstanceAfterKakao: two gateways on one store, each
// with the person's native-app token cached. While Kakao is still revoking the tokens (a
// slow /v1/user/logout), B may go on answering from its cache; but once the revocation has
// answered, B refuses the token. (Ending the sessions before Kakao's revocation would let B,
// told to drop its cached answer, ask Kakao in between and cache Kakao's "valid" for
// minutes.)
func TestBearerRevocationReachesAnotherInstanceAfterKakao(t *testing.T) {
	store := session.NewMemoryStore(session.MemoryOptions{})
	configure := func(c *config.Config) {
		c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID
		c.AdminToken, c.AdminKey = strings.Repeat("t", 32), kakaotest.DefaultAdminKey
	}
	a := newHarness(t, harnessOptions{store: store, configure: configure,
		emulator: func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp} }})
	b := newHarness(t, harnessOptions{store: store, configure: configure, issuer: a.kakao.URL()})
	tok := a.appToken(nativeApp, 1001)
	if res := b.api("/api", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("B before the revocation: %d %s", res.StatusCode, res.body)
	}
	a.kakao.SetFault("/v1/user/logout", kakaotest.Fault{Delay: 400 * time.Millisecond, Times: 1})
	done := make(chan *result, 1)
	go func() {
		done <- a.do(http.DefaultClient, http.MethodPost, "/.auth/admin/revoke?user_id=1001", nil, "Authorization: Bearer "+strings.Repeat("t", 32))
	}()
	time.Sleep(150 * time.Millisecond)
	b.api("/api", tok) // while Kakao is revoking: either answer, but nothing stale may stay cached
	if res := <-done; res.StatusCode != http.StatusOK {
		t.Fatalf("admin revoke: %d %s", res.StatusCode, res.body)
	}
	before := b.up.count()
	b.wantBearerRefused(b.api("/api", tok), before)
}
