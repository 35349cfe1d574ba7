package kakaotest

import (
	"net/http"
	"net/url"
	"testing"
)

func TestUserMe(t *testing.T) {
	srv := newEmu(t, nil)
	tests := []struct {
		name   string
		user   int64
		query  string
		check  func(t *testing.T, me, acct map[string]any)
		status int
	}{
		{
			name: "full user has consented items and flags false", user: 1001,
			check: func(t *testing.T, me, acct map[string]any) {
				profile, _ := acct["profile"].(map[string]any)
				if num(me, "id") != 1001 || str(me, "connected_at") == "" || profile["nickname"] != "Ryan" ||
					acct["email"] != "ryan@example.com" || acct["is_email_verified"] != true || acct["is_email_valid"] != true ||
					acct["email_needs_agreement"] != false || acct["profile_nickname_needs_agreement"] != false {
					t.Fatalf("user object %v", me)
				}
				if acct["gender_needs_agreement"] != true || acct["gender"] != nil {
					t.Fatalf("unconsented gender: %v", acct)
				}
				if _, ok := me["has_signed_up"]; ok {
					t.Fatal("has_signed_up present with auto-link on")
				}
			},
		},
		{
			name: "user without email: not obtainable", user: 1002,
			check: func(t *testing.T, _, acct map[string]any) {
				if acct["email_needs_agreement"] != false || acct["email"] != nil {
					t.Fatalf("no-email user: %v", acct)
				}
			},
		},
		{
			name: "unverified email is returned with is_email_verified false", user: 1003,
			check: func(t *testing.T, _, acct map[string]any) {
				if acct["email"] != "neo@example.com" || acct["is_email_verified"] != false {
					t.Fatalf("unverified user: %v", acct)
				}
			},
		},
		{
			name: "property_keys limits the object", user: 1001, query: `property_keys=["kakao_account.email"]`,
			check: func(t *testing.T, me, acct map[string]any) {
				if acct["email"] != "ryan@example.com" || acct["profile"] != nil || me["properties"] != nil {
					t.Fatalf("filtered object %v", me)
				}
			},
		},
		{
			name: "secure_resource returns https images", user: 1001, query: "secure_resource=true",
			check: func(t *testing.T, _, acct map[string]any) {
				profile, _ := acct["profile"].(map[string]any)
				if u, _ := profile["thumbnail_image_url"].(string); len(u) < 8 || u[:8] != "https://" {
					t.Fatalf("thumbnail %q", u)
				}
			},
		},
		{name: "unknown property key is -2", user: 1001, query: `property_keys=["kakao_account.shoe_size"]`, status: 400},
		{name: "malformed property_keys is -2", user: 1001, query: `property_keys=kakao_account.email`, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := str(tokens(t, srv, tt.user, nil), "access_token")
			path := "/v2/user/me"
			if tt.query != "" {
				q, _ := url.ParseQuery(tt.query)
				path += "?" + q.Encode()
			}
			status, me := getJSON(t, srv, path, "Bearer "+at)
			if tt.status != 0 {
				if status != tt.status || num(me, "code") != -2 {
					t.Fatalf("got %d %v, want %d -2", status, me, tt.status)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("user/me: %d %v", status, me)
			}
			acct, _ := me["kakao_account"].(map[string]any)
			tt.check(t, me, acct)
		})
	}
}

func TestUnverifiedEmailIsNotInIDToken(t *testing.T) {
	srv := newEmu(t, nil)
	tok, err := verifyIDToken(t, srv, str(tokens(t, srv, 1003, nil), "id_token"))
	if err != nil {
		t.Fatal(err)
	}
	if email, ok := tok.Get("email"); ok {
		t.Fatalf("email claim %v for an unverified email", email)
	}
}

