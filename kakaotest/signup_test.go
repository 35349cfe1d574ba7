package kakaotest

import (
	"context"
	"net/url"
	"testing"
)

// TestSignupLinksPreregisteredUsers: with auto-link off a consented user is preregistered
// (has_signed_up false, APIs beyond login answer -101) until /v1/user/signup links them,
// once: a second call answers -102. Properties are saved, and a key the app has not defined
// answers -201 and links nobody.
func TestSignupLinksPreregisteredUsers(t *testing.T) {
	const memo = `{"object_type":"text","text":"hi","link":{}}`
	tests := []struct {
		name      string
		autoLink  bool
		keys      []string // Options.PropertyKeys
		props     string   // the properties parameter
		auth      string   // "" uses the user's access token
		wantCode  float64  // 0: the signup answers 200 with the user's id
		wantAfter bool     // SignedUp after the call
		wantProp  string   // properties.plan in /v2/user/me afterwards
	}{
		{name: "preregistered user is linked", wantAfter: true},
		{name: "with properties", props: `{"plan":"free"}`, wantAfter: true, wantProp: "free"},
		{name: "with defined properties", keys: []string{"plan"}, props: `{"plan":"pro"}`, wantAfter: true, wantProp: "pro"},
		{name: "unknown property key", keys: []string{"tier"}, props: `{"plan":"pro"}`, wantCode: -201},
		{name: "malformed properties", props: `["plan"]`, wantCode: -2},
		{name: "auto-link on: already linked", autoLink: true, wantCode: -102, wantAfter: true},
		{name: "admin key is not a user token", auth: "KakaoAK " + DefaultAdminKey, wantCode: -401},
		{name: "unknown token", auth: "Bearer nope", wantCode: -401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, func(o *Options) { o.DisableAutoLink = !tt.autoLink; o.PropertyKeys = tt.keys })
			at := "Bearer " + str(tokens(t, srv, 1001, map[string]string{"scope": "openid,profile_nickname"}), "access_token")
			if srv.SignedUp(1001) != tt.autoLink {
				t.Fatalf("before signup SignedUp = %v", !tt.autoLink)
			}
			if !tt.autoLink {
				_, me := getJSON(t, srv, "/v2/user/me", at)
				if me["has_signed_up"] != false {
					t.Fatalf("preregistered /v2/user/me: %v", me)
				}
				if status, body := postForm(t, srv, pathTalkMemo, url.Values{"template_object": {memo}}, at); status != 400 || num(body, "code") != -101 {
					t.Fatalf("talk memo of a preregistered user: %d %v", status, body)
				}
			}
			auth := tt.auth
			if auth == "" {
				auth = at
			}
			form := url.Values{}
			if tt.props != "" {
				form.Set("properties", tt.props)
			}
			status, body := postForm(t, srv, "/v1/user/signup", form, auth)
			if tt.wantCode == 0 && (status != 200 || num(body, "id") != 1001) || tt.wantCode != 0 && num(body, "code") != tt.wantCode {
				t.Fatalf("signup: %d %v, want code %v", status, body, tt.wantCode)
			}
			if got := srv.SignedUp(1001); got != tt.wantAfter {
				t.Fatalf("after signup SignedUp = %v, want %v", got, tt.wantAfter)
			}
			_, me := getJSON(t, srv, `/v2/user/me?property_keys=`+url.QueryEscape(`["properties.plan","has_signed_up"]`), at)
			props, _ := me["properties"].(map[string]any)
			if got, _ := props["plan"].(string); got != tt.wantProp {
				t.Fatalf("properties.plan = %q, want %q (%v)", got, tt.wantProp, me)
			}
			if !tt.wantAfter {
				return
			}
			if !tt.autoLink && me["has_signed_up"] != true {
				t.Fatalf("after signup /v2/user/me: %v", me)
			}
			if status, body := postForm(t, srv, "/v1/user/signup", nil, at); status != 400 || num(body, "code") != -102 {
				t.Fatalf("second signup: %d %v", status, body)
			}
			// Linked now: the memo API gets as far as the missing scope.
			if status, body := postForm(t, srv, pathTalkMemo, url.Values{"template_object": {memo}}, at); status != 403 || num(body, "code") != -402 {
				t.Fatalf("talk memo after signup: %d %v", status, body)
			}
		})
	}
}

// TestUnlinkForgetsTheSignup: an unlinked user who consents again is preregistered again.
func TestUnlinkForgetsTheSignup(t *testing.T) {
	srv := newEmu(t, func(o *Options) { o.DisableAutoLink = true })
	at := "Bearer " + str(tokens(t, srv, 1001, nil), "access_token")
	if status, body := postForm(t, srv, "/v1/user/signup", nil, at); status != 200 {
		t.Fatalf("signup: %d %v", status, body)
	}
	_ = srv.Unlink(context.Background(), 1001) // no webhook receiver: the delivery fails, the unlink stands
	if srv.Linked(1001) || srv.SignedUp(1001) {
		t.Fatal("linked or signed up after the unlink")
	}
	at = "Bearer " + str(tokens(t, srv, 1001, nil), "access_token")
	if _, me := getJSON(t, srv, "/v2/user/me", at); me["has_signed_up"] != false {
		t.Fatalf("after unlink and a new consent: %v", me)
	}
}
