package kakaotest

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Test app keys: a native key of the main app and a key of another Kakao app.
var (
	testNativeApp = App{ClientID: "native-app-key", AppID: DefaultAppID, RedirectURIs: []string{"kakaonative-app-key://oauth"}}
	testOtherApp  = App{ClientID: "other-app-key", ClientSecret: "other-secret", AppID: "200002", RedirectURIs: []string{"kakaoother-app-key://oauth"}}
)

func TestAppsObtainTokensOfTheirApp(t *testing.T) {
	srv := newEmu(t, func(o *Options) { o.Apps = []App{testNativeApp, testOtherApp} })
	tests := []struct {
		app       App
		wantAppID float64
	}{
		{testNativeApp, 100001},
		{testOtherApp, 200002},
	}
	for _, tt := range tests {
		t.Run(tt.app.ClientID, func(t *testing.T) {
			before := srv.TokenInfoCalls()
			tok, err := AppLogin(srv.URL(), tt.app, 1001, "openid", "profile_nickname")
			if err != nil {
				t.Fatal(err)
			}
			status, info := getJSON(t, srv, "/v1/user/access_token_info", "Bearer "+tok.AccessToken)
			if status != http.StatusOK || num(info, "app_id") != tt.wantAppID || num(info, "id") != 1001 {
				t.Fatalf("access_token_info = %d %v", status, info)
			}
			if got := srv.TokenInfoCalls() - before; got != 1 {
				t.Fatalf("TokenInfoCalls grew by %d, want 1", got)
			}
			set, err := jwk.Fetch(context.Background(), srv.URL()+"/.well-known/jwks.json")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jwt.Parse([]byte(tok.IDToken), jwt.WithKeySet(set), jwt.WithValidate(true),
				jwt.WithIssuer(srv.URL()), jwt.WithAudience(tt.app.ClientID)); err != nil {
				t.Fatalf("ID token is not the app key's: %v", err)
			}
		})
	}
}

func TestAppsCodesAreBoundToTheirKey(t *testing.T) {
	srv := newEmu(t, func(o *Options) { o.Apps = []App{testOtherApp} })
	c := browser(t, "")
	code, verifier := loginCode(t, srv, c, 1001, nil) // a code of the main app
	form := codeForm(code, verifier, testOtherApp.ClientSecret, testRedirect)
	form.Set("client_id", testOtherApp.ClientID)
	if status, body := postForm(t, srv, "/oauth/token", form, ""); status != http.StatusBadRequest || str(body, "error_code") != "KOE320" {
		t.Fatalf("other app redeemed the main app's code: %d %v", status, body)
	}
}

// TestAppsHaveTheirOwnAdminKey: another app's admin key authenticates admin calls like the
// main app's; a key no app holds does not.
func TestAppsHaveTheirOwnAdminKey(t *testing.T) {
	other := testOtherApp
	other.AdminKey = "other-admin-key"
	srv := newEmu(t, func(o *Options) { o.Apps = []App{testNativeApp, other} })
	if err := srv.Link(1001); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key  string
		wantStatus int
	}{
		{"the main app's admin key", DefaultAdminKey, http.StatusOK},
		{"the other app's admin key", other.AdminKey, http.StatusOK},
		{"a key no app holds", "native-admin-key", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := getJSON(t, srv, "/v2/user/me?target_id_type=user_id&target_id=1001", "KakaoAK "+tt.key)
			if status != tt.wantStatus {
				t.Fatalf("admin call: %d %v, want %d", status, body, tt.wantStatus)
			}
		})
	}
}

func TestAppsValidation(t *testing.T) {
	for _, a := range []App{
		{ClientID: DefaultClientID, AppID: "1", RedirectURIs: []string{"x://y"}},
		{ClientID: "k", AppID: "abc", RedirectURIs: []string{"x://y"}},
		{ClientID: "k", AppID: "1"},
		{ClientID: "k", AppID: DefaultAppID, RedirectURIs: []string{"x://y"}, AdminKey: "own"},  // a key of the main app
		{ClientID: "k", AppID: "1", RedirectURIs: []string{"x://y"}, AdminKey: DefaultAdminKey}, // the main app's admin key
	} {
		if _, err := New(Options{Issuer: "http://127.0.0.1:1", Apps: []App{a}}); err == nil {
			t.Errorf("New accepted app %+v", a)
		}
	}
}

// TestAppsAdminLogoutRevokesOnlyItsAppsTokens: an admin logout revokes the user's tokens of
// every key of the admin key's app (the REST key's and the native app key's), never another
// app's, as each Kakao app's admin key acts on that app alone.
func TestAppsAdminLogoutRevokesOnlyItsAppsTokens(t *testing.T) {
	other := testOtherApp
	other.AdminKey = "other-admin-key"
	srv := newEmu(t, func(o *Options) { o.Apps = []App{testNativeApp, other} })
	web := str(tokens(t, srv, 1001, nil), "access_token")
	login := func(app App) string {
		tok, err := AppLogin(srv.URL(), app, 1001)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	native, otherApps := login(testNativeApp), login(other)
	form := url.Values{"target_id_type": {"user_id"}, "target_id": {"1001"}}
	if status, body := postForm(t, srv, "/v1/user/logout", form, "KakaoAK "+DefaultAdminKey); status != http.StatusOK {
		t.Fatalf("admin logout: %d %v", status, body)
	}
	for _, tt := range []struct {
		name, token string
		want        int
	}{
		{"the main app's REST key token", web, http.StatusUnauthorized},
		{"the main app's native key token", native, http.StatusUnauthorized},
		{"another app's token", otherApps, http.StatusOK},
	} {
		if status, body := getJSON(t, srv, "/v1/user/access_token_info", "Bearer "+tt.token); status != tt.want {
			t.Errorf("%s after the main app's admin logout: %d %v, want %d", tt.name, status, body, tt.want)
		}
	}
}