func TestKapiAuthentication(t *testing.T) {
	srv := newEmu(t, nil)
	at := str(tokens(t, srv, 1001, nil), "access_token")
	tests := []struct {
		name   string
		path   string
		auth   string
		status int
		code   float64
	}{
		{"bearer token works", "/v2/user/me", "Bearer " + at, 200, 0},
		{"unknown token is -401", "/v2/user/me", "Bearer nope", 401, -401},
		{"no credentials is -401", "/v2/user/me", "", 401, -401},
		{"admin key with target works", "/v2/user/me?target_id_type=user_id&target_id=1001", "KakaoAK " + DefaultAdminKey, 200, 0},
		{"wrong admin key is -401", "/v2/user/me?target_id_type=user_id&target_id=1001", "KakaoAK nope", 401, -401},
		{"admin key without target is -2", "/v2/user/me", "KakaoAK " + DefaultAdminKey, 400, -2},
		{"unlinked target is -101", "/v2/user/me?target_id_type=user_id&target_id=1002", "KakaoAK " + DefaultAdminKey, 400, -101},
		{"access_token_info", "/v1/user/access_token_info", "Bearer " + at, 200, 0},
		{"oidc userinfo", "/v1/oidc/userinfo", "Bearer " + at, 200, 0},
		{"scopes", "/v2/user/scopes", "Bearer " + at, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := getJSON(t, srv, tt.path, tt.auth)
			if status != tt.status || num(body, "code") != tt.code {
				t.Fatalf("got %d %v, want %d code %v", status, body, tt.status, tt.code)
			}
		})
	}
	t.Run("access_token_info reports id, expires_in and app_id", func(t *testing.T) {
		_, info := getJSON(t, srv, "/v1/user/access_token_info", "Bearer "+at)
		if num(info, "id") != 1001 || num(info, "app_id") != 100001 || num(info, "expires_in") <= 0 || num(info, "expires_in") > 21599 {
			t.Fatalf("token info %v", info)
		}
	})
	t.Run("expired token is -401 with WWW-Authenticate", func(t *testing.T) {
		srv.ExpireAccessTokens()
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v2/user/me", nil)
		req.Header.Set("Authorization", "Bearer "+at)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "Bearer error=invalid_token" {
			t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
}

func TestLogoutRevokesTokens(t *testing.T) {
	tests := []struct {
		name        string
		admin       bool
		wantOtherOK bool // the user's other login survives
	}{
		{"bearer logout revokes that login only", false, true},
		{"admin logout revokes every login of the user", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, nil)
			one := tokens(t, srv, 1001, nil)
			other := tokens(t, srv, 1001, nil)
			auth, form := "Bearer "+str(one, "access_token"), url.Values(nil)
			if tt.admin {
				auth, form = "KakaoAK "+DefaultAdminKey, url.Values{"target_id_type": {"user_id"}, "target_id": {"1001"}}
			}
			if status, body := postForm(t, srv, "/v1/user/logout", form, auth); status != 200 || num(body, "id") != 1001 {
				t.Fatalf("logout: %d %v", status, body)
			}
			if status, body := getJSON(t, srv, "/v2/user/me", "Bearer "+str(one, "access_token")); status != 401 || num(body, "code") != -401 {
				t.Fatalf("user/me after logout: %d %v", status, body)
			}
			if status, body := refreshWith(t, srv, str(one, "refresh_token")); status != 400 || str(body, "error_code") != "KOE322" {
				t.Fatalf("refresh after logout: %d %v", status, body)
			}
			status, _ := getJSON(t, srv, "/v2/user/me", "Bearer "+str(other, "access_token"))
			if (status == 200) != tt.wantOtherOK {
				t.Fatalf("other login status %d, want ok=%v", status, tt.wantOtherOK)
			}
			if !srv.Linked(1001) {
				t.Fatal("logout unlinked the user")
			}
		})
	}
}

func TestSignupWithAutoLinkOff(t *testing.T) {
	srv := newEmu(t, func(o *Options) { o.DisableAutoLink = true })
	at := "Bearer " + str(tokens(t, srv, 1001, map[string]string{"scope": "openid,profile_nickname,account_email,age_range"}), "access_token")
	_, me := getJSON(t, srv, "/v2/user/me", at)
	acct, _ := me["kakao_account"].(map[string]any)
	if me["has_signed_up"] != false || acct["email"] != "ryan@example.com" || acct["age_range"] != nil {
		t.Fatalf("preregistered user object %v", me)
	}
	if status, body := postForm(t, srv, "/v1/user/signup", nil, at); status != 200 || num(body, "id") != 1001 {
		t.Fatalf("signup: %d %v", status, body)
	}
	_, me = getJSON(t, srv, "/v2/user/me", at)
	acct, _ = me["kakao_account"].(map[string]any)
	if me["has_signed_up"] != true || acct["age_range"] != "20~29" {
		t.Fatalf("after signup %v", me)
	}
	if status, body := postForm(t, srv, "/v1/user/signup", nil, at); status != 400 || num(body, "code") != -102 {
		t.Fatalf("second signup: %d %v", status, body)
	}
}

func TestInsufficientScopeAndScopesAPI(t *testing.T) {
	srv := newEmu(t, nil)
	at := "Bearer " + str(tokens(t, srv, 1001, nil), "access_token")
	status, body := postForm(t, srv, pathTalkMemo, url.Values{"template_object": {"{}"}}, at)
	req, _ := body["required_scopes"].([]any)
	if status != 403 || num(body, "code") != -402 || len(req) != 1 || req[0] != "talk_message" {
		t.Fatalf("talk memo without scope: %d %v", status, body)
	}
	_, scopes := getJSON(t, srv, `/v2/user/scopes?scopes=`+url.QueryEscape(`["account_email","talk_message"]`), at)
	list, _ := scopes["scopes"].([]any)
	if len(list) != 2 {
		t.Fatalf("scopes %v", scopes)
	}
	email, _ := list[0].(map[string]any)
	talk, _ := list[1].(map[string]any)
	if email["agreed"] != true || email["revocable"] != true || talk["agreed"] != false || talk["revocable"] != nil {
		t.Fatalf("scopes %v", list)
	}
}

func TestFaultsAndCalls(t *testing.T) {
	srv := newEmu(t, nil)
	srv.SetFault("/.well-known/openid-configuration", Fault{Status: 503, Times: 1})
	if status, body := getJSON(t, srv, "/.well-known/openid-configuration", ""); status != 503 || str(body, "error") != "server_error" {
		t.Fatalf("faulted: %d %v", status, body)
	}
	if status, body := getJSON(t, srv, "/.well-known/openid-configuration", ""); status != 200 || str(body, "issuer") != srv.URL() {
		t.Fatalf("after the fault: %d %v", status, body)
	}
	if n := srv.Calls("/.well-known/openid-configuration"); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
	srv.SetFault("/v2/user/me", Fault{Status: 500})
	for range 2 {
		if status, body := getJSON(t, srv, "/v2/user/me", "Bearer x"); status != 500 || num(body, "code") != -1 {
			t.Fatalf("kapi fault: %d %v", status, body)
		}
	}
	srv.ClearFaults()
	if status, _ := getJSON(t, srv, "/v2/user/me", "Bearer x"); status != 401 {
		t.Fatalf("after ClearFaults: %d", status)
	}
}
