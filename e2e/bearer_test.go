package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// The app keys of the native-app tests: the native key of the gateway's Kakao app (app id
// 100001, the emulator's default) and a key of another Kakao app.
var (
	e2eNativeApp = kakaotest.App{ClientID: "native-app-key", AppID: kakaotest.DefaultAppID, RedirectURIs: []string{"kakaonative-app-key://oauth"}}
	e2eOtherApp  = kakaotest.App{ClientID: "other-app-key", ClientSecret: "other-secret", AppID: "200002", RedirectURIs: []string{"kakaoother-app-key://oauth"}}
)

// withApps registers both app keys at the emulator.
func withApps(o *kakaotest.Options) { o.Apps = []kakaotest.App{e2eNativeApp, e2eOtherApp} }

// nativeToken runs a native app's code flow at the emulator and returns its access token.
func (e *env) nativeToken(app kakaotest.App, user int64) string {
	e.t.Helper()
	tok, err := kakaotest.AppLogin(e.emulator.URL(), app, user)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.AccessToken
}

// callAPI is the native app calling the API at base with its token.
func callAPI(t *testing.T, base, token string) (*http.Response, string) {
	t.Helper()
	return get(t, http.DefaultClient, base+"/api/orders", "Authorization: Bearer "+token, "Accept: application/json")
}

// wantInvalidToken checks an RFC 6750 refusal.
func wantInvalidToken(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `Bearer realm="kakaogate", error="invalid_token"`) ||
		!strings.Contains(body, `"error":"invalid_token"`) {
		t.Fatalf("want 401 invalid_token, got %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
}

// TestNativeAppBearer: through the Caddy binary, a native app's code-flow token is accepted
// (and cached: Kakao is asked once), another app's token for the same person and a forged
// one are refused, expiry is honoured and Kakao being down is a 503, not a logout.
func TestNativeAppBearer(t *testing.T) {
	e := newEnv(t, envOptions{
		extra: "app_id 100001\n\t\tbearer",
		emulator: func(o *kakaotest.Options) {
			withApps(o)
			o.AccessTokenTTL = 3 * time.Second
		},
	})
	tok := e.nativeToken(e2eNativeApp, 1001)
	e.emulator.ResetCalls()
	for range 3 {
		if resp, body := callAPI(t, e.base, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("native token: %d %s\n%s", resp.StatusCode, body, e.caddy.Logs())
		}
	}
	if n := e.emulator.TokenInfoCalls(); n != 1 {
		t.Fatalf("3 requests made %d access_token_info calls, want 1", n)
	}
	up := e.up.last(t)
	if up.Header.Get("X-Auth-User-Id") != "1001" || up.Header.Get("Authorization") != "" {
		t.Fatalf("upstream got user %q, Authorization %q", up.Header.Get("X-Auth-User-Id"), up.Header.Get("Authorization"))
	}

	before := e.up.count()
	resp, body := callAPI(t, e.base, e.nativeToken(e2eOtherApp, 1001))
	wantInvalidToken(t, resp, body)
	resp, body = callAPI(t, e.base, "forged"+tok[6:])
	wantInvalidToken(t, resp, body)
	if e.up.count() != before {
		t.Fatal("a refused token reached the upstream")
	}

	t.Run("Kakao down is 503", func(t *testing.T) {
		fresh := e.nativeToken(e2eNativeApp, 1002)
		e.emulator.SetFault("/v1/user/access_token_info", kakaotest.Fault{Status: http.StatusBadRequest, Body: `{"msg":"internal error","code":-1}`})
		resp, body := callAPI(t, e.base, fresh)
		e.emulator.ClearFaults()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("Kakao -1: %d %s", resp.StatusCode, body)
		}
		if resp, body := callAPI(t, e.base, fresh); resp.StatusCode != http.StatusOK {
			t.Fatalf("after Kakao recovered: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("expiry is honoured", func(t *testing.T) {
		// The emulator's tokens live 3 s: the gateway keeps its answer no longer than that.
		time.Sleep(3500 * time.Millisecond)
		resp, body := callAPI(t, e.base, tok)
		wantInvalidToken(t, resp, body)
		if !strings.Contains(body, "expired") {
			t.Fatalf("refusal does not say expired: %s", body)
		}
	})
}

// TestNativeAppBearerRevocationReachesEveryInstance: two gateways share Redis; each caches a
// native app's token. An admin revocation at A revokes the person's Kakao tokens (admin key)
// and drops B's cached answer, so B refuses the token at once; Kakao's unlink webhook
// (delivered to A) does the same for a token from a new login.
func TestNativeAppBearerRevocationReachesEveryInstance(t *testing.T) {
	e := newEnv(t, envOptions{
		instances: 2,
		session:   "session redis redis://" + redistest.Start(t).Addr() + "/0",
		extra:     "admin_key demo-admin-key\n\t\tapp_id 100001\n\t\tadmin_token " + adminTokenE2E + "\n\t\tbearer",
		emulator:  withApps,
	})
	a, b := e.bases[0], e.bases[1]
	tok := e.nativeToken(e2eNativeApp, 1001)
	for _, base := range []string{a, b} {
		if resp, body := callAPI(t, base, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", base, resp.StatusCode, body)
		}
	}

	req, _ := http.NewRequest(http.MethodPost, a+"/.auth/admin/revoke?user_id=1001", nil)
	req.Header.Set("Authorization", "Bearer "+adminTokenE2E)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"kakao_tokens_revoked":true`) {
		t.Fatalf("admin revoke: %d %s", resp.StatusCode, body)
	}
	waitFor(t, 5*time.Second, "B to refuse the revoked person's token", func() bool {
		resp, _ := callAPI(t, b, tok)
		return resp.StatusCode == http.StatusUnauthorized
	})
	if resp, body := callAPI(t, a, tok); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("A after the revocation: %d %s", resp.StatusCode, body)
	}
	tok = e.nativeToken(e2eNativeApp, 1001) // the person logs in to the app again

	// Unlinked at Kakao: its webhook reaches A; B must refuse the dead token at once, not
	// serve its cached answer for minutes.
	if resp, body := callAPI(t, b, tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("B before the unlink: %d %s", resp.StatusCode, body)
	}
	if err := e.emulator.Unlink(context.Background(), 1001); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "B to refuse the unlinked person's token", func() bool {
		resp, _ := callAPI(t, b, tok)
		return resp.StatusCode == http.StatusUnauthorized
	})
}
